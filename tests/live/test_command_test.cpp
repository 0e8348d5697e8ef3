// `mailsync test` against real Dovecot, the token endpoint fixture and a black hole: every
// protocol and encryption mode, every way of logging in, and every failure named by its phase.
#include <catch2/catch.hpp>

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "live/mail_fixture.hpp"
#include "live/test_run.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
using nlohmann::json;

TEST_CASE("each protocol and each encryption mode logs in with a password") {
    const MailFixture& fx = mail_fixture();
    std::string yaml;
    struct Case {
        std::string kind, protocol, encryption, port;
    };
    std::vector<Case> cases{
        {"MailAccount", "imap", "ssl", "IMAPS"},
        {"MailAccount", "imap", "starttls", "IMAP"},
        {"MailAccount", "imap", "none", "IMAP"},
        {"MailAccount", "pop3", "ssl", "POP3S"},
        {"MailAccount", "pop3", "starttls", "POP3"},
        {"MailAccount", "pop3", "none", "POP3"},
        {"SmtpConnection", "smtp", "ssl", "SUBMISSIONS"},
        {"SmtpConnection", "smtp", "starttls", "SUBMISSION"},
        {"SmtpConnection", "smtp", "none", "SUBMISSION"},
    };
    for (const Case& c : cases) {
        Connection connection;
        connection.kind = c.kind;
        connection.name = fmt::format("{}-{}", c.protocol, c.encryption);
        connection.protocol = c.protocol;
        connection.encryption = c.encryption;
        connection.port = fx.port(c.port);
        if (c.encryption == "none")
            connection.extra = "  allowPlaintextAuth: true\n";
        yaml += connection_yaml(connection);
    }
    Outcome outcome = run_test(yaml);
    CHECK(outcome.process.exit_code == 0);
    for (const Case& c : cases) {
        std::string name = fmt::format("{}-{}", c.protocol, c.encryption);
        require_ok(outcome, name);
        std::string detail = outcome.results[name]["detail"];
        if (c.encryption == "none")
            CHECK_THAT(detail, Catch::StartsWith("no TLS"));
        else
            CHECK_THAT(detail, Catch::StartsWith("TLSv1.3"));
        CHECK_THAT(detail, Catch::Contains("login PLAIN") || Catch::Contains("login USER"));
        if (c.protocol == "imap")
            CHECK_THAT(detail, Catch::Contains("INBOX: 0 messages (read-only)"));
        if (c.protocol == "pop3")
            CHECK_THAT(detail, Catch::Contains("maildrop: 0 messages"));
        CHECK(outcome.results[name]["certificate_verified"] == true);
    }
}

TEST_CASE("an IMAP account opens the folder it names, in modified UTF-7 when not ASCII") {
    const MailFixture& fx = mail_fixture();
    Connection archive;
    archive.name = "archive";
    archive.port = fx.port("IMAPS");
    archive.extra = "  folder: Archive\n";
    Connection missing;
    missing.name = "missing-folder";
    missing.port = fx.port("IMAPS");
    missing.extra = "  folder: \"Bestätigt & Erledigt\"\n";
    Outcome outcome = run_test(connection_yaml(archive) + connection_yaml(missing));
    CHECK(outcome.process.exit_code == 1);
    require_ok(outcome, "archive");
    CHECK_THAT(outcome.results["archive"]["detail"].get<std::string>(),
               Catch::Contains("Archive: 0 messages"));
    require_failure(outcome, "missing-folder", "folder", "MS1 NO", "check spec.folder");
}

