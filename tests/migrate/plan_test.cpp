// `plan` with mailbox migrations: a migration that cannot be scanned leaves the rest of the plan
// whole, and a finished migration is not a change.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migrate/mailboxes.hpp"
#include "support/json_schema.hpp"

using namespace mailsync;
using namespace mailsync::test;

TEST_CASE("an unreachable migration source leaves the rest of the plan whole, with its error "
          "in its place, and plan exits 1") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(24), password(24), {{"INBOX", "", "", text_message("p@x", "p", "p")}});
    TempDir dir;
    mailsync::test::Connection account;
    account.name = "support";
    account.port = source.port("IMAPS");
    Side unreachable = password_side(source, 24);
    unreachable.port = 1; // nothing listens there
    write_file(
        dir.file("config/c.yaml"),
        connection_yaml(account) +
            migration_yaml("unreachable", unreachable, password_side(destination, 24)) +
            migration_yaml("reachable", password_side(source, 24), password_side(destination, 24)));
    RunOptions options = migrate_options(dir);
    options.env["ALICE_PASSWORD"] = "alice-password";
    std::string refusal = "source localhost:1: connect: cannot connect to localhost:1: Connection "
                          "refused";

    ProcessResult text = run_mailsync(
        {"plan", "--scan-migrations", "--detailed-exitcode", "--out", "plan.json", "config"},
        options);
    INFO(text.out << text.err);
    CHECK(text.exit_code == 1);
    CHECK_THAT(text.out, Catch::Contains("+ MailAccount support"));
    CHECK_THAT(text.out, Catch::Contains("Plan: 1 to create, 0 to update, 0 to delete"));
    CHECK_THAT(text.out, Catch::Contains("~ unreachable  m24@example.test@localhost → "
                                         "m24@example.test@localhost\n      cannot scan: " +
                                         refusal + "\n"));
    CHECK_THAT(text.out, Catch::Contains("~ reachable  m24@example.test@localhost → "
                                         "m24@example.test@localhost\n        INBOX: 1 message to "
                                         "copy"));
    CHECK_THAT(text.out, Catch::Contains("; 1 could not be scanned."));
    CHECK_THAT(text.err, Catch::Contains("error: MailboxMigration 'unreachable': " + refusal));
    CHECK_THAT(text.err, Catch::EndsWith("Planning incomplete: 1 mailbox migration could not be "
                                         "scanned; the rest of the plan is complete.\n"));
    // The plan file holds the target's actions only, which are complete.
    nlohmann::json saved = nlohmann::json::parse(read_file(dir.file("plan.json")));
    CHECK(saved["actions"].size() == 1);

    ProcessResult markdown =
        run_mailsync({"plan", "--scan-migrations", "--format", "markdown", "config"}, options);
    CHECK(markdown.exit_code == 1);
    CHECK_THAT(markdown.out, Catch::Contains("MailAccount") && Catch::Contains("support"));
    CHECK_THAT(markdown.out, Catch::Contains("cannot scan: " + refusal));
    CHECK_THAT(markdown.out, Catch::Contains("  INBOX: 1 message to copy"));

    ProcessResult json =
        run_mailsync({"plan", "--scan-migrations", "--format", "json", "config"}, options);
    CHECK(json.exit_code == 1);
    nlohmann::json planned = nlohmann::json::parse(json.out);
    CHECK(schema_file_violations("plan.schema.json", planned).empty());
    REQUIRE(planned["actions"].size() == 1);
    CHECK(planned["actions"][0]["action"] == "create");
    CHECK(planned["actions"][0]["name"] == "support");
    REQUIRE(planned["migrations"].size() == 2);
    CHECK(planned["migrations"][0]["name"] == "unreachable");
    CHECK(planned["migrations"][0]["error"] == refusal);
    CHECK(planned["migrations"][1]["name"] == "reachable");
    CHECK(planned["migrations"][1]["messages"] == 1);
}

TEST_CASE("a finished migration is not a change in plan, scanned or not, until the source has "
          "new messages") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(25), password(25),
         {{"INBOX", "", "", text_message("f1@x", "f", "1")},
          {"Archive", "", "", text_message("f2@x", "f", "2")}});
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m25", password_side(source, 25), password_side(destination, 25)));
    RunOptions options = migrate_options(dir);
    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(apply.out << apply.err);
    REQUIRE(apply.exit_code == 0);
    std::string pair = "m25  m25@example.test@localhost → m25@example.test@localhost\n";

    ProcessResult plain = run_mailsync({"plan", "--detailed-exitcode", "config"}, options);
    INFO(plain.out << plain.err);
    CHECK(plain.exit_code == 0);
    CHECK_THAT(plain.out, Catch::Contains("\n    " + pair +
                                          "      last run: COMPLETED, 2 of 2 "
                                          "copied"));
    ProcessResult scanned =
        run_mailsync({"plan", "--scan-migrations", "--detailed-exitcode", "config"}, options);
    INFO(scanned.out << scanned.err);
    CHECK(scanned.exit_code == 0);
    CHECK_THAT(scanned.out, Catch::Contains("\n    " + pair));
    CHECK_THAT(scanned.out, Catch::Contains("0 messages to copy (0.0 KB) in 2 folders; 0 folders "
                                            "to create."));
    ProcessResult json =
        run_mailsync({"plan", "--scan-migrations", "--format", "json", "config"}, options);
    nlohmann::json planned = nlohmann::json::parse(json.out);
    CHECK(schema_file_violations("plan.schema.json", planned).empty());
    CHECK(planned["migrations"][0]["pending"] == false);

    // A new message at the source is something to copy again.
    fill(source, user(25), password(25), {{"INBOX", "", "", text_message("f3@x", "f", "3")}});
    ProcessResult again =
        run_mailsync({"plan", "--scan-migrations", "--detailed-exitcode", "config"}, options);
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.out, Catch::Contains("\n  ~ " + pair + "        INBOX: 1 message to copy"));
}
