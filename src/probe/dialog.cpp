#include "probe/dialog.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

namespace mailsync {

namespace {

constexpr std::string_view check_tag = "MS1";
constexpr std::string_view logout_tag = "MS2";

// Code points of UTF-8 text; invalid bytes become U+FFFD (the loader has checked the text).
std::vector<char32_t> code_points(std::string_view text) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < text.size();) {
        auto byte = static_cast<unsigned char>(text[i]);
        int length = byte < 0x80         ? 1
                     : (byte >> 5) == 6  ? 2
                     : (byte >> 4) == 14 ? 3
                     : (byte >> 3) == 30 ? 4
                                         : 0;
        if (length == 0 || i + static_cast<std::size_t>(length) > text.size()) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        char32_t point = length == 1 ? byte : byte & (0x7F >> length);
        for (int k = 1; k < length; ++k)
            point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        out.push_back(point);
        i += static_cast<std::size_t>(length);
    }
    return out;
}

void append_base64(std::string& out, const std::vector<std::uint16_t>& units) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    std::uint32_t bits = 0;
    int count = 0;
    for (std::uint16_t unit : units) {
        for (int shift : {8, 0}) {
            bits = (bits << 8) | ((unit >> shift) & 0xFF);
            count += 8;
            while (count >= 6) {
                count -= 6;
                out += alphabet[(bits >> count) & 0x3F];
            }
        }
    }
    if (count > 0)
        out += alphabet[(bits << (6 - count)) & 0x3F];
}

bool starts_with_word(std::string_view line, std::string_view word) {
    return line.size() >= word.size() &&
           std::equal(word.begin(), word.end(), line.begin(), [](char a, char b) {
               return std::toupper(static_cast<unsigned char>(a)) ==
                      std::toupper(static_cast<unsigned char>(b));
           });
}

} // namespace

std::string imap_utf7_encode(std::string_view utf8_name) {
    std::string out;
    std::vector<std::uint16_t> pending;
    auto flush = [&] {
        if (pending.empty())
            return;
        out += '&';
        append_base64(out, pending);
        out += '-';
        pending.clear();
    };
    for (char32_t point : code_points(utf8_name)) {
        if (point >= 0x20 && point <= 0x7E) {
            flush();
            out += point == '&' ? std::string("&-") : std::string(1, static_cast<char>(point));
        } else if (point >= 0x10000) {
            char32_t v = point - 0x10000;
            pending.push_back(static_cast<std::uint16_t>(0xD800 + (v >> 10)));
            pending.push_back(static_cast<std::uint16_t>(0xDC00 + (v & 0x3FF)));
        } else {
            pending.push_back(static_cast<std::uint16_t>(point));
        }
    }
    flush();
    return out;
}

std::string imap_mailbox_argument(std::string_view utf8_name) {
    std::string out = "\"";
    for (char c : imap_utf7_encode(utf8_name)) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

Dialog::Dialog(Protocol protocol, std::string folder, std::optional<OAuth2Login> login)
    : m_protocol(protocol), m_folder(std::move(folder)) {
    if (login) {
        m_login.emplace(protocol, std::move(*login));
        m_stage = Stage::login;
    }
}

std::string Dialog::start() {
    return m_login ? m_login->start() : start_check();
}

std::string Dialog::start_check() {
    m_stage = Stage::check;
    switch (m_protocol) {
    case Protocol::imap:
        return fmt::format("{} EXAMINE {}\r\n", check_tag, imap_mailbox_argument(m_folder));
    case Protocol::pop3:
        return "STAT\r\n";
    case Protocol::smtp:
        m_stage = Stage::logout;
        return "QUIT\r\n";
    }
    return {};
}

std::string Dialog::logout_command() const {
    return m_protocol == Protocol::imap ? fmt::format("{} LOGOUT\r\n", logout_tag)
                                        : std::string("QUIT\r\n");
}

Dialog::Step Dialog::on_line(std::string_view line) {
    if (m_stage == Stage::login) {
        OAuth2Exchange::Step step = m_login->on_line(line);
        if (!step.done)
            return {std::move(step.send), false};
        if (m_login->accepted())
            return {start_check(), false};
        m_login_refusal = m_login->verdict();
        m_stage = Stage::logout;
        return {logout_command(), false};
    }
    if (m_stage == Stage::logout)
        return {{},
                m_protocol != Protocol::imap || starts_with_word(line, logout_tag) ||
                    starts_with_word(line, "* BYE") || m_protocol == Protocol::smtp};
    switch (m_protocol) {
    case Protocol::imap: {
        if (line.starts_with("* ")) {
            long count = 0;
            if (std::sscanf(std::string(line).c_str(), "* %ld EXISTS", &count) == 1)
                m_messages = count;
            return {};
        }
        if (!starts_with_word(line, check_tag))
            return {};
        std::string_view status = line.substr(std::min(line.size(), check_tag.size() + 1));
        if (starts_with_word(status, "OK"))
            m_summary = fmt::format("{}: {} message{} (read-only)", m_folder,
                                    m_messages < 0 ? 0 : m_messages, m_messages == 1 ? "" : "s");
        else
            m_failure = std::string(line);
        m_stage = Stage::logout;
        return {logout_command(), false};
    }
    case Protocol::pop3: {
        long count = 0, size = 0;
        if (starts_with_word(line, "+OK") &&
            std::sscanf(std::string(line).c_str(), "+OK %ld %ld", &count, &size) == 2)
            m_summary = fmt::format("maildrop: {} message{}", count, count == 1 ? "" : "s");
        else
            m_failure = std::string(line);
        m_stage = Stage::logout;
        return {logout_command(), false};
    }
    case Protocol::smtp:
        break;
    }
    return {{}, true};
}

} // namespace mailsync
