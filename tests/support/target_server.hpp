// The Cloud REST API fixture (tests/fixtures/target_server.cpp), started for one test.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"
#include "target/target.hpp"

namespace mailsync::test {

inline constexpr const char* target_token = "test-target-token";
// A token of the read scope: it lists; a write with it is 403 `forbidden`.
inline constexpr const char* read_target_token = "test-read-token";

class TargetServer {
public:
    // `flags` go to target_server: "--latency-ms", "20", "--fault-rate", "0.2", ...
    explicit TargetServer(const std::vector<std::string>& flags = {});
    ~TargetServer();
    TargetServer(const TargetServer&) = delete;
    TargetServer& operator=(const TargetServer&) = delete;

    int port() const { return m_port; }
    std::string url() const; // https://localhost:PORT/api/v1
    static std::string ca_file();
    static std::string other_ca_file();

    // The environment that points mailsync at it: MAILSYNC_TARGET, _TOKEN, _CA_FILE.
    std::map<std::string, std::string> env() const;
    // The options to open it from the test itself.
    TargetOptions options() const;

    // One API request as sent, with the bearer token `token` (none when empty) and `headers`
    // ("If-Match: W/\"1\""); for what HttpTarget would never send.
    struct RawAnswer {
        long status = 0;
        nlohmann::json body;
        std::map<std::string, std::string> headers; // names in lower case
    };
    RawAnswer request(const std::string& method, const std::string& path,
                      const std::string& body = "", const std::vector<std::string>& headers = {},
                      const std::string& token = target_token) const;

    // The test-only endpoints.
    nlohmann::json stats() const;
    nlohmann::json objects() const;
    // The last API writes as the server received them: [{method, path, body}].
    nlohmann::json writes() const;
    void set_faults(const nlohmann::json& faults) const;

private:
    nlohmann::json call(const std::string& method, const std::string& path,
                        const std::string& body = "") const;

    TempDir m_dir;
    int m_pid = -1;
    int m_port = 0;
};

} // namespace mailsync::test
