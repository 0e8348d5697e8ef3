// The authorization-code flow with PKCE (RFC 6749 §4.1, RFC 7636) of `mailsync oauth2 authorize`,
// as pure functions: the secrets one authorization keeps, the URL the administrator opens, the
// browser's redirect read and checked, and the page the browser is shown. The listener is in
// loopback, the run of the flow in authorize.
#pragma once

#include <string>
#include <string_view>

#include "model/resources.hpp"
#include "util/error.hpp"

namespace mailsync {

// What one authorization keeps to itself until the code is redeemed.
struct AuthorizationSecrets {
    std::string verifier; // PKCE code_verifier: 43 characters, 32 random bytes in base64url
    std::string state;    // sent out and expected back in the redirect: 16 random bytes
};

// Fresh secrets from OpenSSL's CSPRNG.
AuthorizationSecrets new_authorization_secrets();

// The S256 code_challenge of a verifier: base64url(SHA-256(verifier)), without padding.
std::string code_challenge(std::string_view verifier);

// What the authorization URL carries besides the client's own fields.
struct AuthorizationRequest {
    std::string redirect_uri;
    std::string challenge;
    std::string state;
    std::string login_hint; // optional: the account the sign-in page should propose
};

// The URL to open in a browser: the client's authorization endpoint with response_type=code,
// client_id, redirect_uri, scope, state, code_challenge and code_challenge_method=S256; for
// Google also access_type=offline and prompt=consent, without which it issues no refresh token
// (or none again for an account that consented before).
std::string authorization_url(const OAuth2Client& client, const AuthorizationRequest& request);

// The parameters of the redirect to the loopback address (RFC 6749 §4.1.2 and §4.1.2.1).
struct CallbackParameters {
    std::string code;
    std::string state;
    std::string error;
    std::string error_description;
    bool repeated = false; // a parameter came twice, which RFC 6749 forbids
};

// Reads the query of the redirect: `&`-separated `name=value` pairs, percent-decoded, `+` as a
// space; other parameters are ignored.
CallbackParameters parse_callback_query(std::string_view query);

// The code of a redirect that answers this authorization: its state must be `expected_state`
// and it must carry no error. Otherwise why not, in words that never hold the code.
// Whether a redirect belongs to another sign-in (another state, or a parameter repeated): it
// is refused and the wait goes on.
bool is_stray(const CallbackParameters& callback, std::string_view expected_state);

Result<std::string> accept_callback(const CallbackParameters& callback,
                                    std::string_view expected_state);

// A page for the browser: its HTML (no script, no external asset; the one style block allowed by
// its hash) and the Content-Security-Policy to send with it.
struct BrowserPage {
    std::string html;
    std::string content_security_policy;
};

// The page after the flow: that it worked, or `problem` (escaped); either way that the tab can
// be closed.
BrowserPage result_page(bool ok, std::string_view client_name, std::string_view problem);

} // namespace mailsync
