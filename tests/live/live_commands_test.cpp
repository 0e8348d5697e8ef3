// Live tests inside other commands: `validate --live`, and `apply` testing what it is about to
// write. And no credential in any output of a live test, traces included.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "live/mail_fixture.hpp"
#include "support/json_schema.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

RunOptions live_options(const TempDir& dir) {
    RunOptions options;
    options.env = fixture_secrets();
    options.cwd = dir.path();
    options.live_tests = true;
    return options;
}

} // namespace

TEST_CASE("validate --live runs the offline checks, then the connection tests") {
    TempDir dir;
    write_file(dir.file("config/live.yaml"), good_and_bad_accounts());
    RunOptions options = live_options(dir);

    ProcessResult text = run_mailsync({"validate", "--live", "config"}, options);
    CHECK(text.exit_code == 1);
    CHECK_THAT(text.out, Catch::StartsWith("Checked 2 resources in 1 file: 2 MailAccount.\n"
                                           "Valid.\n\nLive connection tests:\nRESOURCE"));
    CHECK_THAT(text.out, Catch::Contains("MailAccount/bad   FAIL   auth"));
    CHECK_THAT(text.out, Catch::EndsWith("2 tested: 1 passed, 1 failed.\n"));

    ProcessResult json =
        run_mailsync({"validate", "--live", "config", "--format", "json"}, options);
    CHECK(json.exit_code == 1);
    nlohmann::json parsed = nlohmann::json::parse(json.out);
    CHECK(parsed["valid"] == true);
    CHECK(parsed["live"]["passed"] == 1);
    CHECK(parsed["live"]["failed"] == 1);
    CHECK(schema_file_violations("validate.schema.json", parsed).empty());

    ProcessResult both = run_mailsync({"validate", "--live", "--no-secrets", "config"}, options);
    CHECK(both.exit_code == 1);
    CHECK_THAT(both.err, Catch::Contains("--no-secrets excludes --live"));
}

TEST_CASE("validate --live skips the live tests when the offline checks fail") {
    TempDir dir;
    write_file(dir.file("config/live.yaml"), good_and_bad_accounts() + "  surprise: 1\n");
    ProcessResult result = run_mailsync({"validate", "--live", "config"}, live_options(dir));
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.out, Catch::Contains("Live connection tests skipped: fix the errors first."));
}

TEST_CASE("apply tests what it is about to write and writes nothing when a test fails") {
    TempDir dir;
    write_file(dir.file("config/live.yaml"), good_and_bad_accounts());
    RunOptions options = live_options(dir);

    ProcessResult refused = run_mailsync({"apply", "--auto-approve", "config"}, options);
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.out, Catch::Contains("MailAccount/bad   FAIL   auth"));
    CHECK_THAT(refused.err, Catch::Contains("error: live connection tests failed; nothing was "
                                            "written."));
    ProcessResult still = run_mailsync({"plan", "config", "--detailed-exitcode"}, options);
    CHECK(still.exit_code == 2); // both creates still to do
    ProcessResult refused_json =
        run_mailsync({"apply", "--auto-approve", "config", "--format", "json"}, options);
    CHECK(refused_json.exit_code == 1);
    nlohmann::json report = nlohmann::json::parse(refused_json.out);
    CHECK(report["result"] == "refused");
    CHECK(report["live_tests"]["failed"] == 1);
    CHECK(report["actions"].empty());
    CHECK(schema_file_violations("apply.schema.json", report).empty());

    // Fixing the password makes it pass; only what is created or updated is tested.
    write_file(dir.file("config/live.yaml"), good_and_bad_accounts());
    options.env["WRONG_PASSWORD"] = "alice-password";
    ProcessResult applied = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(applied.out << applied.err);
    CHECK(applied.exit_code == 0);
    CHECK_THAT(applied.out,
               Catch::Contains("Live tests passed for the 2 resources about to be written.\n"));

    // Nothing to write: nothing is tested, even with a broken password again.
    options.env["WRONG_PASSWORD"] = "not-alices-password";
    write_file(dir.file("config/live.yaml"), good_and_bad_accounts() + "  description: edited\n");
    ProcessResult skipped =
        run_mailsync({"apply", "--auto-approve", "--skip-live-tests", "config"}, options);
    INFO(skipped.out << skipped.err);
    CHECK(skipped.exit_code == 0);
    CHECK_THAT(skipped.out, !Catch::Contains("Live tests"));
}

