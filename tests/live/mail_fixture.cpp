#include "live/mail_fixture.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace mailsync::test {

namespace {

MailFixture read_fixture(const std::string& suffix) {
    MailFixture out;
    const char* dir = std::getenv("MAILSYNC_MAIL_FIXTURE");
    if (dir == nullptr)
        FAIL("MAILSYNC_MAIL_FIXTURE is not set: run the live tests through ctest, which "
             "starts tests/fixtures/mail-server");
    out.dir = std::string(dir) + suffix;
    std::ifstream in(out.dir + "/ports.env");
    if (!in)
        FAIL("the mail server fixture is not running (no " << out.dir << "/ports.env)");
    std::string line;
    while (std::getline(in, line)) {
        std::size_t equals = line.find('=');
        if (equals != std::string::npos)
            out.values[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return out;
}

} // namespace

const MailFixture& mail_fixture() {
    static const MailFixture fixture = read_fixture("");
    return fixture;
}

const MailFixture& destination_fixture() {
    static const MailFixture fixture = read_fixture("-destination");
    return fixture;
}

std::string MailFixture::token_url() const {
    return fmt::format("https://localhost:{}/token", port("OAUTH"));
}

std::string MailFixture::microsoft_token_url() const {
    return fmt::format(
        "https://localhost:{}/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token",
        port("OAUTH"));
}

int MailFixture::token_requests(const std::string& needle) const {
    std::ifstream in(values.at("TOKEN_LOG"));
    int count = 0;
    std::string line;
    while (std::getline(in, line))
        count += line.find(needle) != std::string::npos ? 1 : 0;
    return count;
}

std::string connection_yaml(const Connection& c) {
    std::string out = fmt::format("---\napiVersion: mailsync/v1\nkind: {}\nmetadata:\n  name: {}\n"
                                  "spec:\n",
                                  c.kind, c.name);
    if (c.kind == "MailAccount")
        out += fmt::format("  protocol: {}\n", c.protocol);
    else
        out += "  fromAddress: alice@example.test\n";
    out += fmt::format("  encryption: {}\n  host: {}\n  port: {}\n  username: {}\n  auth: {}\n",
                       c.encryption, c.host, c.port, c.username, c.auth);
    if (c.ca)
        out += fmt::format("  tls: {{ caFile: {} }}\n", mail_fixture().ca_file());
    return out + c.extra;
}

std::string good_and_bad_accounts() {
    Connection good;
    good.name = "good";
    good.port = mail_fixture().port("IMAPS");
    Connection bad = good;
    bad.name = "bad";
    bad.auth = "{ password: \"${env:WRONG_PASSWORD}\" }";
    return connection_yaml(good) + connection_yaml(bad);
}

std::string google_client_yaml(const std::string& name) {
    return fmt::format("---\napiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: {}\n"
                       "spec:\n  provider: google\n  clientId: google-test.apps.example\n"
                       "  clientSecret: \"${{env:GOOGLE_CLIENT_SECRET}}\"\n  tokenUrl: {}\n"
                       "  tls: {{ caFile: {} }}\n",
                       name, mail_fixture().token_url(), mail_fixture().ca_file());
}

std::string microsoft_client_yaml(const std::string& name) {
    return fmt::format("---\napiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: {}\n"
                       "spec:\n  provider: microsoft\n  clientId: m365-test-app\n"
                       "  tenantId: 00000000-0000-0000-0000-000000000000\n"
                       "  clientSecret: \"${{env:M365_CLIENT_SECRET}}\"\n  tokenUrl: {}\n"
                       "  tls: {{ caFile: {} }}\n",
                       name, mail_fixture().microsoft_token_url(), mail_fixture().ca_file());
}

std::map<std::string, std::string> fixture_secrets() {
    // The fixture's CA files are outside the test's configuration root.
    const char* dir = std::getenv("MAILSYNC_MAIL_FIXTURE");
    std::string fixture = dir != nullptr ? dir : "/nonexistent";
    return {
        {"MAILSYNC_ALLOWED_PATHS", fixture + ":" + fixture + "-destination"},
        {"ALICE_PASSWORD", "alice-password"},
        {"SHARED_PASSWORD", "shared-password"},
        {"ADMIN_PASSWORD", "admin-password"},
        {"GOOGLE_CLIENT_SECRET", "google-client-secret"},
        {"M365_CLIENT_SECRET", "m365-client-secret"},
        {"WRONG_PASSWORD", "not-alices-password"},
        // The trust model: secrets go only to these hosts (docs/security.md).
        {"MAILSYNC_ALLOWED_HOSTS", "127.0.0.1,127.0.0.2,localhost,[::1],*.invalid"},
    };
}

} // namespace mailsync::test
