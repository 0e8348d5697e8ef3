// `mailsync oauth2 authorize`: one authorization-code flow with PKCE through the administrator's
// browser and a loopback redirect (RFC 8252), ending with the client's refresh token for the
// account that signed in.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "model/resources.hpp"
#include "util/error.hpp"

namespace mailsync {

struct AuthorizeOptions {
    std::chrono::milliseconds timeout = std::chrono::minutes(5); // for the browser to come back
    std::chrono::milliseconds exchange_timeout = std::chrono::seconds(30);
    int port = 0;           // of the loopback listener; 0: a free one
    std::string login_hint; // the account the sign-in page should propose
};

// Shows the authorization URL to whoever opens it; the browser comes back to `port` on 127.0.0.1.
using ShowUrl = std::function<void(const std::string& url, int port)>;
// Keeps the refresh token (writes the file); the browser is answered after it, with its result.
using KeepToken = std::function<Result<void>(const SecretValue& refresh_token)>;

// Redeems an authorization code with its PKCE verifier at the client's token endpoint (whose
// secret must be resolved): the refresh token, or the endpoint's refusal in its own first
// sentence with every secret of the exchange masked.
Result<SecretValue> redeem_authorization_code(const OAuth2Client& client, const std::string& code,
                                              const std::string& verifier,
                                              const std::string& redirect_uri,
                                              std::chrono::milliseconds timeout);

// Runs the flow for `client`, whose secret must be resolved: listens on 127.0.0.1, calls
// `show_url` with the URL to open, waits for the redirect until the timeout, checks its state,
// redeems the code with the verifier at the token endpoint and hands the refresh token to
// `keep`. No error holds the code, the verifier, the client secret or a token.
Result<void> authorize(const OAuth2Client& client, const AuthorizeOptions& options,
                       const ShowUrl& show_url, const KeepToken& keep);

} // namespace mailsync
