// Advice for the failures people meet again and again: Gmail without IMAP or OAuth2 (seed 004's
// special case), Microsoft 365 with SMTP AUTH off, a revoked refresh token, a certificate for
// another name, from an unknown CA or expired (a mail server's or a token endpoint's), STARTTLS
// not offered, nothing listening, no answer (to the connection, the greeting or the login).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "model/resources.hpp"
#include "probe/trace.hpp"

namespace mailsync {

// What is known of a failure when the hint is chosen.
struct FailureFacts {
    Phase phase = Phase::done;
    std::string curl_error;   // libcurl's text, e.g. "SSL: no alternative certificate ..."
    std::string server_words; // the server's last line
    std::string oauth_error;  // invalid_grant, invalid_client, ...
    bool timed_out = false;
    bool starttls_missing = false;
    bool login_unanswered = false; // the login got no reply, neither accepted nor refused
    // The resource: a connection (protocol, host, port, auth) or a client alone.
    std::optional<Protocol> protocol;
    std::string host; // the mail server's; in the token phase, the token endpoint's
    int port = 0;
    Encryption encryption = Encryption::ssl;
    bool password_auth = false; // a password or an admin password, not OAuth2
    std::optional<Provider> provider;
    std::string client;
    std::optional<Grant> grant;
    std::chrono::milliseconds timeout{0};
};

// One sentence of advice, or empty when nothing specific is known.
std::string hint_for(const FailureFacts& facts);

} // namespace mailsync
