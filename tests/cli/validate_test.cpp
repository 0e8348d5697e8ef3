#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

// Every variable the samples refer to, set to a value that says which it is.
RunOptions sample_secrets() {
    RunOptions options;
    for (const char* name :
         {"SUPPORT_PASSWORD", "BILLING_PASSWORD", "ORDERS_PASSWORD", "GOOGLE_CLIENT_SECRET",
          "SUPPORT_REFRESH_TOKEN", "M365_CLIENT_SECRET", "HELPDESK_REFRESH_TOKEN", "SALES_PASSWORD",
          "SMTP_PASSWORD", "JDOE_PASSWORD", "GMAIL_APP_SECRET", "TEAM_REFRESH_TOKEN",
          "OFFICE_APP_SECRET", "ADMIN_PASSWORD", "MIGRATION_MAGIC_PASSWORD",
          "JDOE_GMAIL_REFRESH_TOKEN"})
        options.env[name] = std::string("value-of-") + name;
    return options;
}

const std::vector<std::string> good_samples{
    "samples/incoming-imap",         "samples/incoming-pop3",
    "samples/incoming-gmail-oauth2", "samples/incoming-microsoft365-oauth2",
    "samples/outgoing-smtp",         "samples/outgoing-smtp-oauth2",
    "samples/mailbox-form"};

} // namespace

TEST_CASE("every sample scenario validates cleanly with its secrets set", "[cli][validate]") {
    std::vector<std::string> all = good_samples;
    all.push_back("samples/quickstart"); // it overlaps the others by name, so it goes alone
    all.push_back("samples/admin-account");
    all.push_back("samples/mailbox-migration");
    for (const std::string& sample : all) {
        DYNAMIC_SECTION(sample) {
            ProcessResult result = run_mailsync({"validate", sample}, sample_secrets());
            CHECK(result.err == "");
            CHECK(result.exit_code == 0);
            CHECK(result.out.ends_with("Valid.\n"));
        }
    }
}

TEST_CASE("validate prints a summary per kind", "[cli][validate]") {
    std::vector<std::string> args{"validate"};
    args.insert(args.end(), good_samples.begin(), good_samples.end());
    ProcessResult result = run_mailsync(args, sample_secrets());
    CHECK(result.out == "Checked 18 resources in 7 files: 5 OAuth2Client, 10 MailAccount, "
                        "3 SmtpConnection.\nValid.\n");
    CHECK(result.exit_code == 0);
}

TEST_CASE("validate without secrets set fails naming each variable, --no-secrets passes",
          "[cli][validate]") {
    RunOptions bare;
    bare.unset_env = {"SUPPORT_PASSWORD"};
    ProcessResult missing = run_mailsync({"validate", "samples/incoming-imap"}, bare);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err ==
          "samples/incoming-imap/support-inbox.yaml:16:15: error: MailAccount 'support-inbox' "
          "spec.auth.password: environment variable SUPPORT_PASSWORD is not set\n"
          "    password: ${env:SUPPORT_PASSWORD}\n"
          "              ^\n");
    CHECK(missing.out == "Checked 1 resource in 1 file: 1 MailAccount; 1 with errors.\n"
                         "Invalid: 1 error, 0 warnings.\n");

    ProcessResult skipped =
        run_mailsync({"validate", "--no-secrets", "samples/incoming-imap"}, bare);
    CHECK(skipped.exit_code == 0);
    CHECK(skipped.out == "Checked 1 resource in 1 file: 1 MailAccount.\n"
                         "Secrets were not resolved (--no-secrets).\nValid.\n");
}

TEST_CASE("validate --format json gives the diagnostics as data", "[cli][validate]") {
    RunOptions options;
    options.env["SAMPLE_SECRET"] = "x";
    ProcessResult result =
        run_mailsync({"validate", "--format", "json", "samples/bad/many-errors.yaml"}, options);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "");
    auto json = nlohmann::json::parse(result.out);
    CHECK(json["format_version"] == 1);
    CHECK(json["valid"] == false);
    CHECK(json["errors"] == 5);
    CHECK(json["resources"]["MailAccount"] == 1); // counted, although it has errors
    CHECK(json["documents"] == 1);
    CHECK(json["documents_with_errors"] == 1);
    CHECK(json["mapping"] == "server-to-cloud");
    REQUIRE(json["diagnostics"].size() == 5);
    CHECK(json["diagnostics"][0] == nlohmann::json::parse(R"({"severity": "error",
        "file": "samples/bad/many-errors.yaml", "line": 7, "column": 15,
        "message": "spec.encryption must be 'none', 'ssl' or 'starttls', not 'tls'; did you mean 'ssl' (TLS from the first byte, as on ports 993, 995 and 465) or 'starttls' (a plain connection upgraded to TLS, as on ports 143, 110 and 587)?"})"));
}

TEST_CASE("validate with the mailbox-form profile", "[cli][validate]") {
    ProcessResult ok = run_mailsync(
        {"validate", "--no-secrets", "--mapping", "mailbox-form", "samples/mailbox-form"});
    CHECK(ok.exit_code == 0);
    ProcessResult smtp = run_mailsync(
        {"validate", "--no-secrets", "--mapping", "mailbox-form", "samples/outgoing-smtp"});
    CHECK(smtp.exit_code == 1);
    CHECK(smtp.err.find("error: mapping 'mailbox-form' has no fields for kind SmtpConnection") !=
          std::string::npos);
}

