#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

TEST_CASE("the version flag prints the version", "[cli]") {
    ProcessResult result = run_mailsync({"--version"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "mailsync 0.1.0\n");
}

TEST_CASE("the help flag lists the commands and exit codes, each command has its own help",
          "[cli]") {
    ProcessResult help = run_mailsync({"--help"});
    CHECK(help.exit_code == 0);
    for (const char* word : {"validate", "mapping", "Exit codes"})
        CHECK(help.out.find(word) != std::string::npos);
    ProcessResult validate = run_mailsync({"validate", "--help"});
    CHECK(validate.exit_code == 0);
    for (const char* word : {"--no-secrets", "--format", "--mapping", "Exit codes: 0 valid"})
        CHECK(validate.out.find(word) != std::string::npos);
}

TEST_CASE("usage errors exit 1 with a message, never a crash", "[cli]") {
    ProcessResult none = run_mailsync({});
    CHECK(none.exit_code == 1);
    ProcessResult unknown = run_mailsync({"valdate"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("valdate") != std::string::npos);
    ProcessResult format = run_mailsync({"validate", "--format", "xml"});
    CHECK(format.exit_code == 1);
    CHECK(format.err.find("xml") != std::string::npos);
}

TEST_CASE("mapping prints the Server → Cloud table", "[cli][mapping]") {
    ProcessResult result = run_mailsync({"mapping", "MailAccount"});
    CHECK(result.exit_code == 0);
    CHECK(result.out.starts_with("Mapping 'server-to-cloud': Server edition to Cloud edition\n\n"
                                 "MailAccount: Server \"Incoming Mail Accounts\" → Cloud \"Mail "
                                 "Accounts\" (API collection mail-accounts)\n"));
    CHECK(result.out.find("  Protocol           Service Provider    serviceProvider     service"
                          "              imap → General IMAP4 service; pop3 → General POP3 "
                          "service; imap/google → GMail/GSuite with OAuth2") != std::string::npos);
    CHECK(result.out.find("SmtpConnection") == std::string::npos);
}

TEST_CASE("mapping --format json and another profile", "[cli][mapping]") {
    ProcessResult result =
        run_mailsync({"mapping", "--mapping", "mailbox-form", "--format", "json"});
    CHECK(result.exit_code == 0);
    auto json = nlohmann::json::parse(result.out);
    CHECK(json["profile"] == "mailbox-form");
    REQUIRE(json["kinds"].size() == 1);
    CHECK(json["kinds"][0]["kind"] == "MailAccount");
    bool found = false;
    for (const auto& field : json["kinds"][0]["fields"])
        found = found || (field["label"] == "SSL Enabled" && field["values"]["ssl"] == "Yes");
    CHECK(found);
}

TEST_CASE("mapping refuses an unknown kind and reports a broken profile file", "[cli][mapping]") {
    ProcessResult kind = run_mailsync({"mapping", "MailAcount"});
    CHECK(kind.exit_code == 1);
    CHECK(kind.err == "error: unknown kind 'MailAcount'; did you mean 'MailAccount'?\n");

    TempDir dir;
    write_file(dir.file("p.yaml"), "profile: p\nkinds:\n  MailAccount:\n    collection: c\n"
                                   "    fields:\n      - {from: hots, label: Host, key: host}\n");
    ProcessResult broken = run_mailsync({"mapping", "--mapping", dir.file("p.yaml")});
    CHECK(broken.exit_code == 1);
    CHECK(broken.err == dir.file("p.yaml") +
                            ":6:16: error: unknown attribute 'hots' for MailAccount; did you mean "
                            "'host'?\n      - {from: hots, label: Host, key: host}\n"
                            "               ^\n");
}

TEST_CASE("mapping --attributes lists what a profile may map", "[cli][mapping]") {
    ProcessResult result = run_mailsync({"mapping", "--attributes", "SmtpConnection"});
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("  fromAddress           spec.fromAddress\n") != std::string::npos);
}

TEST_CASE("test refuses bad flags and a broken configuration before connecting", "[cli][test]") {
    RunOptions options;
    options.env["SUPPORT_PASSWORD"] = "value-of-SUPPORT_PASSWORD";

    ProcessResult select =
        run_mailsync({"test", "samples/incoming-imap", "--select", "inbox"}, options);
    CHECK(select.exit_code == 1);
    CHECK(select.err == "error: --select 'inbox' is not KIND/NAME, such as "
                        "MailAccount/support-inbox\n");

    ProcessResult deadline =
        run_mailsync({"test", "samples/incoming-imap", "--deadline", "soon"}, options);
    CHECK(deadline.exit_code == 1);
    CHECK(deadline.err == "error: --deadline 'soon' is not a duration such as 90s or 5m\n");

    ProcessResult parallelism =
        run_mailsync({"test", "samples/incoming-imap", "--parallelism", "0"}, options);
    CHECK(parallelism.exit_code == 1);
    CHECK_THAT(parallelism.err, Catch::Contains("--parallelism"));

    options.env["SAMPLE_SECRET"] = "x-secret";
    ProcessResult broken =
        run_mailsync({"test", "samples/bad/oauthbearer-microsoft.yaml"}, options);
    CHECK(broken.exit_code == 1);
    CHECK_THAT(broken.err, Catch::StartsWith("samples/bad/oauthbearer-microsoft.yaml:23:18: "
                                             "error: MailAccount 'shared'"));
    CHECK_THAT(broken.err, Catch::EndsWith("Nothing was tested: fix the errors above first.\n"));
    CHECK(broken.out.empty());
}

TEST_CASE("mailsync --help lists the exit codes of every command", "[cli]") {
    ProcessResult help = run_mailsync({"--help"});
    CHECK(help.exit_code == 0);
    for (const char* command : {"validate", "test", "plan", "apply", "import", "export", "status",
                                "force-unlock", "mapping", "state"}) {
        INFO(command);
        CHECK_THAT(help.out, Catch::Contains(fmt::format("\n  {:<12}  0 ", command)));
        ProcessResult own = run_mailsync({command, "--help"});
        CHECK(own.exit_code == 0);
        CHECK_THAT(own.out, Catch::Contains("Exit codes: 0 "));
    }
}
