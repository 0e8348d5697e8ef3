// YAML text as a tree of nodes that remember where they stand, with duplicate keys detected.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostics.hpp"

namespace mailsync::yaml {

// A place in the text; line and column count from 1.
struct Mark {
    int line = 0;
    int column = 0;
};

enum class NodeKind { null, scalar, sequence, map };

// One node of a document. A map's children carry their key, so a lookup needs no second list.
struct Node {
    NodeKind kind = NodeKind::null;
    Mark mark;               // where the value starts
    std::string value;       // the text of a scalar
    bool quoted = false;     // a quoted or block scalar is always a string
    std::string key;         // the key of this node in its parent map
    Mark key_mark;           // where that key stands; the value's mark for sequence items
    bool from_merge = false; // came in through a `<<` merge key
    std::vector<Node> children;

    bool is_map() const { return kind == NodeKind::map; }
    bool is_sequence() const { return kind == NodeKind::sequence; }
    bool is_scalar() const { return kind == NodeKind::scalar; }
    bool is_null() const { return kind == NodeKind::null; }
    // The child with this key, or nullptr.
    const Node* find(std::string_view child_key) const;
};

struct Document {
    Node root;
    Mark start;
};

// Limits that keep a hostile file from costing much: alias bombs, very large documents.
struct ParseLimits {
    std::size_t max_nodes_per_document = 200'000;
    std::size_t max_alias_nodes = 20'000;
    std::size_t max_depth = 64;
};

// What `parse_text` read: every document it could, and where each syntax error stopped a
// document (that document is not among `documents`; reading goes on at the next `---` line).
struct ParsedText {
    std::vector<Document> documents;
    std::vector<Mark> broken;
};

// At most this many syntax errors are read past in one file; the rest of it is left unread.
inline constexpr int max_resumed_syntax_errors = 100;

// Parses every document of `text`; problems go to `diagnostics` with `file` as their place.
ParsedText parse_text(std::string_view text, const std::string& file, Diagnostics& diagnostics,
                      const ParseLimits& limits = {});

// The documents of `parse_text`, for callers that need not know where a syntax error stopped it.
std::vector<Document> parse(std::string_view text, const std::string& file,
                            Diagnostics& diagnostics, const ParseLimits& limits = {});

// "a string", "a number", "a list", "a map", "null": what a node is, for messages.
std::string describe(const Node& node);

} // namespace mailsync::yaml
