// What a connection test saw, line by line, with every credential taken out; and the phase the
// test had reached, so that a failure can be named by it.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/resources.hpp"

namespace mailsync {

// The steps of a connection test, in order. `token` is fetching the OAuth2 access token.
// `refused`: the trust model kept the test from sending a secret there (trust/policy).
enum class Phase { refused, token, resolve, connect, tls, greeting, auth, folder, done };
std::string_view phase_name(Phase phase); // "tls"

// Masks known secret values (passwords, tokens, client secrets) wherever they appear.
class Redactor {
public:
    void add(std::string_view value);
    std::string apply(std::string_view text) const;

private:
    std::vector<std::string> m_values;
};

// Rewrites one line a client sends so that no credential is left: the password of LOGIN, PASS
// and AUTH initial responses, and every SASL continuation while `in_sasl` is set (the function
// sets and clears it as it sees AUTHENTICATE/AUTH and the end of the exchange).
std::string redact_client_line(Protocol protocol, std::string_view line, bool& in_sasl);

// Rewrites an HTTP token request or response: form values and JSON tokens become "(sensitive)".
std::string redact_http(std::string_view text);

class ProtocolTrace {
public:
    ProtocolTrace(Protocol protocol, bool implicit_tls, const Redactor& redactor);

    // Feed of libcurl's debug callback.
    void on_curl(curl_infotype type, std::string_view data);
    // The lines mailsync sends and reads itself after login (EXAMINE, LOGOUT, QUIT).
    void on_sent(std::string_view line);
    void on_received(std::string_view line);
    void note(std::string_view text);

    Phase phase() const { return m_phase; }
    void set_phase(Phase phase) { m_phase = phase; }
    // The redacted trace, "> " for sent lines, "< " for received, "* " for libcurl's notes.
    const std::vector<std::string>& lines() const { return m_lines; }
    // The server's last words (its last line), redacted; empty if it said nothing.
    const std::string& last_server_line() const { return m_last_server; }
    // The server's words of a failed XOAUTH2/OAUTHBEARER exchange, decoded from base64.
    const std::string& sasl_error() const { return m_sasl_error; }
    const std::string& mechanism() const { return m_mechanism; }
    // Whether the server answered the last login command (or told its error in a challenge);
    // false while it keeps silent.
    bool login_answered() const { return m_login_answered; }
    const std::string& tls_version() const { return m_tls_version; }
    bool greeted() const { return m_greeted; }

private:
    void sent_line(std::string_view line);
    void received_line(std::string_view line);

    Protocol m_protocol;
    bool m_implicit_tls;
    const Redactor& m_redactor;
    Phase m_phase = Phase::resolve;
    bool m_in_sasl = false;
    bool m_greeted = false;
    bool m_login_answered = false;
    std::vector<std::string> m_lines;
    std::string m_last_server;
    std::string m_sasl_error;
    std::string m_mechanism;
    std::string m_tls_version;
};

} // namespace mailsync
