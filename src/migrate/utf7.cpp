#include "migrate/utf7.hpp"

#include <cstdint>
#include <vector>

namespace mailsync::imap {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int alphabet_index(char c) {
    std::size_t at = alphabet.find(c);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// The next code point of UTF-8 text, or nullopt for an invalid sequence.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& at) {
    unsigned char first = static_cast<unsigned char>(text[at]);
    int length = first < 0x80           ? 1
                 : (first >> 5) == 0x6  ? 2
                 : (first >> 4) == 0xE  ? 3
                 : (first >> 3) == 0x1E ? 4
                                        : 0;
    if (length == 0 || at + static_cast<std::size_t>(length) > text.size())
        return std::nullopt;
    char32_t point = length == 1 ? first : first & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
        unsigned char next = static_cast<unsigned char>(text[at + static_cast<std::size_t>(i)]);
        if ((next & 0xC0) != 0x80)
            return std::nullopt;
        point = (point << 6) | (next & 0x3F);
    }
    constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (point < smallest[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF))
        return std::nullopt;
    at += static_cast<std::size_t>(length);
    return point;
}

void append_utf8(std::string& out, char32_t point) {
    if (point < 0x80) {
        out += static_cast<char>(point);
    } else if (point < 0x800) {
        out += static_cast<char>(0xC0 | (point >> 6));
        out += static_cast<char>(0x80 | (point & 0x3F));
    } else if (point < 0x10000) {
        out += static_cast<char>(0xE0 | (point >> 12));
        out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (point >> 18));
        out += static_cast<char>(0x80 | ((point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (point & 0x3F));
    }
}

void flush_base64(std::string& out, std::vector<std::uint16_t>& units) {
    if (units.empty())
        return;
    out += '&';
    std::uint32_t bits = 0;
    int count = 0;
    for (std::uint16_t unit : units) {
        bits = (bits << 16) | unit;
        count += 16;
        while (count >= 6) {
            count -= 6;
            out += alphabet[(bits >> count) & 0x3F];
        }
    }
    if (count > 0)
        out += alphabet[(bits << (6 - count)) & 0x3F];
    out += '-';
    units.clear();
}

} // namespace

std::optional<std::string> encode_mailbox(std::string_view utf8) {
    std::string out;
    std::vector<std::uint16_t> units;
    for (std::size_t at = 0; at < utf8.size();) {
        std::optional<char32_t> point = next_code_point(utf8, at);
        if (!point)
            return std::nullopt;
        if (*point >= 0x20 && *point <= 0x7E) {
            flush_base64(out, units);
            out += *point == '&' ? std::string("&-") : std::string(1, static_cast<char>(*point));
        } else if (*point < 0x10000) {
            units.push_back(static_cast<std::uint16_t>(*point));
        } else {
            char32_t rest = *point - 0x10000;
            units.push_back(static_cast<std::uint16_t>(0xD800 + (rest >> 10)));
            units.push_back(static_cast<std::uint16_t>(0xDC00 + (rest & 0x3FF)));
        }
    }
    flush_base64(out, units);
    return out;
}

std::optional<std::string> decode_mailbox(std::string_view utf7) {
    std::string out;
    for (std::size_t at = 0; at < utf7.size();) {
        char c = utf7[at];
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E)
            return std::nullopt;
        if (c != '&') {
            out += c;
            ++at;
            continue;
        }
        std::size_t end = utf7.find('-', at + 1);
        if (end == std::string_view::npos)
            return std::nullopt;
        if (end == at + 1) {
            out += '&';
            at = end + 1;
            continue;
        }
        std::uint32_t bits = 0;
        int count = 0;
        std::vector<std::uint16_t> units;
        for (std::size_t i = at + 1; i < end; ++i) {
            int value = alphabet_index(utf7[i]);
            if (value < 0)
                return std::nullopt;
            bits = (bits << 6) | static_cast<std::uint32_t>(value);
            count += 6;
            if (count >= 16) {
                count -= 16;
                units.push_back(static_cast<std::uint16_t>((bits >> count) & 0xFFFF));
            }
        }
        if (count >= 6 || (bits & ((1u << count) - 1)) != 0 || units.empty())
            return std::nullopt; // left-over bits must be zero padding
        for (std::size_t i = 0; i < units.size(); ++i) {
            char32_t unit = units[i];
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                if (i + 1 >= units.size() || units[i + 1] < 0xDC00 || units[i + 1] > 0xDFFF)
                    return std::nullopt;
                unit = 0x10000 + ((unit - 0xD800) << 10) + (units[++i] - 0xDC00);
            } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                return std::nullopt;
            } else if (unit >= 0x20 && unit <= 0x7E) {
                return std::nullopt; // printable ASCII must stand for itself
            }
            append_utf8(out, unit);
        }
        at = end + 1;
    }
    return out;
}

} // namespace mailsync::imap
