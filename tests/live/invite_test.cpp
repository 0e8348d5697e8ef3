// `mailsync invite` through Dovecot's submission service: the message reaches the fixture's
// relay, which keeps it (RELAYED_DIR); its link's token verifies, a new invitation revokes it,
// and the token appears nowhere but in the message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>

#include <fmt/format.h>

#include "live/mail_fixture.hpp"
#include "selfservice/invite.hpp"
#include "selfservice/invite_key.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The relayed messages addressed to `to`, oldest first.
std::vector<std::string> relayed_to(const std::string& to) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(mail_fixture().values.at("RELAYED_DIR")))
        if (entry.path().extension() == ".eml")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& file : files) {
        std::string message = read_all(file.string());
        if (message.find("\r\nTo: " + to + "\r\n") != std::string::npos)
            out.push_back(message);
    }
    return out;
}

std::string token_in(const std::string& message) {
    std::smatch found;
    REQUIRE(std::regex_search(message, found,
                              std::regex("https://migrate\\.example\\.test/m/([A-Za-z0-9_.-]+)")));
    return found[1];
}

// An SmtpConnection to the fixture's submission port and a self-service migration of `owner`.
std::string config_yaml(const std::string& owner) {
    mailsync::test::Connection smtp;
    smtp.kind = "SmtpConnection";
    smtp.name = "out";
    smtp.encryption = "starttls";
    smtp.port = mail_fixture().port("SUBMISSION");
    return connection_yaml(smtp) +
           fmt::format("---\napiVersion: mailsync/v1\nkind: MailboxMigration\nmetadata:\n"
                       "  name: bob\nspec:\n  source:\n    host: imap.old.invalid\n"
                       "    username: bob@old.invalid\n    auth:\n      selfService: {{ email: "
                       "{}, expires: 2d }}\n  destination:\n    host: localhost\n    port: {}\n"
                       "    username: bob@example.test\n    auth: {{ password: "
                       "\"${{env:ALICE_PASSWORD}}\" }}\n",
                       owner, mail_fixture().port("IMAPS"));
}

// `invite config` with a base URL, a key in secret/ and a state of the test's own.
std::vector<std::string> invite_args(const TempDir& dir) {
    std::filesystem::create_directories(dir.file("secret"));
    return {"invite",       "config",
            "--base-url",   "https://migrate.example.test/",
            "--invite-key", dir.file("secret/invite.key"),
            "--state",      dir.file("state.db")};
}

RunOptions invite_options(const TempDir& dir) {
    RunOptions options;
    options.env = fixture_secrets();
    options.cwd = dir.path();
    return options;
}

} // namespace

