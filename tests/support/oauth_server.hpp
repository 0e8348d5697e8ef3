// The OAuth2 fixture (tests/fixtures/oauth_server.cpp) started for one test: Google's and
// Microsoft's token and authorization endpoints over TLS with the tests' certificates.
#pragma once

#include <string>

#include "support/temp_dir.hpp"

namespace mailsync::test {

class OAuthServer {
public:
    OAuthServer();
    ~OAuthServer();
    OAuthServer(const OAuthServer&) = delete;
    OAuthServer& operator=(const OAuthServer&) = delete;

    int port() const { return m_port; }
    // https://localhost:PORT + `path`.
    std::string url(const std::string& path) const;
    // Microsoft's endpoints of the tests' tenant: url("/TENANT/oauth2/v2.0/" + `endpoint`).
    std::string microsoft_url(const std::string& endpoint) const;
    // One line per token request: grant, client id, refresh token.
    std::string token_log() const;

private:
    TempDir m_dir;
    int m_pid = -1;
    int m_port = 0;
};

// The tenant of the tests' Microsoft client.
inline constexpr const char* test_tenant = "00000000-0000-0000-0000-000000000000";

} // namespace mailsync::test
