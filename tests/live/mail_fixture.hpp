// The running servers of tests/fixtures/mail-server (started by CTest's fixture), and YAML for
// resources that point at them.
#pragma once

#include <map>
#include <string>

namespace mailsync::test {

struct MailFixture {
    std::string dir;
    std::map<std::string, std::string> values; // ports.env: IMAPS_PORT, CA_FILE, ...

    int port(const std::string& name) const { return std::stoi(values.at(name + "_PORT")); }
    const std::string& ca_file() const { return values.at("CA_FILE"); }
    const std::string& other_ca_file() const { return values.at("OTHER_CA_FILE"); }
    std::string token_url() const;           // Google's path: plain error sentences
    std::string microsoft_token_url() const; // Microsoft's: AADSTS codes, trace ids
    // Lines of the token endpoint's request log that mention `needle`.
    int token_requests(const std::string& needle) const;
};

// The fixture of $MAILSYNC_MAIL_FIXTURE; the test fails when it is not running.
const MailFixture& mail_fixture();
// The migration tests' destination server, in $MAILSYNC_MAIL_FIXTURE-destination.
const MailFixture& destination_fixture();

// A MailAccount or SmtpConnection document. `spec_extra` is appended to spec (indented by two
// spaces already), `auth` is the flow mapping after "auth: ".
struct Connection {
    std::string kind = "MailAccount";
    std::string name;
    std::string protocol = "imap";
    std::string encryption = "ssl";
    std::string host = "localhost";
    int port = 0;
    std::string username = "alice@example.test";
    std::string auth = "{ password: \"${env:ALICE_PASSWORD}\" }";
    std::string extra; // more spec lines, each "  key: value\n"
    bool ca = true;    // tls.caFile: the fixture's CA
};
std::string connection_yaml(const Connection& c);

// Two IMAPS accounts of alice: "good" and "bad" (a wrong password).
std::string good_and_bad_accounts();

// The two OAuth2 clients the token endpoint knows (secrets from ${env:...}).
std::string google_client_yaml(const std::string& name = "google");
std::string microsoft_client_yaml(const std::string& name = "m365");

// The environment with every secret the YAML above refers to.
std::map<std::string, std::string> fixture_secrets();

} // namespace mailsync::test
