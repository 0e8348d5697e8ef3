#include "support/target_server.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/process.hpp"
#include "target/http_answers.hpp"
#include "util/curl.hpp"

namespace mailsync::test {

namespace {

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

std::size_t header(char* data, std::size_t size, std::size_t count, void* out) {
    mailsync::read_header_line(std::string_view(data, size * count),
                               *static_cast<std::map<std::string, std::string>*>(out));
    return size * count;
}

} // namespace

TargetServer::TargetServer(const std::vector<std::string>& flags) {
    std::string ready = m_dir.file("ready");
    std::vector<std::string> argv{MAILSYNC_TARGET_SERVER,
                                  "--cert",
                                  std::string(MAILSYNC_TEST_CERTS) + "/server.pem",
                                  "--key",
                                  std::string(MAILSYNC_TEST_CERTS) + "/server.key",
                                  "--token",
                                  std::string(target_token) + "," + read_target_token + ":read",
                                  "--ready",
                                  ready};
    argv.insert(argv.end(), flags.begin(), flags.end());
    m_pid = start_process(argv).pid;
    for (int i = 0; i < 500 && m_port == 0; ++i) {
        std::string text = read_file(ready);
        if (!text.empty())
            m_port = std::stoi(text);
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (m_port == 0) {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
        throw std::runtime_error("target_server did not start");
    }
}

TargetServer::~TargetServer() {
    stop_process(m_pid);
}

std::string TargetServer::url() const {
    return "https://localhost:" + std::to_string(m_port) + "/api/v1";
}

std::string TargetServer::ca_file() {
    return std::string(MAILSYNC_TEST_CERTS) + "/ca.pem";
}

std::string TargetServer::other_ca_file() {
    return std::string(MAILSYNC_TEST_CERTS) + "/other-ca.pem";
}

std::map<std::string, std::string> TargetServer::env() const {
    return {{"MAILSYNC_TARGET", url()},
            {"MAILSYNC_TARGET_TOKEN", target_token},
            {"MAILSYNC_TARGET_CA_FILE", ca_file()}};
}

TargetOptions TargetServer::options() const {
    TargetOptions options;
    options.token.emplace(target_token);
    options.ca_file = ca_file();
    options.backoff = std::chrono::milliseconds(20);
    return options;
}

nlohmann::json TargetServer::call(const std::string& method, const std::string& path,
                                  const std::string& body) const {
    curl::Easy easy;
    std::string out;
    easy.set(CURLOPT_URL, "https://localhost:" + std::to_string(m_port) + path);
    easy.set(CURLOPT_CAINFO, ca_file());
    easy.set(CURLOPT_CUSTOMREQUEST, method);
    if (!body.empty())
        easy.set(CURLOPT_COPYPOSTFIELDS, body);
    easy.set_callback(CURLOPT_WRITEFUNCTION, &collect);
    easy.set(CURLOPT_WRITEDATA, static_cast<void*>(&out));
    CURLcode code = curl_easy_perform(easy.handle());
    if (code != CURLE_OK)
        throw std::runtime_error("target_server " + path + ": " + easy.error_text(code));
    return nlohmann::json::parse(out);
}

nlohmann::json TargetServer::stats() const {
    return call("GET", "/_fixture/stats");
}

nlohmann::json TargetServer::objects() const {
    return call("GET", "/_fixture/objects");
}

nlohmann::json TargetServer::writes() const {
    return call("GET", "/_fixture/writes");
}

TargetServer::RawAnswer TargetServer::request(const std::string& method, const std::string& path,
                                              const std::string& body,
                                              const std::vector<std::string>& headers,
                                              const std::string& token) const {
    curl::Easy easy;
    std::string out;
    RawAnswer answer;
    easy.set(CURLOPT_URL, url() + path);
    easy.set(CURLOPT_CAINFO, ca_file());
    easy.set(CURLOPT_CUSTOMREQUEST, method);
    if (!body.empty())
        easy.set(CURLOPT_COPYPOSTFIELDS, body);
    curl_slist* list = nullptr;
    if (!token.empty())
        list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
    list = curl_slist_append(list, "Content-Type: application/json");
    for (const std::string& line : headers)
        list = curl_slist_append(list, line.c_str());
    easy.set_headers(list);
    easy.set_callback(CURLOPT_WRITEFUNCTION, &collect);
    easy.set(CURLOPT_WRITEDATA, static_cast<void*>(&out));
    easy.set_callback(CURLOPT_HEADERFUNCTION, &header);
    easy.set(CURLOPT_HEADERDATA, static_cast<void*>(&answer.headers));
    CURLcode code = curl_easy_perform(easy.handle());
    easy.set_headers(nullptr);
    if (code != CURLE_OK)
        throw std::runtime_error("target_server " + path + ": " + easy.error_text(code));
    answer.status = easy.response_code();
    answer.body = nlohmann::json::parse(out, nullptr, false);
    return answer;
}

void TargetServer::set_faults(const nlohmann::json& faults) const {
    call("PUT", "/_fixture/faults", faults.is_null() ? "{}" : faults.dump());
}

} // namespace mailsync::test
