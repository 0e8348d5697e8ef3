// Sending one message through an SmtpConnection: the connection, TLS and login of the live tests
// (probe/transfers: implicit TLS or STARTTLS, SASL with the password or administrator login),
// then MAIL FROM, RCPT TO and DATA. libcurl dot-stuffs the data; the message must already end
// its lines in CRLF (selfservice/message). A refusal carries the server's own words.
#pragma once

#include <string>

#include "model/resources.hpp"
#include "probe/trace.hpp"
#include "util/error.hpp"

namespace mailsync {

struct OutgoingMail {
    std::string from; // the envelope sender: a plain address
    std::string to;   // the one recipient
    std::string data; // the RFC 5322 message, CRLF line ends
};

// Submits `mail` through `smtp`. OAuth2 logins are not supported yet (an error says so).
// `redactor` masks values (the link's token, the password) in what the error may quote.
Result<void> submit_mail(const SmtpConnection& smtp, const OutgoingMail& mail,
                         const Redactor& redactor);

} // namespace mailsync
