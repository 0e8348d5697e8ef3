// A self-service MailboxMigration in plan, apply and status before its owner has handed over
// the credentials: shown as waiting, never scanned, never copied.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

std::string config() {
    return "apiVersion: mailsync/v1\nkind: SmtpConnection\nmetadata:\n  name: out\nspec:\n"
           "  fromAddress: it@example.com\n  host: 127.0.0.1\n  port: 1\n"
           "  username: it@example.com\n  auth: {password: \"${env:SMTP_PASSWORD}\"}\n---\n"
           "apiVersion: mailsync/v1\nkind: MailboxMigration\nmetadata:\n  name: alice\nspec:\n"
           "  source:\n    host: imap.old.invalid\n    username: alice@old.invalid\n"
           "    auth:\n      selfService: {email: alice@example.com}\n"
           "  destination:\n    host: 127.0.0.1\n    port: 1\n    username: alice@example.com\n"
           "    auth: {password: \"${env:SMTP_PASSWORD}\"}\n";
}

RunOptions options_in(const TempDir& dir) {
    write_file(dir.file("config/all.yaml"), config());
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SMTP_PASSWORD", "pw-self-service"}, {"MAILSYNC_ALLOWED_HOSTS", "127.0.0.1"}};
    return options;
}

} // namespace

TEST_CASE("plan shows a self-service migration as waiting for its owner, and never scans it",
          "[cli][selfservice]") {
    TempDir dir;
    RunOptions options = options_in(dir);
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"plan", "config/"}, {"plan", "--scan-migrations", "config/"}}) {
        ProcessResult plan = run_mailsync(args, options);
        INFO(plan.out << plan.err);
        CHECK(plan.exit_code == 0);
        CHECK_THAT(plan.out, Catch::Contains("  ~ alice  alice@old.invalid@imap.old.invalid → "
                                             "alice@example.com@127.0.0.1\n"
                                             "      waiting for its owner (self-service, not "
                                             "invited yet: mailsync invite)\n"));
        CHECK_THAT(plan.out + plan.err, !Catch::Contains("cannot scan"));
    }
    ProcessResult json = run_mailsync({"plan", "--format", "json", "config/"}, options);
    CHECK_THAT(json.out, Catch::Contains("\"waiting_for_owner\": true"));
}

TEST_CASE("apply leaves a self-service migration without credentials, saying why",
          "[cli][selfservice]") {
    TempDir dir;
    RunOptions options = options_in(dir);
    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "config/"}, options);
    INFO(apply.out << apply.err);
    CHECK(apply.exit_code == 0);
    CHECK_THAT(apply.out, Catch::Contains("\n  NEW       alice: waiting for its owner "
                                          "(self-service): no credentials yet, so nothing was "
                                          "copied\n"));
    CHECK_THAT(apply.out, Catch::Contains("; 0 completed, 0 failed, 1 waiting for its owner.\n"));
}

TEST_CASE("validate names a self-service migration's problems with their place",
          "[cli][selfservice]") {
    TempDir dir;
    RunOptions options = options_in(dir);
    std::string yaml = config();
    yaml.replace(yaml.find("{email: alice@example.com}"), 26,
                 "{email: \"alice@example.com\\r\\nBcc: x@evil.invalid\", expires: 1y}");
    write_file(dir.file("config/all.yaml"), yaml);
    ProcessResult validate = run_mailsync({"validate", "config/"}, options);
    CHECK(validate.exit_code == 1);
    CHECK_THAT(validate.err,
               Catch::Contains("config/all.yaml:21:28: error: spec.source.auth.selfService.email "
                               "must be a plain email address such as owner@example.com"));
    CHECK_THAT(validate.err,
               Catch::Contains("config/all.yaml:21:81: error: spec.source.auth.selfService."
                               "expires must be a duration such as 7d, 36h or 90m, not '1y'"));
}
