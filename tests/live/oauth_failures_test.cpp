// OAuth2 failures in `mailsync test`, against Dovecot and the token endpoint fixture: Microsoft's
// error descriptions in the table, the certificates of token endpoints, SASL logins that were
// refused or got no answer at all.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "live/mail_fixture.hpp"
#include "live/test_run.hpp"

using namespace mailsync::test;

namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// A made-up refresh token of alice's that no other test uses.
std::string fresh_alice_token() {
    return fmt::format("rt-alice-{}", std::chrono::steady_clock::now().time_since_epoch().count());
}

} // namespace

TEST_CASE("Microsoft's token errors fit one row of the table: the AADSTS code and first "
          "sentence there, the whole text in JSON") {
    const MailFixture& fx = mail_fixture();
    std::string yaml =
        replaced(microsoft_client_yaml("m365-bad-secret"), "M365_CLIENT_SECRET", "WRONG_PASSWORD");
    Connection shared;
    shared.name = "shared-app";
    shared.port = fx.port("IMAPS");
    shared.username = "shared@example.test";
    shared.auth = "{ oauth2: { client: m365-bad-secret, grant: clientCredentials } }";
    yaml += connection_yaml(shared);

    ProcessResult table = run_test_table(yaml);
    INFO(table.out << table.err);
    CHECK(table.exit_code == 1);
    CHECK(table.out.find('\r') == std::string::npos);
    std::string where = fmt::format("token endpoint {}", fx.microsoft_token_url());
    CHECK_THAT(table.out,
               Catch::Contains(fmt::format("  {} refused the client: invalid_client: "
                                           "AADSTS7000215: Invalid client secret provided.\n",
                                           where)));
    CHECK_THAT(table.out,
               Catch::Contains(fmt::format("  {} refused the clientCredentials grant: "
                                           "invalid_client: AADSTS7000215: Invalid client secret "
                                           "provided.\n",
                                           where)));
    // Every line is the header, a row, a row's hint or the count: nothing of the server's words
    // starts a line of its own, and each row's hint follows it.
    std::regex line_shape(R"((RESOURCE .*|(OAuth2Client|MailAccount)/\S+ +FAIL +token +\d+  .*|)"
                          R"( +hint: .*|2 tested: 0 passed, 2 failed\.))");
    std::istringstream lines(table.out);
    int hints = 0;
    for (std::string line; std::getline(lines, line);) {
        CHECK(std::regex_match(line, line_shape));
        hints += line.find("hint: the token endpoint does not accept OAuth2Client "
                           "'m365-bad-secret'") != std::string::npos
                     ? 1
                     : 0;
    }
    CHECK(hints == 2);

    Outcome outcome = run_test(yaml);
    require_failure(outcome, "m365-bad-secret", "token",
                    "invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the "
                    "secret being sent",
                    "does not accept OAuth2Client 'm365-bad-secret'");
    std::string message = outcome.results["m365-bad-secret"]["message"];
    CHECK_THAT(message, Catch::Contains("'m365-test-app'.\r\nTrace ID: "));
    CHECK_THAT(message, Catch::Contains("\r\nCorrelation ID: "));
    CHECK_THAT(message, Catch::Contains("\r\nTimestamp: "));
}

TEST_CASE("a token endpoint's certificate gets the hints an IMAP server's gets: unknown CA, "
          "another host name") {
    const MailFixture& fx = mail_fixture();
    std::string other_ca =
        replaced(google_client_yaml("other-ca"), fx.ca_file(), fx.other_ca_file());
    std::string by_address =
        replaced(google_client_yaml("by-address"), "https://localhost:", "https://127.0.0.1:");
    Connection account;
    account.name = "via-other-ca";
    account.port = fx.port("IMAPS");
    account.auth = "{ oauth2: { client: other-ca, refreshToken: \"${env:ALICE_REFRESH}\" } }";

    Outcome outcome = run_test(other_ca + by_address + connection_yaml(account), {},
                               {{"ALICE_REFRESH", fresh_alice_token()}});
    CHECK(outcome.process.exit_code == 1);
    require_failure(outcome, "other-ca", "token", "certificate",
                    "the token endpoint's certificate is not signed by a CA this machine trusts; "
                    "give the CA certificate in spec.tls.caFile of OAuth2Client 'other-ca'");
    require_failure(outcome, "via-other-ca", "token", "certificate",
                    "give the CA certificate in spec.tls.caFile of OAuth2Client 'other-ca'");
    require_failure(outcome, "by-address", "token", "127.0.0.1",
                    "the token endpoint's certificate is for another host name than "
                    "'127.0.0.1'");
    for (const char* name : {"other-ca", "via-other-ca", "by-address"})
        CHECK_THAT(outcome.results[name]["hint"].get<std::string>(),
                   !Catch::Contains("cannot be reached"));
}