TEST_CASE("OAuth2 logins: refresh token, client credentials, password grant, XOAUTH2 and "
          "OAUTHBEARER, one token request per client and grant") {
    const MailFixture& fx = mail_fixture();
    std::string token =
        fmt::format("rt-alice-{}", std::chrono::steady_clock::now().time_since_epoch().count());
    std::string yaml = google_client_yaml() + microsoft_client_yaml();
    auto oauth = [&](std::string name, std::string kind, std::string protocol, std::string port,
                     std::string auth, std::string username = "alice@example.test") {
        Connection c;
        c.kind = kind;
        c.name = std::move(name);
        c.protocol = protocol;
        c.port = fx.port(port);
        c.auth = std::move(auth);
        c.username = std::move(username);
        yaml += connection_yaml(c);
    };
    std::string refresh = "{ oauth2: { client: google, refreshToken: \"${env:ALICE_REFRESH}\" } }";
    oauth("imap-xoauth2", "MailAccount", "imap", "IMAPS", refresh);
    Connection starttls;
    starttls.name = "imap-starttls-xoauth2";
    starttls.encryption = "starttls";
    starttls.port = fx.port("IMAP");
    starttls.auth = refresh;
    yaml += connection_yaml(starttls);
    oauth("smtp-xoauth2", "SmtpConnection", "smtp", "SUBMISSIONS", refresh);
    oauth("imap-oauthbearer", "MailAccount", "imap", "IMAPS",
          "{ oauth2: { client: google, refreshToken: \"${env:ALICE_REFRESH}\", mechanism: "
          "oauthbearer } }");
    oauth("imap-client-credentials", "MailAccount", "imap", "IMAPS",
          "{ oauth2: { client: m365, grant: clientCredentials } }", "shared@example.test");
    oauth("smtp-password-grant", "SmtpConnection", "smtp", "SUBMISSIONS",
          "{ oauth2: { client: m365, grant: password, password: \"${env:ALICE_PASSWORD}\" } }");

    Outcome outcome = run_test(yaml, {}, {{"ALICE_REFRESH", token}});
    CHECK(outcome.process.exit_code == 0);
    for (const char* name :
         {"google", "m365", "imap-xoauth2", "imap-starttls-xoauth2", "smtp-xoauth2",
          "imap-oauthbearer", "imap-client-credentials", "smtp-password-grant"})
        require_ok(outcome, name);
    CHECK_THAT(outcome.results["imap-xoauth2"]["detail"].get<std::string>(),
               Catch::Contains("login XOAUTH2"));
    CHECK_THAT(outcome.results["imap-oauthbearer"]["detail"].get<std::string>(),
               Catch::Contains("login OAUTHBEARER"));
    CHECK_THAT(outcome.results["m365"]["detail"].get<std::string>(),
               Catch::Contains("client accepted, token issued"));
    // Four connections share one refresh token: the endpoint was asked once.
    CHECK(fx.token_requests(token) == 1);
}

TEST_CASE("an administrator logs in for the user: SASL authzid, Dovecot master user, shared "
          "password") {
    const MailFixture& fx = mail_fixture();
    Connection authzid;
    authzid.name = "admin-authzid";
    authzid.port = fx.port("IMAPS");
    authzid.auth = "{ admin: { user: admin, password: \"${env:ADMIN_PASSWORD}\" } }";
    Connection master = authzid;
    master.name = "admin-master";
    master.auth = "{ admin: { user: admin, password: \"${env:ADMIN_PASSWORD}\", login: master } }";
    Connection magic = authzid;
    magic.name = "magic-password";
    magic.protocol = "pop3";
    magic.port = fx.port("POP3S");
    magic.auth = "{ admin: { user: \"\", password: \"${env:ALICE_PASSWORD}\" } }";
    Connection wrong = master;
    wrong.name = "admin-wrong";
    wrong.auth = "{ admin: { user: admin, password: \"${env:WRONG_PASSWORD}\", login: master } }";
    Outcome outcome = run_test(connection_yaml(authzid) + connection_yaml(master) +
                               connection_yaml(magic) + connection_yaml(wrong));
    require_ok(outcome, "admin-authzid");
    require_ok(outcome, "admin-master");
    require_ok(outcome, "magic-password");
    require_failure(outcome, "admin-wrong", "auth", "AUTHENTICATIONFAILED",
                    "refused the user name or password");
    CHECK(outcome.process.exit_code == 1);
}

