// MailboxMigration against two real Dovecot servers: the tests fill a source mailbox over IMAP,
// run `mailsync plan` and `apply`, and read both mailboxes back message by message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migrate/folders.hpp"
#include "migrate/mailboxes.hpp"
#include "support/json_schema.hpp"

using namespace mailsync;
using namespace mailsync::test;

TEST_CASE("a mailbox is copied whole: folders, non-ASCII names, flags, dates, bytes, once") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    std::string twenty_mb = "From: big@example.org\r\nMessage-ID: <big@example.org>\r\n"
                            "Subject: 20 MB\r\n\r\n";
    while (twenty_mb.size() < 20'000'000)
        twenty_mb += std::string(998, 'x') + "\r\n";
    std::vector<Fill> messages = {
        {"INBOX", "\\Seen", "17-Jul-1996 02:44:25 -0700", text_message("one@x", "one", "1")},
        {"INBOX", "\\Seen \\Flagged $Label1", "01-Jan-2020 00:00:00 +0000",
         text_message("two@x", "two", "2")},
        {"INBOX", "", "05-Mar-2021 12:30:00 +0530", text_message("", "no Message-ID", "3")},
        {"INBOX", "\\Answered", "06-Mar-2021 12:30:00 +0100", with_attachment("att@x", 300'000)},
        {"Projets/2026", "\\Seen", "02-Feb-2026 08:00:00 +0100", text_message("p@x", "p", "4")},
        {"Entwürfe", "\\Draft", "03-Feb-2026 08:00:00 +0100", text_message("d@x", "d", "5")},
        {"Archiv/Ärger/ß & co", "", "04-Feb-2026 08:00:00 +0100", text_message("a@x", "a", "6")},
        {"Big", "", "05-Feb-2026 08:00:00 +0000", twenty_mb},
    };
    fill(source, user(1), password(1), messages);
    // The same message twice in a folder is kept twice.
    fill(source, user(1), password(1), {messages[0]});

    TempDir dir;
    write_file(dir.file("config/m1.yaml"),
               migration_yaml("m1", password_side(source, 1), password_side(destination, 1)));
    RunOptions options = migrate_options(dir);

    ProcessResult plan =
        run_mailsync({"plan", "config", "--scan-migrations", "--format", "json"}, options);
    INFO(plan.err);
    REQUIRE(plan.exit_code == 0);
    nlohmann::json planned = nlohmann::json::parse(plan.out);
    CHECK(schema_file_violations("plan.schema.json", planned).empty());
    nlohmann::json migrations = planned["migrations"];
    REQUIRE(migrations.size() == 1);
    CHECK(migrations[0]["messages"] == 9);
    std::set<std::string> created;
    for (const auto& folder : migrations[0]["folders"])
        if (folder["create"].get<bool>())
            created.insert(folder["destination"].get<std::string>());
    CHECK(created.contains("Entwürfe"));
    CHECK(created.contains("Archiv/Ärger/ß & co"));
    CHECK(created.contains("Projets/2026"));

    ProcessResult text_plan =
        run_mailsync({"plan", "config", "--scan-migrations", "--detailed-exitcode"}, options);
    CHECK(text_plan.exit_code == 2);
    CHECK_THAT(text_plan.out, Catch::Contains("+ Archiv/Ärger/ß & co: 1 message to copy"));

    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(apply.out << apply.err);
    REQUIRE(apply.exit_code == 0);
    CHECK_THAT(apply.out, Catch::Contains("COMPLETED m1: 9 messages copied"));

    std::vector<Stored> at_source = read_all(source, user(1), password(1));
    std::vector<Stored> at_destination = read_all(destination, user(1), password(1));
    CHECK(at_source.size() == 9);
    CHECK(at_source == at_destination);
    // The destination's hierarchy uses its own delimiter.
    imap::Connection box = open_box(destination, user(1), password(1));
    std::vector<imap::Response> listed;
    REQUIRE(box.run("LIST \"\" \"Archiv*\"", "list", &listed));
    std::set<std::string> names;
    for (const imap::Response& entry : listed)
        names.insert(entry.data[2].text);
    CHECK(names.contains("Archiv.&AMQ-rger.&AN8- &- co"));
    box.close();

    ProcessResult again = run_mailsync({"apply", "--auto-approve", "config"}, options);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.out, Catch::Contains("COMPLETED m1: up to date: nothing left to copy"));
    CHECK(read_all(destination, user(1), password(1)) == at_source);
    ProcessResult quiet = run_mailsync({"plan", "config", "--detailed-exitcode"}, options);
    INFO(quiet.out << quiet.err);
    CHECK(quiet.exit_code == 0);

    ProcessResult status = run_mailsync({"status", "--config", "config"}, options);
    CHECK_THAT(status.out, Catch::Contains("COMPLETED  m1"));
    CHECK_THAT(status.out, Catch::Contains("9/9 messages"));
}

