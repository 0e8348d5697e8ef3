#include "import/json_positions.hpp"

#include <nlohmann/json.hpp>

namespace mailsync {

namespace {

class Walker {
public:
    explicit Walker(std::string_view text) : m_text(text) {}

    std::unordered_map<std::string, std::size_t> run() {
        skip_space();
        std::string root;
        value(root, 0);
        return std::move(m_offsets);
    }

private:
    void skip_space() {
        while (m_at < m_text.size() && (m_text[m_at] == ' ' || m_text[m_at] == '\t' ||
                                        m_text[m_at] == '\n' || m_text[m_at] == '\r'))
            ++m_at;
    }

    // Past a string that starts at m_at; its raw text between the quotes.
    std::string_view string() {
        std::size_t start = ++m_at;
        while (m_at < m_text.size() && m_text[m_at] != '"')
            m_at += m_text[m_at] == '\\' ? 2 : 1;
        std::string_view raw = m_text.substr(start, std::min(m_at, m_text.size()) - start);
        ++m_at;
        return raw;
    }

    // Past a value without listing what it holds: no recursion however deep it is.
    void skip_nested() {
        int open = 0;
        do {
            char c = m_text[m_at];
            if (c == '"') {
                string();
                continue;
            }
            open += (c == '{' || c == '[') ? 1 : (c == '}' || c == ']') ? -1 : 0;
            ++m_at;
        } while (m_at < m_text.size() && open > 0);
    }

    // A member's or an element's value, then the ',' after it.
    void child(std::string& pointer, const std::string& token, int depth) {
        std::size_t length = pointer.size();
        pointer += '/';
        pointer += token;
        value(pointer, depth + 1);
        pointer.resize(length);
        skip_space();
        if (m_at < m_text.size() && m_text[m_at] == ',') {
            ++m_at;
            skip_space();
        }
    }

    void value(std::string& pointer, int depth) {
        if (m_at >= m_text.size())
            return;
        if (depth > 256)
            return skip_nested();
        m_offsets.emplace(pointer, m_at);
        char c = m_text[m_at];
        if (c == '{') {
            ++m_at;
            skip_space();
            while (m_at < m_text.size() && m_text[m_at] == '"') {
                std::string_view raw = string();
                std::string key(raw);
                if (raw.find('\\') != std::string_view::npos)
                    key = nlohmann::json::parse("\"" + key + "\"").get<std::string>();
                skip_space();
                ++m_at; // ':'
                skip_space();
                child(pointer, json_pointer_token(key), depth);
            }
            ++m_at; // '}'
        } else if (c == '[') {
            ++m_at;
            skip_space();
            for (std::size_t index = 0; m_at < m_text.size() && m_text[m_at] != ']'; ++index)
                child(pointer, std::to_string(index), depth);
            ++m_at; // ']'
        } else if (c == '"') {
            string();
        } else {
            while (m_at < m_text.size() && m_text[m_at] != ',' && m_text[m_at] != '}' &&
                   m_text[m_at] != ']' && m_text[m_at] != ' ' && m_text[m_at] != '\n' &&
                   m_text[m_at] != '\r' && m_text[m_at] != '\t')
                ++m_at;
        }
    }

    std::string_view m_text;
    std::size_t m_at = 0;
    std::unordered_map<std::string, std::size_t> m_offsets;
};

} // namespace

std::string json_pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::unordered_map<std::string, std::size_t> json_value_offsets(std::string_view text) {
    return Walker(text).run();
}

} // namespace mailsync