TEST_CASE("failures name their phase, keep the server's words and give a hint") {
    const MailFixture& fx = mail_fixture();
    std::string yaml = google_client_yaml() + google_client_yaml("google-bad-secret");
    // The second client's secret is wrong.
    std::size_t at = yaml.rfind("GOOGLE_CLIENT_SECRET");
    yaml.replace(at, std::string("GOOGLE_CLIENT_SECRET").size(), "WRONG_PASSWORD");
    auto add = [&](Connection c) { yaml += connection_yaml(c); };
    Connection c;
    c.port = fx.port("IMAPS");

    c.name = "wrong-password";
    c.auth = "{ password: \"${env:WRONG_PASSWORD}\" }";
    add(c);
    c.name = "unknown-user";
    c.username = "nobody@example.test";
    c.auth = "{ password: \"${env:ALICE_PASSWORD}\" }";
    add(c);
    c.username = "alice@example.test";
    c.name = "wrong-ca";
    c.ca = false;
    c.extra = fmt::format("  tls: {{ caFile: {} }}\n", fx.other_ca_file());
    add(c);
    c.name = "system-ca";
    c.extra.clear();
    add(c);
    c.name = "wrong-host-name";
    c.ca = true;
    c.host = "127.0.0.1";
    add(c);
    c.host = "localhost";
    c.name = "no-starttls";
    c.host = "127.0.0.2";
    c.encryption = "starttls";
    c.port = fx.port("IMAP_NOTLS");
    add(c);
    c.host = "localhost";
    c.encryption = "ssl";
    c.name = "refused";
    c.port = 1;
    add(c);
    c.name = "black-hole-ssl";
    c.port = fx.port("BLACK_HOLE");
    c.extra = "  timeout: 1s\n";
    add(c);
    c.name = "black-hole-plain";
    c.encryption = "starttls";
    add(c);
    c.extra.clear();
    c.encryption = "ssl";
    c.name = "not-tls";
    c.port = fx.port("IMAP");
    add(c);
    c.port = fx.port("IMAPS");
    c.name = "revoked-refresh-token";
    c.auth = "{ oauth2: { client: google, refreshToken: \"${env:WRONG_PASSWORD}\" } }";
    add(c);
    c.name = "no-such-host";
    c.host = "no-such-host.invalid";
    c.auth = "{ password: \"${env:ALICE_PASSWORD}\" }";
    add(c);

    Outcome outcome = run_test(yaml);
    CHECK(outcome.process.exit_code == 1);
    require_ok(outcome, "google");
    require_failure(outcome, "google-bad-secret", "token", "invalid_client",
                    "does not accept OAuth2Client 'google-bad-secret'");
    require_failure(outcome, "wrong-password", "auth", "[AUTHENTICATIONFAILED]",
                    "refused the user name or password");
    require_failure(outcome, "unknown-user", "auth", "[AUTHENTICATIONFAILED]",
                    "refused the user name or password");
    require_failure(outcome, "wrong-ca", "tls", "certificate", "spec.tls.caFile");
    require_failure(outcome, "system-ca", "tls", "certificate", "spec.tls.caFile");
    require_failure(outcome, "wrong-host-name", "tls", "127.0.0.1", "another host name");
    require_failure(outcome, "no-starttls", "tls", "STARTTLS", "does not offer STARTTLS");
    require_failure(outcome, "refused", "connect", "", "nothing accepts connections");
    require_failure(outcome, "black-hole-ssl", "tls", "no TLS handshake within 1000 ms",
                    "did not answer the TLS handshake");
    require_failure(outcome, "black-hole-plain", "greeting", "no answer within 1000 ms",
                    "sent no imap greeting");
    require_failure(outcome, "not-tls", "tls", "", "does not speak TLS from the first byte");
    require_failure(outcome, "revoked-refresh-token", "token",
                    "invalid_grant: Token has been expired or revoked.", "expired or been revoked");
    require_failure(outcome, "no-such-host", "resolve", "", "does not resolve");
}

TEST_CASE("tls verify false passes a certificate from an unknown CA and says so") {
    const MailFixture& fx = mail_fixture();
    Connection c;
    c.name = "unverified";
    c.port = fx.port("IMAPS");
    c.ca = false;
    c.extra = "  tls: { verify: false }\n";
    Outcome outcome = run_test(connection_yaml(c));
    CHECK(outcome.process.exit_code == 0);
    require_ok(outcome, "unverified");
    CHECK(outcome.results["unverified"]["certificate_verified"] == false);
    CHECK_THAT(outcome.results["unverified"]["detail"].get<std::string>(),
               Catch::Contains("certificate NOT verified (tls.verify: false)"));
}

