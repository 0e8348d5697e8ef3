// The OAuth2 login a connection test sends itself once libcurl has connected (greeting,
// capabilities, STARTTLS): XOAUTH2 (Google's, Microsoft's) or OAUTHBEARER (RFC 7628), over
// IMAP, POP3 or SMTP. A server that refuses the token sends its error as a challenge; the client
// answers it (XOAUTH2: an empty line, OAUTHBEARER: %x01) and the server's final reply is the
// verdict. libcurl's own XOAUTH2 leaves that challenge unanswered and never hears the reply.
// Pure: lines in, bytes out.
#pragma once

#include <string>
#include <string_view>

#include "model/resources.hpp"

namespace mailsync {

struct OAuth2Login {
    TokenMechanism mechanism = TokenMechanism::xoauth2;
    std::string user;
    std::string token; // the access token
    std::string host;  // the server, which OAUTHBEARER names
    int port = 0;
};

// The client's response of the mechanism, before base64: "user=...\x01auth=Bearer ...\x01\x01"
// or "n,a=...,\x01host=...\x01port=...\x01auth=Bearer ...\x01\x01".
std::string oauth2_client_response(const OAuth2Login& login);

class OAuth2Exchange {
public:
    OAuth2Exchange(Protocol protocol, OAuth2Login login);

    // The command that starts it, without an initial response (POP3 allows 255 octets on it
    // and IMAP needs SASL-IR for one; an access token is longer).
    std::string start() const;

    struct Step {
        std::string send;  // bytes to send next, if any
        bool done = false; // the server's verdict came
    };
    // One line the server sent, without CR LF.
    Step on_line(std::string_view line);

    bool accepted() const { return m_accepted; }
    // The server's final reply, once done.
    const std::string& verdict() const { return m_verdict; }

private:
    enum class Stage { started, responded, error_answered };

    Protocol m_protocol;
    OAuth2Login m_login;
    Stage m_stage = Stage::started;
    bool m_accepted = false;
    std::string m_verdict;
};

} // namespace mailsync
