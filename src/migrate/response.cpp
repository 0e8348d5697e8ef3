#include "migrate/response.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace mailsync::imap {

namespace {

// A line without its literals longer than this is refused: no server sends one.
constexpr std::size_t max_line = 1024 * 1024;
// Nor a literal beyond this: larger than any message a server accepts.
constexpr std::size_t max_literal = 1024ull * 1024 * 1024;

// "{123}" or "{123+}" or "~{123}" at the end of a line: the literal's size.
std::optional<std::size_t> literal_size(std::string_view line) {
    if (!line.ends_with('}'))
        return std::nullopt;
    std::size_t open = line.rfind('{');
    if (open == std::string_view::npos)
        return std::nullopt;
    std::string_view digits = line.substr(open + 1, line.size() - open - 2);
    if (digits.ends_with('+'))
        digits.remove_suffix(1);
    std::size_t size = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty())
        return std::nullopt;
    return size;
}

class Parser {
public:
    explicit Parser(std::string_view bytes) : m_bytes(bytes) {}

    Result<Response> run() {
        Response response;
        response.tag = word();
        if (response.tag.empty())
            return fail("an empty response");
        if (response.tag == "+") {
            space();
            response.text = rest_of_line();
            return response;
        }
        if (!space())
            return fail(fmt::format("a response without a kind after '{}'", response.tag));
        std::string kind = word();
        if (!kind.empty() &&
            std::all_of(kind.begin(), kind.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            std::from_chars(kind.data(), kind.data() + kind.size(), response.number);
            space();
            kind = word();
        }
        for (char& c : kind)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        response.kind = kind;
        bool status =
            kind == "OK" || kind == "NO" || kind == "BAD" || kind == "BYE" || kind == "PREAUTH";
        if (status) {
            space();
            if (peek() == '[') {
                std::size_t close = m_bytes.find(']', m_at);
                std::size_t line_end = m_bytes.find('\r', m_at);
                if (close == std::string_view::npos || close > line_end)
                    return fail("a response code without its ']'");
                response.code = std::string(m_bytes.substr(m_at + 1, close - m_at - 1));
                m_at = close + 1;
                space();
            }
            response.text = rest_of_line();
            return response;
        }
        while (space() || (m_at < m_bytes.size() && peek() != '\r')) {
            if (m_at >= m_bytes.size() || peek() == '\r')
                break;
            Result<Item> item = parse_item(0);
            if (!item)
                return std::unexpected(item.error());
            response.data.push_back(std::move(*item));
        }
        return response;
    }

private:
    char peek() const { return m_at < m_bytes.size() ? m_bytes[m_at] : '\0'; }

    bool space() {
        bool any = false;
        while (peek() == ' ') {
            ++m_at;
            any = true;
        }
        return any;
    }

    std::string word() {
        std::size_t start = m_at;
        while (m_at < m_bytes.size() && m_bytes[m_at] != ' ' && m_bytes[m_at] != '\r' &&
               m_bytes[m_at] != '\n')
            ++m_at;
        return std::string(m_bytes.substr(start, m_at - start));
    }

    std::string rest_of_line() {
        std::size_t end = m_bytes.find("\r\n", m_at);
        if (end == std::string_view::npos)
            end = m_bytes.size();
        std::string out(m_bytes.substr(m_at, end - m_at));
        m_at = end;
        return out;
    }

    Result<Item> parse_item(int depth) {
        if (depth > 64)
            return fail("lists nested too deep");
        Item item;
        char c = peek();
        if (c == '(') {
            ++m_at;
            item.type = Item::Type::list;
            while (true) {
                space();
                if (peek() == ')') {
                    ++m_at;
                    return item;
                }
                if (m_at >= m_bytes.size() || peek() == '\r')
                    return fail("a list without its ')'");
                Result<Item> child = parse_item(depth + 1);
                if (!child)
                    return child;
                item.items.push_back(std::move(*child));
            }
        }
        if (c == '"') {
            ++m_at;
            item.type = Item::Type::string;
            while (m_at < m_bytes.size() && m_bytes[m_at] != '"') {
                if (m_bytes[m_at] == '\\' && m_at + 1 < m_bytes.size())
                    ++m_at;
                if (m_bytes[m_at] == '\r')
                    return fail("a quoted string without its closing quote");
                item.text += m_bytes[m_at++];
            }
            if (m_at >= m_bytes.size())
                return fail("a quoted string without its closing quote");
            ++m_at;
            return item;
        }
        if (c == '{' || (c == '~' && m_at + 1 < m_bytes.size() && m_bytes[m_at + 1] == '{')) {
            std::size_t line_end = m_bytes.find("\r\n", m_at);
            if (line_end == std::string_view::npos)
                return fail("a literal without its size");
            std::optional<std::size_t> size = literal_size(m_bytes.substr(m_at, line_end - m_at));
            if (!size || line_end + 2 + *size > m_bytes.size())
                return fail("a literal whose size does not match what follows");
            item.type = Item::Type::string;
            item.text = std::string(m_bytes.substr(line_end + 2, *size));
            m_at = line_end + 2 + *size;
            return item;
        }
        // An atom; a '[' in it runs to its ']' whatever is inside: BODY[HEADER.FIELDS (X)]<0>.
        std::size_t start = m_at;
        int brackets = 0;
        while (m_at < m_bytes.size()) {
            char d = m_bytes[m_at];
            if (d == '\r' || d == '\n')
                break;
            if (brackets == 0 && (d == ' ' || d == '(' || d == ')'))
                break;
            brackets += d == '[' ? 1 : d == ']' ? -1 : 0;
            ++m_at;
        }
        if (m_at == start)
            return fail(fmt::format("unexpected '{}'", std::string(1, c)));
        item.text = std::string(m_bytes.substr(start, m_at - start));
        if (item.text == "NIL" || item.text == "nil")
            item.type = Item::Type::nil;
        return item;
    }

    std::string_view m_bytes;
    std::size_t m_at = 0;
};

} // namespace