TEST_CASE("a hung server holds up no other test beyond its own timeout") {
    const MailFixture& fx = mail_fixture();
    std::string yaml;
    for (int i = 0; i < 6; ++i) {
        Connection c;
        c.name = fmt::format("hung-{}", i);
        c.port = fx.port("BLACK_HOLE");
        c.extra = "  timeout: 2s\n";
        yaml += connection_yaml(c);
    }
    for (int i = 0; i < 20; ++i) {
        Connection c;
        c.name = fmt::format("good-{}", i);
        c.port = fx.port("IMAPS");
        yaml += connection_yaml(c);
    }
    auto started = std::chrono::steady_clock::now();
    // Six hung servers and parallelism 8: the good ones still run beside them.
    Outcome outcome = run_test(yaml, {"--parallelism", "8"});
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(outcome.process.exit_code == 1);
    for (int i = 0; i < 20; ++i)
        require_ok(outcome, fmt::format("good-{}", i));
    for (int i = 0; i < 6; ++i) {
        std::string name = fmt::format("hung-{}", i);
        CHECK(outcome.results[name]["ok"] == false);
        CHECK(outcome.results[name]["milliseconds"].get<int>() >= 1900);
        CHECK(outcome.results[name]["milliseconds"].get<int>() < 3000);
    }
    CHECK(took < std::chrono::seconds(6));
}

TEST_CASE("the deadline stops the whole run and fails what is unfinished") {
    const MailFixture& fx = mail_fixture();
    Connection hung;
    hung.name = "hung";
    hung.port = fx.port("BLACK_HOLE");
    hung.extra = "  timeout: 60s\n";
    Connection good;
    good.name = "good";
    good.port = fx.port("IMAPS");
    auto started = std::chrono::steady_clock::now();
    Outcome outcome = run_test(connection_yaml(hung) + connection_yaml(good), {"--deadline", "1s"});
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    require_ok(outcome, "good");
    require_failure(outcome, "hung", "tls", "--deadline of 1000 ms", "");
}

TEST_CASE("select tests only the named resources and refuses unknown ones") {
    const MailFixture& fx = mail_fixture();
    Connection a;
    a.name = "a";
    a.port = fx.port("IMAPS");
    Connection b = a;
    b.name = "b";
    b.port = 1;
    Outcome outcome =
        run_test(connection_yaml(a) + connection_yaml(b), {"--select", "MailAccount/a"});
    CHECK(outcome.process.exit_code == 0);
    CHECK(outcome.results.size() == 1);
    require_ok(outcome, "a");

    TempDir dir;
    write_file(dir.file("live.yaml"), connection_yaml(a));
    RunOptions options;
    options.env = fixture_secrets();
    ProcessResult unknown =
        run_mailsync({"test", dir.path(), "--select", "MailAccount/zzz"}, options);
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err == "error: --select MailAccount/zzz: no such resource in the "
                         "configuration\n");
}

TEST_CASE("the text table has a row per resource with result, phase, time and hint") {
    TempDir dir;
    write_file(dir.file("live.yaml"), good_and_bad_accounts());
    RunOptions options;
    options.env = fixture_secrets();
    ProcessResult result = run_mailsync({"test", dir.path()}, options);
    CHECK(result.exit_code == 1);
    INFO(result.out);
    CHECK_THAT(result.out, Catch::StartsWith("RESOURCE          RESULT PHASE          MS  "
                                             "DETAIL\n"));
    CHECK_THAT(result.out, Catch::Contains("\nMailAccount/good  OK     "));
    CHECK_THAT(result.out, Catch::Contains("\nMailAccount/bad   FAIL   auth      "));
    CHECK_THAT(result.out, Catch::Contains(" NO [AUTHENTICATIONFAILED] Authentication "
                                           "failed.\n"));
    CHECK_THAT(result.out, Catch::Contains("hint: the server refused the user name or password"));
    CHECK_THAT(result.out, Catch::EndsWith("2 tested: 1 passed, 1 failed.\n"));
}