TEST_CASE("invite sends the owner a link through the submission service, once per invitation") {
    TempDir dir;
    std::string owner = "owner-sent@example.test";
    write_file(dir.file("config/m.yaml"), config_yaml(owner));
    std::string key_file = dir.file("secret/invite.key");
    std::filesystem::create_directories(dir.file("secret"));
    std::string state_file = dir.file("state.db");
    std::vector<std::string> args{
        "invite",       "config", "--base-url", "https://migrate.example.test/",
        "--invite-key", key_file, "--state",    state_file};
    RunOptions options = invite_options(dir);

    ProcessResult first = run_mailsync(args, options);
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.out, Catch::StartsWith("invited bob: " + owner + " (link valid until "));
    std::vector<std::string> sent = relayed_to(owner);
    REQUIRE(sent.size() == 1);
    CHECK_THAT(sent[0], Catch::Contains("Subject: Your mailbox is moving: please confirm the "
                                        "migration of bob@old.invalid\r\n"));
    std::string first_token = token_in(sent[0]);

    Result<std::string> key = load_invite_key(key_file, false);
    REQUIRE(key);
    struct stat info {};
    REQUIRE(::stat(key_file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    {
        Result<StateStore> state = StateStore::open(state_file);
        REQUIRE(state);
        Result<InviteClaim> claim = verify_invite(first_token, *key, *state, unix_now());
        REQUIRE(claim);
        CHECK(claim->migration == "bob");
    }

    ProcessResult second = run_mailsync(args, options);
    REQUIRE(second.exit_code == 0);
    sent = relayed_to(owner);
    REQUIRE(sent.size() == 2);
    std::string second_token = token_in(sent[1]);
    CHECK(second_token != first_token);
    {
        Result<StateStore> state = StateStore::open(state_file);
        REQUIRE(state);
        Result<InviteClaim> revoked = verify_invite(first_token, *key, *state, unix_now());
        REQUIRE(!revoked);
        CHECK_THAT(revoked.error().message, Catch::Contains("replaced by a newer one"));
        CHECK(verify_invite(second_token, *key, *state, unix_now()));
    }

    ProcessResult status = run_mailsync({"status", "--state", state_file}, options);
    INFO(status.out << status.err);
    CHECK_THAT(status.out, Catch::Contains("INVITED"));
    CHECK_THAT(status.out, Catch::Contains("invited " + owner + ", link valid until"));

    std::string state_bytes = read_all(state_file) + read_all(state_file + "-wal");
    for (const std::string& token : {first_token, second_token}) {
        std::string id_part = token.substr(0, token.find('.'));
        for (const ProcessResult& run : {first, second, status}) {
            CHECK(run.out.find(id_part) == std::string::npos);
            CHECK(run.err.find(id_part) == std::string::npos);
        }
        CHECK(state_bytes.find(id_part) == std::string::npos);
    }
}

TEST_CASE("invite --dry-run shows the message with the link masked and sends nothing") {
    TempDir dir;
    std::string owner = "owner-dry@example.test";
    write_file(dir.file("config/m.yaml"), config_yaml(owner));
    ProcessResult dry = run_mailsync({"invite", "config", "--dry-run", "--invite-key",
                                      dir.file("invite.key"), "--state", dir.file("state.db")},
                                     [&] {
                                         RunOptions options = invite_options(dir);
                                         options.env["MAILSYNC_SERVE_URL"] =
                                             "http://127.0.0.1:8080";
                                         return options;
                                     }());
    INFO(dry.out << dry.err);
    CHECK(dry.exit_code == 0);
    CHECK_THAT(dry.out, Catch::StartsWith("would send to " + owner + " (MailboxMigration 'bob'):"));
    CHECK_THAT(dry.out, Catch::Contains("\nhttp://127.0.0.1:8080/m/********\n"));
    CHECK(relayed_to(owner).empty());
    CHECK(!std::filesystem::exists(dir.file("state.db")));
    CHECK(!std::filesystem::exists(dir.file("invite.key")));
}

TEST_CASE("invite refuses a missing SmtpConnection, a bad base URL and an open key file") {
    TempDir dir;
    std::string yaml = config_yaml("owner-errors@example.test");
    write_file(dir.file("nosmtp/m.yaml"), yaml.substr(yaml.find("---\napiVersion: mailsync/v1\n"
                                                                "kind: MailboxMigration")));
    write_file(dir.file("config/m.yaml"), yaml);
    write_file(dir.file("open.key"), std::string(64, 'a'));
    ::chmod(dir.file("open.key").c_str(), 0644);
    RunOptions options = invite_options(dir);

    ProcessResult none = run_mailsync(
        {"invite", "nosmtp", "--base-url", "https://m.example.test", "--invite-key", dir.file("k")},
        options);
    CHECK(none.exit_code == 1);
    CHECK_THAT(none.err, Catch::Contains("error: the configuration declares no SmtpConnection to "
                                         "send the invitations through"));

    ProcessResult plain =
        run_mailsync({"invite", "config", "--base-url", "http://migrate.example.test",
                      "--invite-key", dir.file("k")},
                     options);
    CHECK(plain.exit_code == 1);
    CHECK_THAT(plain.err, Catch::Contains("error: the base URL 'http://migrate.example.test' is "
                                          "plain http://"));

    ProcessResult open = run_mailsync({"invite", "config", "--base-url", "https://m.example.test",
                                       "--invite-key", dir.file("open.key")},
                                      options);
    CHECK(open.exit_code == 1);
    CHECK_THAT(open.err, Catch::Contains("error: the invite key file " + dir.file("open.key") +
                                         " can be read or written by others (mode 0644)"));

    ProcessResult no_key =
        run_mailsync({"invite", "config", "--base-url", "https://m.example.test"}, [&] {
            RunOptions o = invite_options(dir);
            o.unset_env.push_back("MAILSYNC_INVITE_KEY_FILE");
            return o;
        }());
    CHECK(no_key.exit_code == 1);
    CHECK_THAT(no_key.err, Catch::Contains("error: no invite key: set MAILSYNC_INVITE_KEY_FILE"));
}

TEST_CASE(
    "invite --template replaces the message, and a line that starts with a dot arrives whole") {
    TempDir dir;
    std::string owner = "owner-template@example.test";
    write_file(dir.file("config/m.yaml"), config_yaml(owner));
    write_file(dir.file("invite.txt"), "Subject: Moving {name} to {destination}\n\n"
                                       ".a line that starts with a dot\n..and two\n{link}\n");
    RunOptions options = invite_options(dir);
    ProcessResult sent =
        run_mailsync({"invite", "config", "--base-url", "https://migrate.example.test",
                      "--invite-key", dir.file("invite.key"), "--template", dir.file("invite.txt"),
                      "--state", dir.file("state.db")},
                     options);
    INFO(sent.out << sent.err);
    REQUIRE(sent.exit_code == 0);
    std::vector<std::string> messages = relayed_to(owner);
    REQUIRE(messages.size() == 1);
    CHECK_THAT(messages[0], Catch::Contains("\r\nSubject: Moving bob to bob@example.test\r\n"));
    CHECK_THAT(messages[0], Catch::Contains("\r\n\r\n.a line that starts with a dot\r\n..and "
                                            "two\r\nhttps://migrate.example.test/m/"));

    write_file(dir.file("bad.txt"), "Subject: {password}\n\n{link}\n");
    ProcessResult bad =
        run_mailsync({"invite", "config", "--base-url", "https://migrate.example.test",
                      "--invite-key", dir.file("invite.key"), "--template", dir.file("bad.txt"),
                      "--state", dir.file("state.db")},
                     options);
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.err, Catch::Contains("error: MailboxMigration 'bob': invitation template, "
                                        "line 1: unknown placeholder {password}"));
    CHECK(relayed_to(owner).size() == 1);
}

