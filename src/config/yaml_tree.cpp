#include "config/yaml_tree.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/scalar.hpp"

namespace mailsync::yaml {

const Node* Node::find(std::string_view child_key) const {
    for (const Node& child : children) {
        if (child.key == child_key)
            return &child;
    }
    return nullptr;
}

std::string describe(const Node& node) {
    switch (node.kind) {
    case NodeKind::null:
        return "null";
    case NodeKind::sequence:
        return "a list";
    case NodeKind::map:
        return "a map";
    case NodeKind::scalar:
        break;
    }
    switch (scalar_type(node)) {
    case ScalarType::boolean:
        return fmt::format("a boolean ({})", node.value);
    case ScalarType::integer:
    case ScalarType::number:
        return fmt::format("a number ({})", node.value);
    case ScalarType::null:
        return "null";
    case ScalarType::string:
        break;
    }
    if (node.value.size() > 40)
        return fmt::format("a string ('{}...')", node.value.substr(0, 40));
    return fmt::format("a string ('{}')", node.value);
}

namespace {

class ParseError {
public:
    Mark mark;
    std::string message;
};

Mark to_mark(const YAML::Mark& mark) {
    return {mark.line + 1, mark.column + 1};
}

std::size_t count_nodes(const Node& node) {
    std::size_t count = 1;
    for (const Node& child : node.children)
        count += count_nodes(child);
    return count;
}

// Builds nodes from yaml-cpp's parse events, one document at a time.
class TreeBuilder : public YAML::EventHandler {
public:
    // `line_offset`: the lines of the file before the text parsed, added to every place.
    TreeBuilder(const std::string& file, Diagnostics& diagnostics, const ParseLimits& limits,
                int line_offset = 0)
        : m_file(file), m_diagnostics(diagnostics), m_limits(limits), m_line_offset(line_offset) {}

    // A place in the file, from one in the text parsed.
    Mark at(const YAML::Mark& mark) const {
        Mark out = to_mark(mark);
        out.line += m_line_offset;
        return out;
    }

    std::optional<Node> take_root() { return std::move(m_root); }