TEST_CASE("a run killed halfway resumes and ends identical, without duplicates") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    std::vector<Fill> messages;
    for (int i = 0; i < 600; ++i)
        messages.push_back(
            {i % 3 == 0 ? "Archive" : "INBOX", i % 2 ? "\\Seen" : "", "10-Oct-2025 10:00:00 +0000",
             i % 10 == 0
                 ? text_message("", fmt::format("no id {}", i), std::string(40'000 + i, 'n'))
                 : with_attachment(fmt::format("k{}@x", i), 60'000)});
    fill(source, user(2), password(2), messages);

    TempDir dir;
    write_file(dir.file("config/m2.yaml"),
               migration_yaml("m2", password_side(source, 2), password_side(destination, 2)));
    RunOptions options = migrate_options(dir);

    // Kill apply once the destination holds some of the messages, not all.
    Background run = start_mailsync({"apply", "--auto-approve", "config"}, options);
    std::uint32_t seen = wait_for_messages(destination, 2, 60);
    INFO("in INBOX when killed: " << seen);
    kill(run.pid, SIGKILL);
    CHECK(run.wait() == 128 + SIGKILL);
    // Dovecot's side of the killed connection may still be ending its last APPEND.
    wait_until_settled(destination, 2);
    std::size_t copied = read_all(destination, user(2), password(2)).size();
    INFO("copied before the kill: " << copied);
    CHECK(copied > 0);
    CHECK(copied < 600);

    ProcessResult status = run_mailsync({"status", "--config", "config"}, options);
    CHECK_THAT(status.out, Catch::Contains("PENDING    m2"));

    ProcessResult resumed = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.exit_code == 0);
    std::vector<Stored> at_source = read_all(source, user(2), password(2));
    CHECK(at_source.size() == 600);
    CHECK(read_all(destination, user(2), password(2)) == at_source);
    // The mailbox's totals, not those of the resumed run alone.
    ProcessResult finished = run_mailsync({"status", "--config", "config"}, options);
    CHECK_THAT(finished.out,
               Catch::Contains(fmt::format("COMPLETED  {:<24}  600/600 messages", "m2")));
}

TEST_CASE("administrator and magic-password logins copy for the user") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(3), password(3),
         {{"INBOX", "\\Seen", "", text_message("admin@x", "by the admin", "a")}});
    fill(source, user(4), password(4),
         {{"INBOX", "", "", text_message("authzid@x", "by authzid", "b")}});

    TempDir dir;
    // Dovecot's master user (USER*admin) at the source, the shared password at the destination.
    Side master{&source, user(3),
                "{ admin: { user: admin, password: \"${env:ADMIN_PASSWORD}\", login: master } }"};
    Side authzid{&source, user(4),
                 "{ admin: { user: admin, password: \"${env:ADMIN_PASSWORD}\" } }"};
    auto magic = [&](int n) {
        return Side{&destination, user(n), "{ admin: { password: \"${env:MAGIC_PASSWORD}\" } }"};
    };
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m3", master, magic(3)) + migration_yaml("m4", authzid, magic(4)));
    RunOptions options = migrate_options(dir);
    ProcessResult one = run_mailsync({"plan", "config", "--scan-migrations", "--format", "json",
                                      "--select", "MailboxMigration/m4"},
                                     options);
    INFO(one.err);
    REQUIRE(one.exit_code == 0);
    nlohmann::json selected = nlohmann::json::parse(one.out)["migrations"];
    REQUIRE(selected.size() == 1);
    CHECK(selected[0]["name"] == "m4");
    CHECK(selected[0]["messages"] == 1);
    ProcessResult unknown =
        run_mailsync({"plan", "config", "--select", "MailboxMigration/m9"}, options);
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.err, Catch::Contains("--select MailboxMigration/m9: no such resource in "
                                            "the configuration"));

    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(apply.out << apply.err);
    REQUIRE(apply.exit_code == 0);
    CHECK(read_all(destination, user(3), password(3)) == read_all(source, user(3), password(3)));
    CHECK(read_all(destination, user(4), password(4)) == read_all(source, user(4), password(4)));
    for (std::string secret : {"admin-password", "magic-password", "m3-password"}) {
        CHECK(apply.out.find(secret) == std::string::npos);
        CHECK(apply.err.find(secret) == std::string::npos);
        CHECK(read_file(dir.file("config/.mailsync/state.db")).find(secret) == std::string::npos);
    }
}

