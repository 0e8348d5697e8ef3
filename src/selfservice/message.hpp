// The invitation's text: a template the administrator may replace (the first line
// "Subject: ...", a blank line, the body) with placeholders, and the RFC 5322 message built from
// it. The template and the addresses come from the repository: untrusted, so no placeholder
// gives a secret, and CR or LF in a header is refused rather than sent.
#pragma once

#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mailsync {

// The built-in template.
extern const std::string_view default_invite_template;

// What the placeholders stand for: {name} the migration, {email} the owner, {source} and
// {destination} the two mailboxes (the login, or login@host when the login is no address),
// {link}, {expires} the link's end.
struct InviteFields {
    std::string name;
    std::string email;
    std::string source;
    std::string destination;
    std::string link;
    std::string expires;
};

struct InviteText {
    std::string subject;
    std::string body; // lines separated by "\n"
};

// The template filled in. Errors: no "Subject:" first line or no blank line after it, an unknown
// placeholder, no {link}; each with the template's line.
Result<InviteText> render_invite(std::string_view template_text, const InviteFields& fields);

// The message as it goes to DATA: headers (From, To, Subject — RFC 2047 when not ASCII —,
// Date, Message-ID, MIME) and the body, every line ending in CRLF. Refuses CR or LF or angle
// brackets in an address, CR or LF in the subject, and body lines over 998 bytes.
Result<std::string> compose_message(const std::string& from, const std::string& to,
                                    const InviteText& text, const std::string& date,
                                    const std::string& message_id);

// The date of a header: "Sat, 05 Dec 2026 10:30:00 +0000".
std::string rfc5322_date_now();

} // namespace mailsync
