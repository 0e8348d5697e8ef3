// Text kept once per process, for the few distinct values that very many objects repeat: file
// paths in places, field names and labels in plans.
#pragma once

#include <compare>
#include <iosfwd>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace mailsync {

// A pointer to the one copy of its text; equal texts are one copy, so equality is the pointer's.
// The copies live as long as the process, so only text with few distinct values belongs here.
class Interned {
public:
    Interned();
    Interned(std::string_view text); // NOLINT(google-explicit-constructor): stands for the text
    Interned(const std::string& text) : Interned(std::string_view(text)) {} // NOLINT
    Interned(const char* text) : Interned(std::string_view(text)) {}        // NOLINT

    const std::string& str() const { return *m_text; }
    operator const std::string&() const { return *m_text; } // NOLINT
    operator std::string_view() const { return *m_text; }   // NOLINT
    bool empty() const { return m_text->empty(); }
    std::size_t size() const { return m_text->size(); }

    friend bool operator==(const Interned& a, const Interned& b) { return a.m_text == b.m_text; }
    friend std::strong_ordering operator<=>(const Interned& a, const Interned& b) {
        return a.str().compare(b.str()) <=> 0;
    }
    friend std::ostream& operator<<(std::ostream& out, const Interned& text);

private:
    const std::string* m_text;
};

} // namespace mailsync

template <> struct fmt::formatter<mailsync::Interned> : fmt::formatter<std::string_view> {
    auto format(const mailsync::Interned& text, fmt::format_context& context) const {
        return fmt::formatter<std::string_view>::format(text.str(), context);
    }
};
