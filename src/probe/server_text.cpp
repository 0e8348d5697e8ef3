#include "probe/server_text.hpp"

#include <cctype>

namespace mailsync {

namespace {

bool is_blank(char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F || byte == ' ';
}

// "AADSTS7000215", Microsoft Entra's code of an error, if the text holds one.
std::string_view aadsts_code(std::string_view text) {
    for (std::size_t at = text.find("AADSTS"); at != std::string_view::npos;
         at = text.find("AADSTS", at + 1)) {
        std::size_t end = at + 6;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])) != 0)
            ++end;
        if (end > at + 6)
            return text.substr(at, end - at);
    }
    return {};
}

} // namespace

std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (char c : text) {
        if (is_blank(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space)
            out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::string first_sentence(std::string_view description) {
    std::string_view first = description;
    while (!first.empty() && is_blank(first.front()))
        first.remove_prefix(1);
    first = first.substr(0, first.find_first_of("\r\n"));
    if (std::size_t stop = first.find(". "); stop != std::string_view::npos)
        first = first.substr(0, stop + 1);
    std::string out = one_line(first);
    std::string_view code = aadsts_code(description);
    if (!code.empty() && out.find(code) == std::string::npos)
        out = std::string(code) + ": " + out;
    return out;
}

} // namespace mailsync
