#include <cctype>

#include "import/importer.hpp"

namespace mailsync {

// A name as a target's names may be: letters, digits, spaces and . _ - @, starting and ending
// with a letter or digit. Another character becomes '-', or nothing next to a space:
// "Sales (POP)" → "Sales POP", "Support/Inbox" → "Support-Inbox".
std::string safe_name(std::string_view raw) {
    constexpr char replaced = '\x01';
    std::string kept;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(raw[i]);
        if ((std::isalnum(c) != 0 && c < 0x80) || c == ' ' || c == '.' || c == '_' || c == '@' ||
            c == '-')
            kept += static_cast<char>(c);
        else if ((c & 0xC0) != 0x80 && !kept.ends_with(replaced))
            kept += replaced; // one for a whole UTF-8 character
    }
    std::string out;
    for (std::size_t i = 0; i < kept.size(); ++i) {
        if (kept[i] != replaced) {
            out += kept[i];
            continue;
        }
        bool space_before = out.empty() || out.back() == ' ';
        bool space_after = i + 1 >= kept.size() || kept[i + 1] == ' ';
        if (!space_before && !space_after)
            out += '-';
    }
    auto edge = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; };
    if (out.size() > 120)
        out.resize(120);
    while (!out.empty() && edge(out.back()))
        out.pop_back();
    std::size_t first = 0;
    while (first < out.size() && edge(out[first]))
        ++first;
    out.erase(0, first);
    // Runs of spaces as one.
    std::string squeezed;
    for (char c : out) {
        if (c != ' ' || !squeezed.ends_with(' '))
            squeezed += c;
    }
    return squeezed;
}

} // namespace mailsync