TEST_CASE("validate reads the current folder by default and refuses a missing path",
          "[cli][validate]") {
    RunOptions in_sample;
    in_sample.cwd = MAILSYNC_SOURCE_DIR "/samples/outgoing-smtp";
    ProcessResult here = run_mailsync({"validate", "--no-secrets"}, in_sample);
    CHECK(here.exit_code == 0);
    CHECK(here.out.starts_with("Checked 2 resources in 1 file: 2 SmtpConnection.\n"));

    ProcessResult missing = run_mailsync({"validate", "no/such/folder"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == "no/such/folder: error: no such file or folder\n");
}

TEST_CASE("a literal secret is a warning and is never quoted", "[cli][validate]") {
    TempDir dir;
    write_file(dir.file("a.yaml"),
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: lit\nspec:\n"
               "  protocol: imap\n  host: imap.example.com\n  username: u\n  auth:\n"
               "    password: literal-pw-91c2\n");
    ProcessResult result = run_mailsync({"validate", dir.file("a.yaml")});
    CHECK(result.exit_code == 0);
    CHECK(result.err == dir.file("a.yaml") +
                            ":10:15: warning: spec.auth.password holds a secret in clear; write "
                            "${env:NAME} or ${file:PATH} so that it stays out of the repository\n"
                            "    password: (sensitive)\n"
                            "              ^\n");
    CHECK(result.out.ends_with("Valid, with 1 warning.\n"));
}

TEST_CASE("a 10 MB file is refused cleanly", "[cli][validate]") {
    TempDir dir;
    write_file(dir.file("big.yaml"), std::string(10 * 1024 * 1024, 'a'));
    ProcessResult result = run_mailsync({"validate", dir.file("big.yaml")});
    CHECK(result.exit_code == 1);
    CHECK(result.err == dir.file("big.yaml") +
                            ": error: file is 10.0 MiB; mailsync reads files of at most 4.0 MiB\n");
}

TEST_CASE("no colour when the output is not a terminal", "[cli][validate]") {
    ProcessResult result = run_mailsync({"validate", "samples/bad/unknown-kind.yaml"});
    CHECK(result.err.find("\x1b[") == std::string::npos);
}

TEST_CASE("validate counts every document, valid or not", "[cli][validate]") {
    TempDir dir;
    auto account = [](const std::string& name, const std::string& spec) {
        return "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: " + name +
               "\nspec:\n  protocol: imap\n  username: a@example.com\n"
               "  auth:\n    password: ${env:X}\n" +
               spec;
    };
    // Five documents: one valid, one the schema refuses, one valid SMTP connection, one of an
    // unknown kind, one whose name is taken.
    write_file(dir.file("five.yaml"),
               account("good", "  host: imap.example.com\n") + "---\n" +
                   account("typo", "  hots: imap.example.com\n") +
                   "---\napiVersion: mailsync/v1\nkind: SmtpConnection\nmetadata:\n  name: out\n"
                   "spec:\n  host: smtp.example.com\n  fromAddress: a@example.com\n---\n"
                   "apiVersion: mailsync/v1\nkind: Mailbox\nmetadata:\n  name: what\n---\n" +
                   account("good", "  host: imap2.example.com\n"));
    ProcessResult text = run_mailsync({"validate", "--no-secrets", dir.file("five.yaml")});
    CHECK(text.exit_code == 1);
    CHECK(text.out == "Checked 5 resources in 1 file: 3 MailAccount, 1 SmtpConnection, 1 of no "
                      "known kind; 3 with errors.\nSecrets were not resolved (--no-secrets).\n"
                      "Invalid: 4 errors, 0 warnings.\n");

    ProcessResult json =
        run_mailsync({"validate", "--no-secrets", "--format", "json", dir.file("five.yaml")});
    auto parsed = nlohmann::json::parse(json.out);
    CHECK(parsed["resources"] == nlohmann::json::parse(R"({"OAuth2Client": 0, "MailAccount": 3,
        "SmtpConnection": 1, "MailboxMigration": 0})"));
    CHECK(parsed["documents"] == 5);
    CHECK(parsed["documents_with_errors"] == 3);

    // A YAML syntax error spoils its own document: it counts, broken, by the kind it names,
    // and reading goes on at the next `---`, whose documents are checked and counted as well.
    write_file(dir.file("broken.yaml"),
               account("ok", "  host: imap.example.com\n") + "---\nkind: [unclosed\n");
    ProcessResult broken = run_mailsync({"validate", "--no-secrets", dir.file("broken.yaml")});
    CHECK(broken.exit_code == 1);
    CHECK(broken.out.starts_with("Checked 2 resources in 1 file: 1 MailAccount, 1 of no known "
                                 "kind; 1 with errors.\n"));
    write_file(dir.file("middle.yaml"),
               account("one", "  host: imap.example.com\n") + "---\n" +
                   account("two", "  host: [imap.example.com\n") + "---\n" +
                   account("three", "  hots: imap.example.com\n") + "---\n" +
                   account("four", "  host: imap.example.com\n"));
    ProcessResult middle = run_mailsync({"validate", "--no-secrets", dir.file("middle.yaml")});
    INFO(middle.out << middle.err);
    CHECK(middle.exit_code == 1);
    CHECK(middle.out.starts_with("Checked 4 resources in 1 file: 4 MailAccount; 2 with errors.\n"));
    // yaml-cpp finds the open '[' of document 2 at the `---` that ends it; document 3 is read.
    CHECK(middle.err.find("middle.yaml:22:1: error: YAML syntax: end of sequence flow not found") !=
          std::string::npos);
    CHECK(middle.err.find("middle.yaml:32:3: error: unknown field 'hots'") != std::string::npos);
}