    void OnDocumentStart(const YAML::Mark&) override {
        m_root.reset();
        m_stack.clear();
        m_anchors.clear();
        m_nodes = 0;
        m_alias_nodes = 0;
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        Node node;
        node.mark = at(mark);
        finish(std::move(node), anchor);
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        auto found = m_anchors.find(anchor);
        if (found == m_anchors.end())
            throw ParseError{at(mark), "alias to an unknown anchor"};
        m_alias_nodes += count_nodes(found->second);
        if (m_alias_nodes > m_limits.max_alias_nodes) {
            throw ParseError{at(mark),
                             fmt::format("YAML aliases expand to more than {} nodes; refusing "
                                         "to expand them further",
                                         m_limits.max_alias_nodes)};
        }
        Node copy = found->second;
        copy.mark = at(mark);
        finish(std::move(copy), 0);
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        Node node;
        node.kind = NodeKind::scalar;
        node.mark = at(mark);
        node.value = value;
        node.quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
        finish(std::move(node), anchor);
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(NodeKind::sequence, mark, anchor);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(NodeKind::map, mark, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    struct Frame {
        Node node;
        YAML::anchor_t anchor = 0;
        bool expecting_key = true; // maps alternate key and value
        std::string key;
        Mark key_mark;
    };

    void open(NodeKind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (m_stack.size() >= m_limits.max_depth)
            throw ParseError{
                at(mark), fmt::format("YAML nesting is deeper than {} levels", m_limits.max_depth)};
        Frame frame;
        frame.node.kind = kind;
        frame.node.mark = at(mark);
        frame.anchor = anchor;
        m_stack.push_back(std::move(frame));
    }

    void close() {
        Frame frame = std::move(m_stack.back());
        m_stack.pop_back();
        finish(std::move(frame.node), frame.anchor);
    }

    void finish(Node node, YAML::anchor_t anchor) {
        if (++m_nodes > m_limits.max_nodes_per_document) {
            throw ParseError{node.mark, fmt::format("document has more than {} nodes",
                                                    m_limits.max_nodes_per_document)};
        }
        if (anchor != 0)
            m_anchors.insert_or_assign(anchor, node);
        if (m_stack.empty()) {
            m_root = std::move(node);
            return;
        }
        Frame& parent = m_stack.back();
        if (parent.node.kind == NodeKind::sequence) {
            node.key_mark = node.mark;
            parent.node.children.push_back(std::move(node));
            return;
        }
        if (parent.expecting_key) {
            if (!node.is_scalar()) {
                throw ParseError{node.mark, fmt::format("a map key must be a plain string, "
                                                        "not {}",
                                                        describe(node))};
            }
            parent.key = node.value;
            parent.key_mark = node.mark;
            parent.expecting_key = false;
            return;
        }
        parent.expecting_key = true;
        node.key = parent.key;
        node.key_mark = parent.key_mark;
        add_entry(parent.node, std::move(node));
    }

    void add_entry(Node& map, Node entry) {
        if (entry.key == "<<" && !entry.quoted) {
            merge(map, entry);
            return;
        }
        for (Node& existing : map.children) {
            if (existing.key != entry.key)
                continue;
            if (existing.from_merge) {
                existing = std::move(entry);
                return;
            }
            m_diagnostics.error(
                {m_file, entry.key_mark.line, entry.key_mark.column},
                fmt::format("duplicate key '{}' (first given at line {}, column {})", entry.key,
                            existing.key_mark.line, existing.key_mark.column));
            return;
        }
        map.children.push_back(std::move(entry));
    }

    // `<<: *base` or `<<: [*a, *b]`: keys not given in the map itself come from the merged maps.
    void merge(Node& map, const Node& source) {
        if (source.is_sequence()) {
            for (const Node& item : source.children)
                merge(map, item);
            return;
        }
        if (!source.is_map())
            throw ParseError{source.mark, "a merge key '<<' takes a map or a list of maps"};
        for (const Node& child : source.children) {
            if (map.find(child.key) != nullptr)
                continue;
            Node copy = child;
            copy.from_merge = true;
            map.children.push_back(std::move(copy));
        }
    }

    const std::string& m_file;
    Diagnostics& m_diagnostics;
    const ParseLimits& m_limits;
    std::vector<Frame> m_stack;
    std::optional<Node> m_root;
    std::map<YAML::anchor_t, Node> m_anchors;
    std::size_t m_nodes = 0;
    std::size_t m_alias_nodes = 0;
    int m_line_offset = 0;
};

// `{password: ${env:X}}` ends the flow map at the reference's `}`: say so.
std::string flow_hint(std::string_view text, Mark mark) {
    std::size_t start = 0;
    for (int line = 1; line < mark.line - 1 && start != std::string_view::npos; ++line)
        start = text.find('\n', start + 1);
    if (start == std::string_view::npos)
        return {};
    std::string_view near = text.substr(start, 400);
    std::size_t reference = near.find("${");
    std::size_t flow = near.find_first_of("{[");
    if (reference == std::string_view::npos || flow == std::string_view::npos || flow >= reference)
        return {};
    return " (inside { } or [ ], quote a ${...} reference: \"${env:NAME}\")";
}

// The character at a mark, quoted for a message: "','".
std::string char_at(std::string_view text, Mark mark) {
    std::size_t start = 0;
    for (int line = 1; line < mark.line && start != std::string_view::npos; ++line) {
        start = text.find('\n', start);
        if (start != std::string_view::npos)
            ++start;
    }
    std::size_t at = start == std::string_view::npos ? text.size() : start + mark.column - 1;
    if (at >= text.size())
        return "the end";
    unsigned char c = static_cast<unsigned char>(text[at]);
    return c >= 0x20 && c < 0x7F ? fmt::format("'{}'", static_cast<char>(c))
                                 : fmt::format("byte 0x{:02X}", c);
}

} // namespace

namespace {

// Reads the documents of `text`, which starts `line_offset` lines into the file `full`, until
// its end or a syntax error; where that stopped it, as a place in the file.
std::optional<Mark> parse_until_error(std::string_view full, std::string_view text, int line_offset,
                                      const std::string& file, Diagnostics& diagnostics,
                                      const ParseLimits& limits, std::vector<Document>& documents) {
    std::istringstream stream{std::string(text)};
    TreeBuilder builder(file, diagnostics, limits, line_offset);
    try {
        YAML::Parser parser(stream);
        std::optional<Mark> last;
        while (parser.HandleNextDocument(builder)) {
            std::optional<Node> root = builder.take_root();
            if (!root)
                continue;
            // yaml-cpp 0.7 does not consume a token that cannot start a node (a stray ',' or
            // ']' at the top, jbeder/yaml-cpp#1040): it hands out an empty document at the same
            // place again and again. Found by fuzzing.
            if (root->is_null() && last && last->line == root->mark.line &&
                last->column == root->mark.column) {
                diagnostics.error({file, root->mark.line, root->mark.column},
                                  fmt::format("YAML syntax: {} cannot start a value here",
                                              char_at(full, root->mark)));
                return root->mark;
            }
            last = root->mark;
            documents.push_back({std::move(*root), root->mark});
        }
    } catch (const ParseError& error) {
        diagnostics.error({file, error.mark.line, error.mark.column}, error.message);
        return error.mark;
    } catch (const YAML::DeepRecursion& error) {
        Mark mark = builder.at(error.mark);
        diagnostics.error({file, mark.line, mark.column},
                          fmt::format("YAML nesting is deeper than {} levels", error.depth()));
        return mark;
    } catch (const YAML::Exception& error) {
        Mark mark = error.mark.is_null() ? Mark{line_offset + 1, 1} : builder.at(error.mark);
        diagnostics.error({file, mark.line, mark.column},
                          fmt::format("YAML syntax: {}{}", error.msg, flow_hint(full, mark)));
        return mark;
    }
    return std::nullopt;
}

// The offset of the first document marker (`---` at a line's start, then a blank or the end)
// on line `line` or after it; npos when there is none.
std::size_t next_document_marker(std::string_view text, int line) {
    std::size_t at = 0;
    for (int current = 1; at < text.size(); ++current) {
        std::size_t end = text.find('\n', at);
        std::string_view content =
            text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        if (current >= line && content.starts_with("---") &&
            (content.size() == 3 || content[3] == ' ' || content[3] == '\t' || content[3] == '\r'))
            return at;
        if (end == std::string_view::npos)
            break;
        at = end + 1;
    }
    return std::string_view::npos;
}

} // namespace

ParsedText parse_text(std::string_view text, const std::string& file, Diagnostics& diagnostics,
                      const ParseLimits& limits) {
    ParsedText parsed;
    std::optional<Mark> broken =
        parse_until_error(text, text, 0, file, diagnostics, limits, parsed.documents);
    if (!broken)
        return parsed;
    parsed.broken.push_back(*broken);
    // A syntax error spoils its document only. The rest is read one document at a time, each
    // from its `---` to the next, so that no byte is parsed more than twice. An error found at
    // a `---` (a flow left open runs into the next document) leaves that document whole.
    std::size_t at =
        next_document_marker(text, broken->column == 1 ? broken->line : broken->line + 1);
    if (at == std::string_view::npos)
        return parsed;
    auto lines_in = [](std::string_view part) {
        return static_cast<int>(std::count(part.begin(), part.end(), '\n'));
    };
    int line = lines_in(text.substr(0, at));
    while (at != std::string_view::npos &&
           parsed.broken.size() <= static_cast<std::size_t>(max_resumed_syntax_errors)) {
        std::size_t length = next_document_marker(text.substr(at), 2);
        std::string_view document = text.substr(at, length);
        if (std::optional<Mark> error = parse_until_error(text, document, line, file, diagnostics,
                                                          limits, parsed.documents))
            parsed.broken.push_back(*error);
        line += lines_in(document);
        at = length == std::string_view::npos ? length : at + length;
    }
    if (at != std::string_view::npos)
        diagnostics.error({file, line + 1, 1},
                          fmt::format("more than {} YAML syntax errors: the rest of the file is "
                                      "not read",
                                      max_resumed_syntax_errors));
    return parsed;
}

std::vector<Document> parse(std::string_view text, const std::string& file,
                            Diagnostics& diagnostics, const ParseLimits& limits) {
    return parse_text(text, file, diagnostics, limits).documents;
}

} // namespace mailsync::yaml
