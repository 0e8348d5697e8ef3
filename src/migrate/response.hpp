// IMAP responses (RFC 3501, section 7 and 9): cut out of the bytes a server sends, literals
// included, and parsed into their parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mailsync::imap {

// One part of a response: an atom (numbers, flags, BODY[] and the like), a string (quoted or a
// literal), NIL, or a parenthesized list.
struct Item {
    enum class Type { atom, string, nil, list };
    Type type = Type::atom;
    std::string text;
    std::vector<Item> items;

    bool is_atom(std::string_view atom) const;
    // A flag as a command may carry it (RFC 3501's flag: an atom, or '\\' and an atom): a
    // source server's quoted strings or literals in FLAGS, which could hold a line break and
    // a command after it, are not flags.
    bool is_flag() const;
    // The item after `key` in a list of key-value pairs (FETCH's), or nullptr.
    const Item* after(std::string_view key) const;
    Item* after(std::string_view key) {
        return const_cast<Item*>(static_cast<const Item&>(*this).after(key));
    }
};

struct Response {
    std::string tag;  // "*", "+", or the command's tag
    std::string kind; // "OK", "NO", "BAD", "BYE", "PREAUTH", "CAPABILITY", "LIST", "FETCH", ...
    std::uint32_t number = 0; // "* 23 FETCH (...)", "* 5 EXISTS": the number before the kind
    std::string code;         // a status response's "[...]" without brackets: "UIDNEXT 42"
    std::string text;         // a status response's human-readable text; a continuation's text
    std::vector<Item> data;   // the parts after the kind, for a data response

    bool tagged() const { return tag != "*" && tag != "+"; }
    bool ok() const { return kind == "OK"; }
};

// Parses one complete response (its line and the literals it announces, as the server sent them,
// the last CRLF included).
Result<Response> parse_response(std::string_view bytes);

// Collects what the server sends and hands out complete responses, however the bytes arrive:
// a literal of megabytes is waited for, not scanned again with each read.
class ResponseReader {
public:
    // Where to put the next bytes read: at least `wanted` bytes of room.
    char* room(std::size_t wanted);
    // The bytes just put into room().
    void received(std::size_t count);

    // The next complete response; nullopt when more bytes are needed; an error for a response
    // that cannot be parsed or a line beyond the limits.
    Result<std::optional<Response>> next();

    // Bytes buffered and not yet handed out.
    std::size_t pending() const { return m_end - m_start; }

private:
    std::string m_buffer;
    std::size_t m_start = 0;  // the first byte of the response being collected
    std::size_t m_end = 0;    // one past the last byte received
    std::size_t m_line = 0;   // where the current line of that response starts
    std::size_t m_search = 0; // where to look for the current line's end
};

// Quotes a string for a command: "..." with \ and " escaped, or nullopt when it holds CR, LF or
// NUL (send it as a literal instead).
std::optional<std::string> quoted(std::string_view text);

} // namespace mailsync::imap