TEST_CASE("no credential appears in the output of a live test, traces included") {
    const MailFixture& fx = mail_fixture();
    TempDir dir;
    std::string refresh = "rt-alice-leakcheck-7f3a";
    std::string yaml = google_client_yaml();
    Connection c;
    c.port = fx.port("IMAPS");
    for (std::string protocol : {"imap", "pop3"}) {
        c.name = protocol + "-password";
        c.protocol = protocol;
        c.port = fx.port(protocol == "imap" ? "IMAPS" : "POP3S");
        yaml += connection_yaml(c);
    }
    c.kind = "SmtpConnection";
    c.name = "smtp-login";
    c.port = fx.port("SUBMISSION");
    c.encryption = "starttls";
    yaml += connection_yaml(c);
    c.kind = "MailAccount";
    c.protocol = "imap";
    c.encryption = "ssl";
    c.port = fx.port("IMAPS");
    c.name = "oauth";
    c.auth = "{ oauth2: { client: google, refreshToken: \"${env:REFRESH}\" } }";
    yaml += connection_yaml(c);
    c.name = "wrong";
    c.auth = "{ password: \"${env:WRONG_PASSWORD}\" }";
    yaml += connection_yaml(c);
    c.name = "admin";
    c.auth = "{ admin: { user: admin, password: \"${env:ADMIN_PASSWORD}\" } }";
    yaml += connection_yaml(c);
    write_file(dir.file("config/live.yaml"), yaml);

    RunOptions options = live_options(dir);
    options.env["REFRESH"] = refresh;
    std::vector<std::string> secrets{refresh};
    for (const auto& [name, value] : fixture_secrets())
        secrets.push_back(value);
    // PLAIN's base64 of "\0alice@example.test\0alice-password", and any JWT access token.
    secrets.push_back("AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA");
    secrets.push_back("eyJhbGciOiJIUzI1NiIs");

    for (std::vector<std::string> args :
         std::vector<std::vector<std::string>>{{"test", "config", "--verbose"},
                                               {"test", "config", "--verbose", "--format", "json"},
                                               {"validate", "--live", "config", "--verbose"},
                                               {"apply", "--auto-approve", "config"}}) {
        ProcessResult result = run_mailsync(args, options);
        std::string all = result.out + result.err;
        INFO(fmt::format("{}", fmt::join(args, " ")));
        CHECK((all.find("(sensitive)") != std::string::npos || args[0] == "apply"));
        for (const std::string& secret : secrets) {
            INFO(secret);
            CHECK(all.find(secret) == std::string::npos);
        }
    }
    // The trace shows the exchange with the credential replaced.
    ProcessResult verbose = run_mailsync({"test", "config", "--verbose"}, options);
    CHECK_THAT(verbose.err, Catch::Contains("AUTHENTICATE PLAIN (sensitive)"));
    // mailsync's own XOAUTH2 login: the response to the server's "+", then its verdict.
    CHECK_THAT(verbose.err,
               Catch::Contains("> MS0 AUTHENTICATE XOAUTH2\n   < + \n   > (sensitive)\n"));
    CHECK_THAT(verbose.err, Catch::Contains("< MS0 OK Logged in"));
    CHECK_THAT(verbose.err, Catch::Contains("> AUTH PLAIN"));
    CHECK_THAT(verbose.err, Catch::Contains("refresh_token=(sensitive)"));
    CHECK_THAT(verbose.err, Catch::Contains("\"access_token\":\"(sensitive)\""));
}