TEST_CASE("failures are reported per mailbox and never stop the others") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(5), password(5),
         {{"INBOX", "", "", text_message("s1@x", "small", "1")},
          {"INBOX", "", "", with_attachment("big@x", 1'500'000)},
          {"INBOX", "", "", text_message("s2@x", "small", "2")}});
    std::vector<Fill> many;
    for (int i = 0; i < 10; ++i)
        many.push_back({"INBOX", "", "", with_attachment(fmt::format("q{}@x", i), 60'000)});
    fill(source, user(6), password(6), many);
    fill(source, user(7), password(7), {{"INBOX", "", "", text_message("ok@x", "fine", "ok")}});

    TempDir dir;
    Side wrong{&source, user(7), "{ password: wrong-password }"};
    Side nobody{&destination, "nobody@example.test", "{ password: \"${env:M7_PASSWORD}\" }"};
    Side small{&destination, "small@example.test", "{ password: small-password }"};
    Side full{&destination, "full@example.test", "{ password: full-password }"};
    write_file(dir.file("config/m.yaml"),
               migration_yaml("bad-login", wrong, password_side(destination, 7)) +
                   migration_yaml("no-mailbox", password_side(source, 7), nobody) +
                   migration_yaml("too-big", password_side(source, 5), small) +
                   migration_yaml("over-quota", password_side(source, 6), full) +
                   migration_yaml("fine", password_side(source, 7), password_side(destination, 7)));
    RunOptions options = migrate_options(dir);
    ProcessResult apply =
        run_mailsync({"apply", "--auto-approve", "--parallelism", "2", "config"}, options);
    INFO(apply.out << apply.err);
    CHECK(apply.exit_code == 1);
    CHECK_THAT(apply.out, Catch::Contains("COMPLETED fine: 1 message copied"));
    CHECK(read_all(destination, user(7), password(7)).size() == 1);

    ProcessResult status =
        run_mailsync({"status", "--format", "json", "--config", "config"}, options);
    nlohmann::json status_json = nlohmann::json::parse(status.out);
    CHECK(schema_file_violations("status.schema.json", status_json).empty());
    nlohmann::json tasks = status_json["migrations"];
    std::map<std::string, std::pair<std::string, std::string>> by_name;
    for (const auto& task : tasks)
        by_name[task["name"]] = {task["status"], task["message"]};
    CHECK(by_name["fine"].first == "COMPLETED");
    CHECK(by_name["bad-login"].first == "ERROR");
    CHECK_THAT(by_name["bad-login"].second, Catch::Contains("source localhost:") &&
                                                Catch::Contains("log in: NO") &&
                                                Catch::Contains("AUTHENTICATIONFAILED"));
    CHECK(by_name["no-mailbox"].first == "ERROR");
    CHECK_THAT(by_name["no-mailbox"].second, Catch::Contains("destination localhost:") &&
                                                 Catch::Contains("must exist before migration"));
    CHECK(by_name["too-big"].first == "ERROR");
    CHECK_THAT(by_name["too-big"].second,
               Catch::Contains("1 message not copied: folder 'INBOX' UID 2") &&
                   Catch::Contains("too large for the destination"));
    CHECK(read_all(destination, "small@example.test", "small-password").size() == 2);
    CHECK(by_name["over-quota"].first == "ERROR");
    CHECK_THAT(by_name["over-quota"].second, Catch::Contains("quota exceeded at the destination") &&
                                                 Catch::Contains("folder 'INBOX' UID"));
    CHECK(apply.out.find("wrong-password") == std::string::npos);

    // The same run as JSON: each migration with its outcome, as schemas/apply.schema.json says.
    ProcessResult json = run_mailsync(
        {"apply", "--auto-approve", "--parallelism", "2", "--format", "json", "config"}, options);
    CHECK(json.exit_code == 1);
    nlohmann::json report = nlohmann::json::parse(json.out);
    CHECK(report["result"] == "incomplete");
    CHECK(report["migrations"].size() == 5);
    for (const auto& migration : report["migrations"])
        CHECK(migration["status"] == (migration["name"] == "fine" ? "COMPLETED" : "ERROR"));
    CHECK(schema_file_violations("apply.schema.json", report).empty());
}

TEST_CASE("a dropped connection is reconnected and the copy goes on") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    std::vector<Fill> messages;
    for (int i = 0; i < 400; ++i)
        messages.push_back({"INBOX", "", "", with_attachment(fmt::format("r{}@x", i), 60'000)});
    fill(source, user(8), password(8), messages);

    TempDir dir;
    write_file(dir.file("config/m8.yaml"),
               migration_yaml("m8", password_side(source, 8), password_side(destination, 8)));
    RunOptions options = migrate_options(dir);
    std::string log = dir.file("apply.log");
    Background run = start_process(
        {"/bin/sh", "-c", std::string(MAILSYNC_BIN) + " apply --auto-approve config > " + log},
        options);
    std::uint32_t seen = wait_for_messages(destination, 8, 40);
    // Dovecot closes every connection of the user, as a restart or a network cut would.
    ProcessResult kick = run_process(
        {"/usr/bin/doveadm", "-c", destination.dir + "/dovecot.conf", "kick", user(8)}, options);
    INFO(kick.out << kick.err);
    CHECK(run.wait() == 0);
    std::string out = read_file(log);
    INFO(out);
    CHECK_THAT(out, Catch::Contains("COMPLETED m8: "));
    if (seen < 400) { // the kick came while it was copying
        CHECK_THAT(out, Catch::Contains("connection lost: destination localhost:"));
        CHECK_THAT(out, Catch::Contains("reconnect 1 of 5 succeeded"));
    }
    std::vector<Stored> at_source = read_all(source, user(8), password(8));
    CHECK(at_source.size() == 400);
    CHECK(read_all(destination, user(8), password(8)) == at_source);
}
