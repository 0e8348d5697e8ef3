#include "selfservice/message.hpp"

#include <chrono>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "util/crypto.hpp"

namespace mailsync {

const std::string_view default_invite_template =
    R"(Subject: Your mailbox is moving: please confirm the migration of {source}

Hello,

Your mailbox {source} is being moved to {destination}.

To let the move start, open this personal link and sign in to your current mailbox:

{link}

The link works once and until {expires}. Nobody will ever ask you for your password by email:
you type it only on the page the link opens. After that, the messages are copied on the servers;
you can close the page, and come back to it to see how far the copy is.

If you did not expect this message, ignore it and tell your administrator.
)";

namespace {

constexpr std::size_t max_line = 998;

// {word} at `at`: the word's value, or an error.
Result<std::string> placeholder(std::string_view word, const InviteFields& fields) {
    if (word == "name")
        return fields.name;
    if (word == "email")
        return fields.email;
    if (word == "source")
        return fields.source;
    if (word == "destination")
        return fields.destination;
    if (word == "link")
        return fields.link;
    if (word == "expires")
        return fields.expires;
    return fail(fmt::format("unknown placeholder {{{}}}; the template knows {{name}}, {{email}}, "
                            "{{source}}, {{destination}}, {{link}} and {{expires}}",
                            word));
}

// Fills in one line of the template; `line` counts from 1 for messages.
Result<std::string> fill(std::string_view text, std::size_t line, const InviteFields& fields,
                         bool& has_link) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t open = text.find('{', at);
        std::size_t close = open == std::string_view::npos ? open : text.find('}', open);
        if (close == std::string_view::npos) {
            out += text.substr(at);
            break;
        }
        out += text.substr(at, open - at);
        std::string_view word = text.substr(open + 1, close - open - 1);
        Result<std::string> value = placeholder(word, fields);
        if (!value)
            return fail(
                fmt::format("invitation template, line {}: {}", line, value.error().message));
        has_link = has_link || word == "link";
        out += *value;
        at = close + 1;
    }
    return out;
}

bool has_line_break(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

bool is_ascii(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) >= 0x80)
            return false;
    return true;
}

} // namespace

Result<InviteText> render_invite(std::string_view template_text, const InviteFields& fields) {
    std::vector<std::string_view> lines;
    std::size_t at = 0;
    while (at <= template_text.size()) {
        std::size_t end = template_text.find('\n', at);
        std::string_view line = template_text.substr(
            at, end == std::string_view::npos ? std::string_view::npos : end - at);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos)
            break;
        at = end + 1;
    }
    constexpr std::string_view subject_prefix = "Subject:";
    if (lines.size() < 2 || !lines[0].starts_with(subject_prefix) || !lines[1].empty())
        return fail("invitation template, line 1: the template starts with a 'Subject: ...' "
                    "line, then a blank line, then the body");
    bool has_link = false;
    InviteText out;
    std::string_view subject = lines[0].substr(subject_prefix.size());
    while (!subject.empty() && subject.front() == ' ')
        subject.remove_prefix(1);
    Result<std::string> filled = fill(subject, 1, fields, has_link);
    if (!filled)
        return std::unexpected(filled.error());
    out.subject = std::move(*filled);
    for (std::size_t i = 2; i < lines.size(); ++i) {
        filled = fill(lines[i], i + 1, fields, has_link);
        if (!filled)
            return std::unexpected(filled.error());
        out.body += *filled;
        if (i + 1 < lines.size())
            out.body += '\n';
    }
    if (!has_link)
        return fail("invitation template: it has no {link}, so the owner would get no way to "
                    "hand over the credentials");
    return out;
}

Result<std::string> compose_message(const std::string& from, const std::string& to,
                                    const InviteText& text, const std::string& date,
                                    const std::string& message_id) {
    for (const std::string* address : {&from, &to})
        if (address->empty() || has_line_break(*address) ||
            address->find_first_of("<>,;\"") != std::string::npos)
            return fail(fmt::format("refusing to send to or from '{}': not a plain address",
                                    has_line_break(*address) ? "(an address with a line break)"
                                                             : *address));
    if (has_line_break(text.subject))
        return fail("refusing a subject with a line break: it would add headers");
    std::string subject = is_ascii(text.subject)
                              ? text.subject
                              : fmt::format("=?UTF-8?B?{}?=", base64_encode(text.subject));
    std::string out = fmt::format("From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\n"
                                  "Message-ID: {}\r\nMIME-Version: 1.0\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: "
                                  "auto-generated\r\n\r\n",
                                  from, to, subject, date, message_id);
    std::string_view rest(text.body);
    while (!rest.empty()) {
        std::size_t end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.find('\r') != std::string_view::npos)
            return fail("refusing a body with a bare carriage return");
        if (line.size() > max_line)
            return fail(fmt::format("refusing a body line of {} bytes: SMTP allows {} at most",
                                    line.size(), max_line));
        out += line;
        out += "\r\n";
    }
    return out;
}

std::string rfc5322_date_now() {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return fmt::format("{:%a, %d %b %Y %H:%M:%S} +0000", now);
}

} // namespace mailsync
