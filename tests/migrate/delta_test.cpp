// Delta passes: a second apply carries what changed at the source since the first — new
// messages, and flags changed on messages already copied (by CONDSTORE's MODSEQ, or by comparing
// every message's flags for a progress recorded without one); --justfolders makes the folder tree
// only; workers refuse a SQLite state.
#include <catch2/catch.hpp>

#include <filesystem>

#include <fmt/format.h>

#include "migrate/folders.hpp"
#include "migrate/mailboxes.hpp"
#include "util/sqlite.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

void store(imap::Connection& box, const std::string& folder, const std::string& command) {
    REQUIRE(box.run(fmt::format("SELECT {}", *imap::quoted(folder)), "select"));
    REQUIRE(box.run(command, "store"));
}

} // namespace

TEST_CASE("a second pass carries flags changed at the source and the messages added since") {
    // 30: flags found by CONDSTORE (the MODSEQ recorded by the first pass); 31: the same with
    // the MODSEQ forgotten, so that every message's flags are compared.
    bool compare = GENERATE(false, true);
    int n = compare ? 31 : 30;
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    const char* date = "10-Oct-2025 10:00:00 +0000";
    fill(source, user(n), password(n),
         {{"INBOX", "", date, text_message("d1@x", "one", "1")},
          {"INBOX", "\\Seen", date, text_message("d2@x", "two", "2")},
          {"INBOX", "\\Flagged", date, text_message("", "no Message-ID", "3")},
          {"Work", "$Label1", date, text_message("d4@x", "four", "4")}});
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m", password_side(source, n), password_side(destination, n)));
    RunOptions options = migrate_options(dir);
    ProcessResult first = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(read_all(source, user(n), password(n)) == read_all(destination, user(n), password(n)));

    imap::Connection box = open_box(source, user(n), password(n));
    store(box, "INBOX", "UID STORE 1 +FLAGS (\\Seen \\Answered)");
    store(box, "INBOX", "UID STORE 2 -FLAGS (\\Seen)");
    store(box, "INBOX", "UID STORE 3 FLAGS ($Label2)");
    store(box, "Work", "UID STORE 1 FLAGS (\\Flagged)");
    box.close();
    fill(source, user(n), password(n),
         {{"INBOX", "\\Seen", date, text_message("d5@x", "five", "5")},
          {"Work", "", date, text_message("d6@x", "six", "6")}});
    if (compare) {
        auto db = sql::Database::open(dir.file("config/.mailsync/state.db"));
        REQUIRE(db);
        REQUIRE(db->exec("UPDATE migration_folders SET modseq = 0"));
    }

    ProcessResult second = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(second.out << second.err);
    REQUIRE(second.exit_code == 0);
    CHECK_THAT(second.out, Catch::Contains("2 messages copied") &&
                               Catch::Contains("flags of 4 messages carried again"));
    std::vector<Stored> at_source = read_all(source, user(n), password(n));
    CHECK(at_source.size() == 6);
    CHECK(read_all(destination, user(n), password(n)) == at_source);

    ProcessResult third = run_mailsync({"apply", "--auto-approve", "config"}, options);
    CHECK_THAT(third.out, Catch::Contains("COMPLETED m: up to date: nothing left to copy"));
}

TEST_CASE("apply --justfolders creates the folder tree and copies no message") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(32), password(32),
         {{"INBOX", "", "", text_message("j1@x", "one", "1")},
          {"Projects/2026", "", "", text_message("j2@x", "two", "2")},
          {"Archive", "", "", text_message("j3@x", "three", "3")}});
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m", password_side(source, 32), password_side(destination, 32)));
    ProcessResult apply =
        run_mailsync({"apply", "--auto-approve", "--justfolders", "config"}, migrate_options(dir));
    INFO(apply.out << apply.err);
    REQUIRE(apply.exit_code == 0);
    // Archive is made by the destination itself (auto = create in the fixture).
    CHECK_THAT(apply.out, Catch::Contains("folder tree only (--justfolders): 2 folders created"));
    CHECK(read_all(destination, user(32), password(32)).empty());
    imap::Connection box = open_box(destination, user(32), password(32));
    std::vector<imap::Response> listed;
    REQUIRE(box.run("LIST \"\" \"*\"", "list", &listed));
    std::set<std::string> names;
    for (const imap::Response& entry : listed)
        names.insert(entry.data[2].text);
    box.close();
    CHECK(names.contains("Projects"));
    CHECK(names.contains("Projects.2026"));
    CHECK(names.contains("Archive"));
}

TEST_CASE("migrate worker and the queue's controls refuse a SQLite state, naming PostgreSQL") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m", password_side(source, 33), password_side(destination, 33)));
    RunOptions options = migrate_options(dir);
    ProcessResult worker = run_mailsync({"migrate", "worker", "config"}, options);
    CHECK(worker.exit_code == 1);
    CHECK_THAT(worker.err, Catch::Contains("migration workers share a PostgreSQL state (--state "
                                           "postgres://...); a SQLite state is for one machine, "
                                           "where 'mailsync apply' copies every mailbox"));
    ProcessResult pause =
        run_mailsync({"migrate", "pause", "m", "--state", "config/.mailsync/state.db"}, options);
    CHECK(pause.exit_code == 1);
    CHECK_THAT(pause.err, Catch::Contains("migration workers share a PostgreSQL state"));
    CHECK_FALSE(std::filesystem::exists(dir.file("config/.mailsync"))); // refused before making it
    ProcessResult lease = run_mailsync({"migrate", "worker", "config", "--lease", "0s"}, options);
    CHECK(lease.exit_code == 1);
    CHECK_THAT(lease.err, Catch::Contains("'0s' is not a lease from 1s to 24h"));
}