TEST_CASE("a refused XOAUTH2 login ends with the server's final reply, as OAUTHBEARER does") {
    const MailFixture& fx = mail_fixture();
    // Alice's token, offered for bob's mailbox: Dovecot refuses it. (The mapping has no POP3
    // with an OAuth2 client, so POP3's exchange is left to the unit tests.)
    std::string yaml = google_client_yaml();
    auto add = [&](std::string name, std::string kind, std::string protocol, std::string port,
                   std::string mechanism) {
        Connection c;
        c.kind = std::move(kind);
        c.name = std::move(name);
        c.protocol = std::move(protocol);
        c.port = fx.port(port);
        c.username = "bob@example.test";
        c.auth =
            fmt::format("{{ oauth2: {{ client: google, refreshToken: \"${{env:ALICE_REFRESH}}\","
                        " mechanism: {} }} }}",
                        mechanism);
        yaml += connection_yaml(c);
    };
    add("imap-xoauth2", "MailAccount", "imap", "IMAPS", "xoauth2");
    add("imap-oauthbearer", "MailAccount", "imap", "IMAPS", "oauthbearer");
    add("smtp-xoauth2", "SmtpConnection", "smtp", "SUBMISSIONS", "xoauth2");

    Outcome outcome = run_test(yaml, {"--verbose"}, {{"ALICE_REFRESH", fresh_alice_token()}});
    CHECK(outcome.process.exit_code == 1);
    require_ok(outcome, "google");
    std::string refused = "the server refused the access token";
    require_failure(outcome, "imap-xoauth2", "auth", "NO [AUTHENTICATIONFAILED]", refused);
    require_failure(outcome, "imap-oauthbearer", "auth", "NO [AUTHENTICATIONFAILED]", refused);
    require_failure(outcome, "smtp-xoauth2", "auth", "535 5.7.8", refused);
    for (const char* name : {"imap-xoauth2", "imap-oauthbearer", "smtp-xoauth2"}) {
        INFO(name);
        const nlohmann::json& result = outcome.results[name];
        // The server's words, then its error challenge decoded; never the challenge in base64.
        CHECK_THAT(result["message"].get<std::string>(), !Catch::StartsWith("+ "));
        CHECK_THAT(result["message"].get<std::string>(), !Catch::StartsWith("334 "));
        CHECK_THAT(result["message"].get<std::string>(), Catch::Contains("\"status\":"));
    }
    // The trace shows XOAUTH2's empty answer to the error challenge.
    for (const char* name : {"imap-xoauth2", "smtp-xoauth2"}) {
        INFO(name);
        std::vector<std::string> trace = outcome.results[name]["trace"];
        CHECK(std::find(trace.begin(), trace.end(), "> ") != trace.end());
    }
}

TEST_CASE("a login that gets no answer at all says so, not that the token or password was "
          "refused") {
    const MailFixture& fx = mail_fixture();
    std::string yaml = google_client_yaml();
    Connection c;
    c.host = "127.0.0.1";
    c.encryption = "none";
    c.port = fx.port("UNANSWERED_LOGIN");
    c.extra = "  allowPlaintextAuth: true\n  timeout: 1s\n";
    c.name = "xoauth2-unanswered";
    c.auth = "{ oauth2: { client: google, refreshToken: \"${env:ALICE_REFRESH}\" } }";
    yaml += connection_yaml(c);
    c.name = "password-unanswered";
    c.auth = "{ password: \"${env:ALICE_PASSWORD}\" }";
    yaml += connection_yaml(c);

    Outcome outcome = run_test(yaml, {}, {{"ALICE_REFRESH", fresh_alice_token()}});
    CHECK(outcome.process.exit_code == 1);
    std::string hint = "the server accepted the connection but did not answer the login within "
                       "1000 ms";
    require_failure(outcome, "xoauth2-unanswered", "auth", "no answer within 1000 ms", hint);
    require_failure(outcome, "password-unanswered", "auth", "no answer within 1000 ms", hint);
    for (const char* name : {"xoauth2-unanswered", "password-unanswered"})
        CHECK_THAT(outcome.results[name]["hint"].get<std::string>(), !Catch::Contains("refused"));
}