bool Item::is_flag() const {
    if (type != Type::atom)
        return false;
    std::string_view name = text;
    if (!name.empty() && name.front() == '\\')
        name.remove_prefix(1);
    if (name.empty())
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte > 0x20 && byte < 0x7f &&
               std::string_view("(){%*\"\\]").find(c) == std::string_view::npos;
    });
}

bool Item::is_atom(std::string_view atom) const {
    if (type != Type::atom || text.size() != atom.size())
        return false;
    for (std::size_t i = 0; i < atom.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(text[i])) !=
            std::toupper(static_cast<unsigned char>(atom[i])))
            return false;
    }
    return true;
}

const Item* Item::after(std::string_view key) const {
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        if (items[i].is_atom(key))
            return &items[i + 1];
    }
    return nullptr;
}

Result<Response> parse_response(std::string_view bytes) {
    return Parser(bytes).run();
}

char* ResponseReader::room(std::size_t wanted) {
    if (m_start > 0 && m_start == m_end) {
        m_start = m_end = m_line = m_search = 0;
    } else if (m_start > m_buffer.size() / 2) {
        // Move what is left to the front now and then, not with every response.
        std::memmove(m_buffer.data(), m_buffer.data() + m_start, m_end - m_start);
        m_end -= m_start;
        m_line -= m_start;
        m_search -= m_start;
        m_start = 0;
    }
    if (m_buffer.size() < m_end + wanted)
        m_buffer.resize(std::max(m_end + wanted, m_buffer.size() * 2));
    return m_buffer.data() + m_end;
}

void ResponseReader::received(std::size_t count) {
    m_end += count;
}

Result<std::optional<Response>> ResponseReader::next() {
    std::string_view data(m_buffer.data(), m_end);
    while (true) {
        std::size_t line_end = data.find("\r\n", m_search);
        if (line_end == std::string_view::npos) {
            if (m_end - m_line > max_line)
                return fail("the server sent a line longer than 1 MiB");
            // Search again from the last byte: it may be the CR of the line break.
            m_search = std::max(m_line, m_end > 0 ? m_end - 1 : 0);
            return std::optional<Response>{};
        }
        std::string_view line = data.substr(m_line, line_end - m_line);
        std::optional<std::size_t> literal = literal_size(line);
        if (!literal) {
            std::size_t end = line_end + 2;
            Result<Response> response = parse_response(data.substr(m_start, end - m_start));
            m_start = m_line = m_search = end;
            if (!response)
                return std::unexpected(response.error());
            return std::optional<Response>(std::move(*response));
        }
        if (*literal > max_literal)
            return fail(fmt::format("the server announced a literal of {} bytes", *literal));
        if (line_end + 2 + *literal > m_end) {
            m_search = line_end; // the literal has not arrived yet
            return std::optional<Response>{};
        }
        m_line = m_search = line_end + 2 + *literal;
    }
}

std::optional<std::string> quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '\r' || c == '\n' || c == '\0')
            return std::nullopt;
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

} // namespace mailsync::imap
