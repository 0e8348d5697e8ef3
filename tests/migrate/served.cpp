#include "migrate/served.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <regex>
#include <sys/wait.h>
#include <thread>

#include <fmt/format.h>

#include "util/crypto.hpp"

namespace mailsync::test {

namespace {

std::string yaml_of(const OwnedBox& box, const std::string& owner) {
    std::string client = box.client.empty() ? "" : ", oauth2Client: " + box.client;
    Side source{&mail_fixture(), box.source_user.empty() ? user(box.n) : box.source_user,
                fmt::format("{{ selfService: {{ email: {}, expires: 2d{} }} }}", owner, client)};
    Side destination{&destination_fixture(), user(box.n),
                     "{ admin: { password: \"${env:MAGIC_PASSWORD}\" } }"};
    std::string yaml = migration_yaml(fmt::format("m{}", box.n), source, destination);
    if (!box.extra_source.empty())
        yaml.insert(yaml.find("  destination:\n"), box.extra_source);
    return yaml;
}

} // namespace

std::string cookie_pair(const std::string& set_cookie) {
    return set_cookie.substr(0, set_cookie.find(';'));
}

Served::Served(const std::vector<OwnedBox>& boxes, const std::string& extra_yaml)
    : m_tag(to_hex(random_bytes(4))) {
    mailsync::test::Connection smtp;
    smtp.kind = "SmtpConnection";
    smtp.name = "out";
    smtp.encryption = "starttls";
    smtp.port = mail_fixture().port("SUBMISSION");
    std::string yaml = connection_yaml(smtp) + extra_yaml;
    for (const OwnedBox& box : boxes)
        yaml += yaml_of(box, owner(box.n));
    write_file(dir.file("config/m.yaml"), yaml);
    options.cwd = dir.path();
    options.env = {{"ALICE_PASSWORD", "alice-password"},
                   {"MAGIC_PASSWORD", "magic-password"},
                   {"GOOGLE_CLIENT_SECRET", "google-client-secret"},
                   {"MAILSYNC_ALLOWED_HOSTS", "127.0.0.1,localhost"},
                   {"MAILSYNC_ALLOWED_PATHS", fixture_secrets().at("MAILSYNC_ALLOWED_PATHS")},
                   {"MAILSYNC_INVITE_KEY_FILE", dir.file("keys/invite.key")},
                   {"MAILSYNC_CREDENTIAL_KEY_FILE", dir.file("keys/credential.key")},
                   {"MAILSYNC_ADMIN_TOKEN_FILE", dir.file("keys/admin.token")}};
    std::filesystem::create_directories(dir.file("keys"));
    state = dir.file("state.db");
}

Served::~Served() {
    if (pid > 0)
        stop_process(pid);
}

std::string Served::owner(int n) const {
    return fmt::format("owner{}-{}@example.test", n, m_tag);
}

std::map<std::string, std::string> Served::invite() {
    ProcessResult invited = run_mailsync(
        {"invite", "config", "--base-url", "https://migrate.example.test", "--state", state},
        options);
    INFO(invited.out << invited.err);
    REQUIRE(invited.exit_code == 0);
    std::map<std::string, std::string> tokens;
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(mail_fixture().values.at("RELAYED_DIR")))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::regex to("\r\nTo: owner([0-9]+)-" + m_tag + "@example.test\r\n");
    std::regex link("https://migrate\\.example\\.test/m/([A-Za-z0-9_.-]+)");
    for (const auto& file : files) {
        std::string message = read_file(file.string());
        std::smatch owner_match;
        std::smatch link_match;
        if (std::regex_search(message, owner_match, to) &&
            std::regex_search(message, link_match, link))
            tokens["m" + owner_match[1].str()] = link_match[1];
    }
    return tokens;
}

void Served::start() {
    ++m_starts;
    std::string out = dir.file(fmt::format("serve-{}.out", m_starts));
    std::string err = dir.file(fmt::format("serve-{}.err", m_starts));
    Background process = start_mailsync_to_files(
        {"serve", "config", "--listen", "127.0.0.1:0", "--state", state}, out, err, options);
    pid = process.pid;
    port = wait_for_serving(out);
    INFO(output());
    REQUIRE(port != 0);
}

void Served::kill() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
    port = 0;
}

void Served::stop() {
    stop_process(pid);
    pid = -1;
    port = 0;
}

std::string Served::output() const {
    std::string out;
    for (int i = 1; i <= m_starts; ++i)
        out += read_file(dir.file(fmt::format("serve-{}.out", i))) +
               read_file(dir.file(fmt::format("serve-{}.err", i)));
    return out;
}

namespace {

Answer answer_of(const httplib::Result& result) {
    REQUIRE(result);
    Answer out;
    out.status = result->status;
    out.body = result->body;
    out.location = result->get_header_value("Location");
    out.cookie = cookie_pair(result->get_header_value("Set-Cookie"));
    return out;
}

} // namespace

Answer Served::get(const std::string& path, const std::string& cookie) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    httplib::Headers headers;
    if (!cookie.empty())
        headers.emplace("Cookie", cookie);
    return answer_of(client.Get(path, headers));
}

Answer Served::post(const std::string& path, const std::string& form, const std::string& cookie,
                    const std::string& origin) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    httplib::Headers headers;
    if (!cookie.empty())
        headers.emplace("Cookie", cookie);
    headers.emplace("Origin", origin.empty() ? fmt::format("http://127.0.0.1:{}", port) : origin);
    return answer_of(client.Post(path, headers, form, "application/x-www-form-urlencoded"));
}

std::string Served::open_link(const std::string& token) {
    Answer shown = get("/m/" + token);
    INFO(shown.body);
    REQUIRE(shown.status == 200);
    REQUIRE(shown.body.find("id=\"continue\"") != std::string::npos);
    Answer used = post("/m", "token=" + token);
    INFO(used.body);
    REQUIRE(used.status == 303);
    REQUIRE(used.location == "/owner");
    REQUIRE(used.cookie.starts_with("mailsync_owner="));
    return used.cookie;
}

std::string Served::csrf(const std::string& cookie) {
    Answer page = get("/owner", cookie);
    std::smatch found;
    REQUIRE(std::regex_search(page.body, found, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\"")));
    return found[1];
}

std::string Served::wait_for(const std::string& cookie, const std::string& status) {
    std::string needle = fmt::format("id=\"status\" data-status=\"{}\"", status);
    std::string body;
    for (int i = 0; i < 600; ++i) {
        body = get("/owner", cookie).body;
        if (body.find(needle) != std::string::npos)
            return body;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(body << output());
    FAIL("the owner's page never showed " << status);
    return body;
}

} // namespace mailsync::test
