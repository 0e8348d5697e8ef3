// The README's mailbox migration commands, run as written between the two Dovecot servers of the
// fixture, with a PostgreSQL state for its worker (tests/cli/readme_examples_test.cpp checks
// that every README command is run by some test).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "migrate/mailboxes.hpp"
#include "support/readme_examples.hpp"
#include "support/state_under_test.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the README's mailbox migration commands run as written against Dovecot", "[postgres]") {
    setenv("MAILSYNC_POSTGRES_FIXTURE", MAILSYNC_POSTGRES_FIXTURE_DIR, 0);
    // alice and bob: mailboxes 17 and 18.
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    const char* date = "12-Nov-2025 09:30:00 +0000";
    fill(source, user(17), password(17),
         {{"INBOX", "\\Seen", date, text_message("readme-a1@x", "one", "1")},
          {"INBOX", "", date, text_message("readme-a2@x", "two", "2")},
          {"Projects/2026", "\\Flagged $Label1", date, with_attachment("readme-a3@x", 40'000)}});
    fill(source, user(18), password(18),
         {{"INBOX", "\\Answered", date, text_message("readme-b1@x", "three", "3")}});
    TempDir dir;
    write_file(
        dir.file("config/migrations.yaml"),
        migration_yaml("alice", password_side(source, 17), password_side(destination, 17)) +
            migration_yaml("bob", password_side(source, 18), password_side(destination, 18)));
    RunOptions options = migrate_options(dir);
    StateUnderTest postgres("postgres");
    const Placeholders placeholders{{"postgres://...", postgres.location(dir, "workers")}};

    auto identical = [&] {
        for (int n : {17, 18}) {
            INFO("mailbox " << n);
            CHECK(read_all(destination, user(n), password(n)) ==
                  read_all(source, user(n), password(n)));
        }
    };
    run_readme_block(
        "mailsync plan --scan-migrations config/", placeholders, options,
        {{"mailsync plan --scan-migrations config/",
          [](const ProcessResult& result) {
              CHECK(result.exit_code == 0);
              CHECK(contains(result.out, "  ~ alice  m17@example.test@localhost → "));
              CHECK(contains(result.out, "+ Projects/2026: 1 message to copy"));
              CHECK(contains(result.out, "Migrations: 4 messages to copy, 55.5 KB, in 2 "
                                         "mailboxes."));
          }},
         {"mailsync apply --auto-approve --parallelism 8 config/",
          [&](const ProcessResult& result) {
              CHECK(result.exit_code == 0);
              CHECK(contains(result.out, "COMPLETED alice"));
              CHECK(contains(result.out, "COMPLETED bob"));
              identical();
          }},
         {"mailsync apply --auto-approve --select MailboxMigration/alice config/",
          [](const ProcessResult& result) {
              CHECK(result.exit_code == 0);
              CHECK(contains(result.out, "COMPLETED alice: up to date: nothing left to copy"));
              CHECK_FALSE(contains(result.out, " bob"));
          }},
         {"mailsync status config/",
          [](const ProcessResult& result) {
              CHECK(result.exit_code == 0);
              CHECK(contains(result.out, "COMPLETED  alice"));
              CHECK(contains(result.out, "COMPLETED  bob"));
          }},
         {"mailsync apply --auto-approve --justfolders config/",
          [&](const ProcessResult& result) {
              CHECK(result.exit_code == 0);
              identical();
          }},
         {"mailsync migrate worker --state postgres://... config/",
          [&](const ProcessResult& result) {
              // A new state: the worker queues both, finds every message at the destination
              // and copies none again.
              CHECK(result.exit_code == 0);
              identical();
          }}});
}

TEST_CASE("a worker opens no target: it runs beside a configuration it leaves untouched, and "
          "refuses a state of another target or scope",
          "[postgres]") {
    setenv("MAILSYNC_POSTGRES_FIXTURE", MAILSYNC_POSTGRES_FIXTURE_DIR, 0);
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(19), password(19),
         {{"INBOX", "\\Seen", "", text_message("no-target-1@x", "one", "1")}});
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m19", password_side(source, 19), password_side(destination, 19)));
    RunOptions options = migrate_options(dir);
    StateUnderTest postgres("postgres");
    options.env["MAILSYNC_STATE"] = postgres.location(dir, "no_target");
    // The folder tree first, as docs/migration-at-scale.md has it: the state now belongs to
    // the target this apply named.
    ProcessResult folders = run_mailsync(
        {"apply", "--auto-approve", "--justfolders", "--target", "sqlite:elsewhere.db", "config"},
        options);
    INFO(folders.out << folders.err);
    REQUIRE(folders.exit_code == 0);
    REQUIRE_FALSE(std::filesystem::exists(dir.file("config/.mailsync")));

    // A worker that names another target, or owns another scope, is refused as apply would be:
    // the state is another configuration's.
    ProcessResult other_target =
        run_mailsync({"migrate", "worker", "--target", "sqlite:another.db", "config"}, options);
    CHECK(other_target.exit_code == 1);
    CHECK_THAT(other_target.err, Catch::Contains("belongs to sqlite:elsewhere.db, not "
                                                 "sqlite:another.db"));
    RunOptions scoped = options;
    scoped.env["MAILSYNC_SCOPE"] = "another-team";
    ProcessResult other_scope = run_mailsync({"migrate", "worker", "config"}, scoped);
    CHECK(other_scope.exit_code == 1);
    CHECK_THAT(other_scope.err, Catch::Contains("and this run owns scope 'another-team'"));
    CHECK(read_all(destination, user(19), password(19)).empty());

    ProcessResult worker = run_mailsync({"migrate", "worker", "config"}, options);
    INFO(worker.out << worker.err);
    CHECK(worker.exit_code == 0);
    CHECK(read_all(destination, user(19), password(19)) ==
          read_all(source, user(19), password(19)));
    // Nothing was made below the configuration: it may be a read-only mount (a ConfigMap).
    CHECK_FALSE(std::filesystem::exists(dir.file("config/.mailsync")));
}
