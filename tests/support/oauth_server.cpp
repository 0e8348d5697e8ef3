#include "support/oauth_server.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/process.hpp"

namespace mailsync::test {

OAuthServer::OAuthServer() {
    write_file(m_dir.file("jwt.key"), "a-key-for-the-tests-jwts-only");
    std::string certs = MAILSYNC_TEST_CERTS;
    m_pid = start_process({MAILSYNC_OAUTH_SERVER, "--cert", certs + "/server.pem", "--key",
                           certs + "/server.key", "--jwt-key", m_dir.file("jwt.key"), "--ready",
                           m_dir.file("ready"), "--log", m_dir.file("token-requests.log")})
                .pid;
    for (int i = 0; i < 500 && m_port == 0; ++i) {
        std::string ready = read_file(m_dir.file("ready"));
        std::size_t at = ready.find("OAUTH_PORT=");
        if (at != std::string::npos)
            m_port = std::stoi(ready.substr(at + 11));
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (m_port == 0) {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
        throw std::runtime_error("oauth_server did not start");
    }
}

OAuthServer::~OAuthServer() {
    stop_process(m_pid);
}

std::string OAuthServer::url(const std::string& path) const {
    return "https://localhost:" + std::to_string(m_port) + path;
}

std::string OAuthServer::microsoft_url(const std::string& endpoint) const {
    return url(std::string("/") + test_tenant + "/oauth2/v2.0/" + endpoint);
}

std::string OAuthServer::token_log() const {
    return read_file(m_dir.file("token-requests.log"));
}

} // namespace mailsync::test
