// OAuth2 token requests: the form each grant posts to the client's token endpoint, and what
// the endpoint answered. The access token lives in memory only, for one run.
#pragma once

#include <string>
#include <string_view>

#include "model/resources.hpp"
#include "probe/trace.hpp"

namespace mailsync {

struct TokenRequest {
    std::string key; // client, grant and a digest of the grant's credential: one fetch per key
    std::string client;
    Grant grant = Grant::refresh_token;
    std::string url;
    std::string body; // application/x-www-form-urlencoded; holds secrets, never printed
    TlsSettings tls;
};

// The request a connection needs for its token. Secrets must be resolved.
TokenRequest token_request(const OAuth2Client& client, const OAuth2Auth& auth,
                           const std::string& username);

// The request that tests a client on its own: client credentials for Microsoft clients with a
// secret, otherwise a refresh-token grant with a token that cannot exist, which a working
// endpoint refuses with invalid_grant once it has accepted the client.
TokenRequest client_check_request(const OAuth2Client& client);
inline constexpr std::string_view probe_refresh_token = "mailsync-connection-test";

// The request that redeems an authorization code with its PKCE verifier (RFC 6749 §4.1.3,
// RFC 7636 §4.5), for `oauth2 authorize`; `redirect_uri` is the one the code was sent to.
TokenRequest authorization_code_request(const OAuth2Client& client, const std::string& code,
                                        const std::string& verifier,
                                        const std::string& redirect_uri);

struct TokenResponse {
    bool ok = false;
    std::string access_token;
    std::string refresh_token; // when the endpoint issues one (the authorization code grant)
    std::string error;         // OAuth2 `error`, e.g. invalid_grant
    std::string description;   // `error_description`, or what was wrong with the answer
};

// Reads the endpoint's answer: 200 with access_token, or an RFC 6749 error body.
TokenResponse parse_token_response(long status, std::string_view body);

} // namespace mailsync