TEST_CASE("invite refuses an owner's address that changed since the last invitation, unless "
          "--new-owner") {
    TempDir dir;
    std::string first = "owner-first@example.test";
    std::string second = "owner-second@example.test";
    write_file(dir.file("config/m.yaml"), config_yaml(first));
    std::vector<std::string> args = invite_args(dir);
    RunOptions options = invite_options(dir);
    REQUIRE(run_mailsync(args, options).exit_code == 0);

    write_file(dir.file("config/m.yaml"), config_yaml(second));
    ProcessResult changed = run_mailsync(args, options);
    CHECK(changed.exit_code == 1);
    CHECK_THAT(changed.err,
               Catch::Contains("MailboxMigration 'bob': the owner's address changed since the "
                               "last invitation, which went to " +
                               first + "; make sure the new one is right"));
    CHECK(relayed_to(second).empty());

    args.push_back("--new-owner");
    ProcessResult confirmed = run_mailsync(args, options);
    INFO(confirmed.out << confirmed.err);
    CHECK(confirmed.exit_code == 0);
    CHECK(relayed_to(second).size() == 1);
}

TEST_CASE("invite follows a renamed migration's previous names to the last owner's address") {
    TempDir dir;
    write_file(dir.file("config/m.yaml"), config_yaml("owner-before@example.test"));
    std::vector<std::string> args = invite_args(dir);
    RunOptions options = invite_options(dir);
    REQUIRE(run_mailsync(args, options).exit_code == 0);
    std::string renamed = config_yaml("owner-after@example.test");
    renamed.replace(renamed.find("  name: bob\n"), 12, "  name: bob2\n  previousNames: [bob]\n");
    write_file(dir.file("config/m.yaml"), renamed);
    ProcessResult changed = run_mailsync(args, options);
    INFO(changed.out << changed.err);
    CHECK(changed.exit_code == 1);
    CHECK_THAT(changed.err, Catch::Contains("MailboxMigration 'bob2': the owner's address changed "
                                            "since the last invitation, which went to "
                                            "owner-before@example.test"));
    CHECK(relayed_to("owner-after@example.test").empty());
}
