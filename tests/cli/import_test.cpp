// `mailsync import` end to end: the samples import, validate and plan as expected; bad input is
// reported and skipped; existing files are kept; no secret of the input is written or printed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

const std::string samples = MAILSYNC_SOURCE_DIR "/samples/import/";

// Every file below `dir`, relative path → text.
std::map<std::string, std::string> files_below(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file())
            out[fs::relative(entry.path(), dir).generic_string()] = read_file(entry.path());
    }
    return out;
}

// The text without its comment lines (the header names the input and the schema's path).
std::string without_comments(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        end = end == std::string::npos ? text.size() : end + 1;
        if (text[start] != '#')
            out += text.substr(start, end - start);
        start = end;
    }
    return out;
}

// (action kind name) of each action `plan --format json` lists, in order.
std::vector<std::string> planned(const std::string& out_dir, const TempDir& state) {
    RunOptions options;
    options.env = fill_env_example(out_dir + "/.env.example");
    ProcessResult validate = run_mailsync({"validate", out_dir}, options);
    INFO(validate.out << validate.err);
    CHECK(validate.exit_code == 0);
    ProcessResult plan =
        run_mailsync({"plan", out_dir, "--format", "json", "--target",
                      "sqlite:" + state.file("target.db"), "--state", state.file("state.db")},
                     options);
    INFO(plan.err);
    REQUIRE(plan.exit_code == 0);
    std::vector<std::string> actions;
    nlohmann::json document = nlohmann::json::parse(plan.out);
    for (const auto& action : document["actions"])
        actions.push_back(action["action"].get<std::string>() + " " +
                          action["kind"].get<std::string>() + " " +
                          action["name"].get<std::string>());
    return actions;
}

} // namespace

TEST_CASE("the Server export sample imports, validates and plans the clients first",
          "[cli][import]") {
    TempDir dir;
    std::string out = dir.file("cloud");
    ProcessResult imported = run_mailsync({"import", samples + "server-export.json", "--out", out});
    INFO(imported.err);
    REQUIRE(imported.exit_code == 0);
    CHECK(imported.out.starts_with("Imported 2 OAuth2 clients, 4 mail accounts and 2 SMTP "
                                   "connections from "));
    CHECK(imported.out.find("8 secrets to fill in") != std::string::npos);
    // the one warning: a name a target name cannot hold
    CHECK(imported.err.find("warning: MailAccount 'Sales (POP)' is written as 'Sales POP'") !=
          std::string::npos);
    TempDir state;
    CHECK(planned(out, state) == std::vector<std::string>{
                                     "create OAuth2Client Google Workspace",
                                     "create OAuth2Client Contoso M365",
                                     "create MailAccount Support Inbox",
                                     "create MailAccount Sales POP",
                                     "create SmtpConnection Outgoing main",
                                     "create MailAccount Helpdesk Gmail",
                                     "create MailAccount Billing M365",
                                     "create SmtpConnection Outgoing Gmail",
                                 });
    // what samples/import/from-server-export shows is what import writes
    std::map<std::string, std::string> written = files_below(out);
    std::map<std::string, std::string> shown = files_below(samples + "from-server-export");
    CHECK(written.contains("mailsync.schema.json")); // no schemas/ above the temporary folder
    written.erase("mailsync.schema.json");
    REQUIRE(written.size() == shown.size());
    for (const auto& [path, text] : shown) {
        INFO(path);
        CHECK(without_comments(written[path]) == without_comments(text));
    }
    CHECK(written["mail-accounts.yaml"].find("# yaml-language-server: $schema=mailsync.schema."
                                             "json\n") != std::string::npos);
    CHECK(shown["mail-accounts.yaml"].find("# yaml-language-server: $schema=../../../schemas/"
                                           "mailsync.schema.json\n") != std::string::npos);
}

TEST_CASE("both CSV styles import, validate and plan the clients first", "[cli][import]") {
    TempDir dir;
    ProcessResult comma =
        run_mailsync({"import", samples + "accounts.csv", "--out", dir.file("comma")});
    INFO(comma.err);
    REQUIRE(comma.exit_code == 0);
    CHECK(comma.err.empty());
    TempDir state;
    CHECK(planned(dir.file("comma"), state) ==
          std::vector<std::string>{"create MailAccount Support Inbox", "create MailAccount Sales",
                                   "create MailAccount Gmail helpdesk",
                                   "create MailAccount Office billing"});
    std::string accounts = read_file(dir.file("comma/mail-accounts.yaml"));
    CHECK(accounts.find("description: Support desk inbox, first line\n") != std::string::npos);
    CHECK(accounts.find("description: \"Two lines\\nof description\"\n") != std::string::npos);
    CHECK(accounts.find("host: outlook.office365.com\n  port: 993\n") != std::string::npos);

    ProcessResult semicolon = run_mailsync(
        {"import", samples + "accounts-semicolon.csv", "--out", dir.file("semicolon"), "--split"});
    INFO(semicolon.err);
    REQUIRE(semicolon.exit_code == 0);
    TempDir state2;
    CHECK(planned(dir.file("semicolon"), state2) ==
          std::vector<std::string>{// what depends on no other first, then the rest
                                   "create OAuth2Client Google Workspace",
                                   "create MailAccount Archive", "create SmtpConnection Outgoing",
                                   "create MailAccount Helpdesk",
                                   "create SmtpConnection Outgoing Gmail"});
    // --split: one file per resource, below the collection's folder
    CHECK(fs::exists(dir.file("semicolon/oauth2-clients/Google-Workspace.yaml")));
    CHECK(fs::exists(dir.file("semicolon/smtp-connections/Outgoing-Gmail.yaml")));
    CHECK(read_file(dir.file("semicolon/mail-accounts/Helpdesk.yaml"))
              .find("$schema=../mailsync.schema.json") != std::string::npos);
}

TEST_CASE("import keeps files that exist unless --force", "[cli][import]") {
    TempDir dir;
    std::string out = dir.file("out");
    fs::create_directories(out);
    write_file(out + "/mail-accounts.yaml", "# mine\n");
    ProcessResult refused = run_mailsync({"import", samples + "accounts.csv", "--out", out});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("mail-accounts.yaml already exists; import writes new files only "
                           "(--force overwrites them)") != std::string::npos);
    CHECK(read_file(out + "/mail-accounts.yaml") == "# mine\n");
    CHECK_FALSE(fs::exists(out + "/.env.example"));
    ProcessResult forced =
        run_mailsync({"import", samples + "accounts.csv", "--out", out, "--force"});
    CHECK(forced.exit_code == 0);
    CHECK(read_file(out + "/mail-accounts.yaml").find("name: Sales\n") != std::string::npos);
}

TEST_CASE("a second import into the same folder adds its variables to .env.example",
          "[cli][import]") {
    TempDir dir;
    std::string out = dir.file("config");
    REQUIRE(run_mailsync({"import", samples + "server-export.json", "--out", out}).exit_code == 0);
    // The administrator fills in a value; a second import must keep it.
    std::string listed = read_file(out + "/.env.example");
    std::size_t at = listed.find("MAIL_SUPPORT_INBOX_PASSWORD=\n");
    REQUIRE(at != std::string::npos);
    listed.insert(at + std::string("MAIL_SUPPORT_INBOX_PASSWORD=").size(), "kept-value");
    // As dotenv allows it: an `export` in front, which the merge must still recognise.
    std::size_t google = listed.find("OAUTH2_GOOGLE_WORKSPACE_CLIENT_SECRET=");
    REQUIRE(google != std::string::npos);
    listed.insert(google, "export ");
    write_file(out + "/.env.example", listed);
    fs::permissions(out + "/.env.example", fs::perms::owner_read | fs::perms::owner_write);

    ProcessResult second =
        run_mailsync({"import", samples + "accounts-semicolon.csv", "--out", out, "--split"});
    INFO(second.out << second.err);
    CHECK(second.exit_code == 0);
    std::string merged = read_file(out + "/.env.example");
    CHECK(merged.starts_with(listed)); // the first import's entries as they were
    CHECK(merged.find("MAIL_SUPPORT_INBOX_PASSWORD=kept-value\n") != std::string::npos);
    // Filled in and made 0600, it stays 0600.
    CHECK((fs::status(out + "/.env.example").permissions() & fs::perms::mask) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(merged.find("\nMAIL_ARCHIVE_PASSWORD=\n") != std::string::npos);
    CHECK(merged.find("\nSMTP_OUTGOING_PASSWORD=\n") != std::string::npos);
    // Listed once, though both inputs have a Google Workspace client and an Outgoing Gmail.
    for (const char* variable :
         {"OAUTH2_GOOGLE_WORKSPACE_CLIENT_SECRET=", "SMTP_OUTGOING_GMAIL_REFRESH_TOKEN="}) {
        INFO(variable);
        std::size_t first = merged.find(variable);
        CHECK(first != std::string::npos);
        CHECK(merged.find(variable, first + 1) == std::string::npos);
    }
}

TEST_CASE("no secret of a broken input is printed: an open quote, bad JSON, a misspelt key",
          "[cli][import]") {
    TempDir dir;
    struct Input {
        std::string file;
        std::string text;
        std::string secret;
        std::string said; // a part of what import must say about it
    };
    const std::vector<Input> inputs{
        {"open-quote.csv",
         "name,protocol,host,username,password,port,encryption\n"
         "p1,imap,imap.example.com,a@example.com,\"Open-QQ-1,993,ssl\n",
         "Open-QQ-1", "open-quote.csv:2:40: error: this quote is not closed"},
        {"open-quote-later.csv",
         "name,protocol,host,username,password,port,encryption\n"
         "p1,imap,imap.example.com,a@example.com,Before-QQ-2,\"993,ssl\n",
         "Before-QQ-2", "this quote is not closed"},
        {"line-break.json",
         "{\"exportVersion\": 1, \"incomingMailAccounts\": [{\"Name\": \"A\", \"Password\": "
         "\"Broken-QQ-3\n\"}]}\n",
         "Broken-QQ-3", "error: not valid JSON: "},
        {"misspelt.json",
         "{\"exportVersion\": 1, \"incomingMailAccounts\": [{\"Name\": \"A\", \"Protocol\": "
         "\"IMAP\", \"Host\": \"h.example.com\", \"Username\": \"u@example.com\", "
         "\"Passwrd\": \"Misspelt-QQ-4\", \"Port\": \"99x3\"}]}\n",
         "Misspelt-QQ-4", "did you mean 'password'?"},
        {"unknown-values.json",
         "{\n  \"exportVersion\": 1,\n  \"incomingMailAccounts\": [\n    {\n      \"Name\": "
         "\"A\",\n      \"Passwrd\": 98765QQ,\n      \"Extra\": {\n        \"Password\": "
         "\"Nested-QQ-5\"\n      },\n      \"More\": [\"Listed-QQ-6\"],\n      \"Port\": "
         "\"99x3\"\n    }\n  ],\n  \"oauth2Credential\": [{\"Client Secret\": "
         "\"Section-QQ-7\"}]\n}\n",
         "QQ", "error: not valid JSON"},
        {"unknown-section.json",
         "{\"exportVersion\": 1, \"incomingMailAccounts\": [{\"Name\": \"A\", \"Passwrd\": "
         "987654, \"Extra\": {\"Password\": \"Nested-QQ-8\"}, \"More\": [\"Listed-QQ-9\"], "
         "\"Port\": \"99x3\"}], \"oauth2Credential\": [{\"Client Secret\": "
         "\"Section-QQ-10\"}]}\n",
         "987654", "'oauth2Credential' is not a section of a Server export"},
        {"no-header.csv",
         "Support Inbox,imap,imap.example.com,993,ssl,support@example.com,Header-QQ-11,desc\n",
         "Header-QQ-11", "error: the first line is not a header: 8 of its 8 cells name no column"},
    };
    for (const Input& input : inputs) {
        INFO(input.file);
        write_file(dir.file(input.file), input.text);
        ProcessResult result =
            run_mailsync({"import", dir.file(input.file), "--out", dir.file("out-" + input.file)});
        INFO(result.out << result.err);
        CHECK(result.exit_code != 0);
        CHECK(result.err.find(input.said) != std::string::npos);
        CHECK(result.out.find("QQ") == std::string::npos);
        CHECK(result.err.find("QQ") == std::string::npos);
        CHECK(result.err.find(input.secret) == std::string::npos);
    }
    // A migration CSV cut short by an open quote: the rows before it are imported, the one it
    // opens is left out, said, and hidden, and the exit code says so.
    write_file(dir.file("migrations.csv"),
               "login_source;pass_source;host_source;type_messagerie;login_destination;"
               "subscribed_only\na@x.example;pw-1;imap.x.example;default;a@y.example;False\n"
               "b@x.example;\"Open-QQ-12;imap.x.example;default;b@y.example;False\n");
    ProcessResult migrations =
        run_mailsync({"import", dir.file("migrations.csv"), "--out", dir.file("out-migrations"),
                      "--destination-host", "mail.y.example"});
    INFO(migrations.out << migrations.err);
    CHECK(migrations.exit_code == 2);
    CHECK(migrations.err.find("this quote is not closed") != std::string::npos);
    CHECK(migrations.err.find("1 of 2 not imported") != std::string::npos);
    CHECK(migrations.err.find("QQ") == std::string::npos);
}

TEST_CASE("import exit codes: 2 when rows are skipped, 1 when nothing can be read",
          "[cli][import]") {
    TempDir dir;
    write_file(dir.file("some.csv"), "name,protocol,host,port,encryption,username,password\n"
                                     "good,imap,imap.example.com,993,ssl,g@example.com,pw-1\n"
                                     "bad,imap,imap.example.com,99x3,ssl,b@example.com,pw-2\n");
    ProcessResult some = run_mailsync({"import", dir.file("some.csv"), "--out", dir.file("a")});
    CHECK(some.exit_code == 2);
    CHECK(some.err.find("some.csv:3:27: error: MailAccount 'bad': port '99x3' is not a port "
                        "number (1 to 65535)") != std::string::npos);
    CHECK(some.err.find("1 of 2 not imported: see the errors above.") != std::string::npos);
    CHECK(read_file(dir.file("a/mail-accounts.yaml")).find("name: good") != std::string::npos);

    write_file(dir.file("broken.json"), "{\"incomingMailAccounts\": [");
    ProcessResult broken =
        run_mailsync({"import", dir.file("broken.json"), "--out", dir.file("b")});
    CHECK(broken.exit_code == 1);
    CHECK(broken.err.find("broken.json:1:27: error: not valid JSON") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("b")));

    ProcessResult missing = run_mailsync({"import", dir.file("nope.csv"), "--out", dir.file("c")});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("nope.csv") != std::string::npos);

    write_file(dir.file("header-only.csv"), "name,protocol,host,username,password\n");
    ProcessResult empty =
        run_mailsync({"import", dir.file("header-only.csv"), "--out", dir.file("d")});
    CHECK(empty.exit_code == 0);
    CHECK(empty.out.find("holds nothing to import; no files written.") != std::string::npos);
}

TEST_CASE("no password of the input is in any file import writes or anything it prints",
          "[cli][import][secrets]") {
    TempDir dir;
    // The sample's secrets, and a CSV whose every row has something wrong or worth a warning.
    std::vector<std::string> secrets{
        "gw-client-secret-Q7w9", "m365-client-secret-Zx81", "support-imap-Pa55", "sales-pop-Pa55",
        "support-smtp-Pa55",     "row-secret-1a",           "row-secret-2b",     "row-secret-3c"};
    write_file(dir.file("bad.csv"),
               "name;protocol;host;port;encryption;username;password\n"
               "a;imap;imap.example.com;99x3;ssl;a@example.com;row-secret-1a\n"
               "b,imap,imap.example.com,993,ssl,b@example.com,row-secret-2b\n"
               "c;pop3;pop.example.com;110;none;c@example.com;row-secret-3c\n");
    std::string printed;
    for (const auto& [input, out] : std::vector<std::pair<std::string, std::string>>{
             {samples + "server-export.json", dir.file("json")},
             {dir.file("bad.csv"), dir.file("csv")},
             {dir.file("bad.csv"), dir.file("csv-split")}}) {
        std::vector<std::string> args{"import", input, "--out", out};
        if (out.ends_with("split"))
            args.push_back("--split");
        ProcessResult result = run_mailsync(args);
        printed += result.out + result.err;
        for (const auto& [path, text] : files_below(out))
            printed += text;
    }
    CHECK(printed.find("error: MailAccount 'a': port '99x3'") != std::string::npos);
    CHECK(printed.find("this row has 1 field") != std::string::npos);
    CHECK(printed.find("warning: MailAccount 'c': encryption none") != std::string::npos);
    for (const std::string& secret : secrets) {
        INFO(secret);
        CHECK(printed.find(secret) == std::string::npos);
    }
}

TEST_CASE("seed 004's migration CSV becomes MailboxMigration resources", "[cli][import]") {
    TempDir dir;
    std::string out = dir.file("out");
    ProcessResult imported =
        run_mailsync({"import", samples + "migrations.csv", "--out", out, "--destination-host",
                      "mail.example.com", "--destination-domain", "example.com"});
    INFO(imported.out << imported.err);
    REQUIRE(imported.exit_code == 0);
    CHECK_THAT(imported.out, Catch::StartsWith("Imported 5 mailbox migrations from"));
    std::string yaml = read_file(out + "/mailbox-migrations.yaml");
    // Case kept; the account name completed with the domain; gmail's server left to the type.
    CHECK_THAT(yaml, Catch::Contains("username: \"John.Doe@gmail.com\"\n"));
    CHECK_THAT(yaml, Catch::Contains("username: \"John.Doe@example.com\"\n"));
    CHECK_THAT(yaml, Catch::Contains("    type: gmail\n    username:"));
    CHECK_THAT(yaml, Catch::Contains("    type: domino\n    host: \"domino.server\"\n"));
    CHECK_THAT(yaml, Catch::Contains("subscribedOnly: true"));
    // Gmail's views are left out by the type, and the file says so where a reviewer reads it.
    CHECK_THAT(yaml, Catch::Contains("  subscribedOnly: false\n  # type gmail: Gmail's views of "
                                     "the other folders, [Gmail]/All Mail, Important and\n  # "
                                     "Starred, are left out; folders.include copies those it "
                                     "names.\n"));
    CHECK(yaml.find("# type gmail") == yaml.rfind("# type gmail"));
    CHECK_THAT(yaml,
               Catch::Contains("password: \"${env:MIGRATION_MY_LOGIN_COM_SOURCE_PASSWORD}\""));
    for (std::string secret : {"myPass", "passtest", "gpass"})
        CHECK(yaml.find(secret) == std::string::npos);

    RunOptions options;
    options.env = fill_env_example(out + "/.env.example");
    ProcessResult validate = run_mailsync({"validate", out}, options);
    INFO(validate.out << validate.err);
    CHECK(validate.exit_code == 0);
    CHECK_THAT(validate.out, Catch::Contains("5 MailboxMigration"));

    // One shared ("magic") password for every destination instead of one variable each.
    ProcessResult shared =
        run_mailsync({"import", samples + "migrations.csv", "--out", dir.file("shared"),
                      "--destination-host", "mail.example.com", "--destination-domain",
                      "example.com", "--destination-shared-password", "MAGIC_PASSWORD"});
    CHECK(shared.exit_code == 0);
    CHECK_THAT(read_file(dir.file("shared/mailbox-migrations.yaml")),
               Catch::Contains("admin: { password: \"${env:MAGIC_PASSWORD}\" }"));
}

TEST_CASE("a bad migration CSV row is reported at its cell and left out", "[cli][import]") {
    TempDir dir;
    write_file(dir.file("m.csv"),
               "login_source;pass_source;host_source;type_messagerie;login_destination;"
               "subscribed_only\n"
               "a@x.com;Secret-One;imap.x.com;exchnge;a;False\n"
               "b@x.com;Secret-Two;;default;b@example.com;False\n"
               "c@x.com;Secret-Three;imap.x.com;default;c@example.com;Maybe\n"
               "d@x.com;Secret-Four;imap.x.com;default;d;\n"
               "e@x.com;Secret-Five;imap.x.com;default;e@example.com;True\n"
               ";Secret-Six;bad host!;exchnge;;Maybe\n");
    ProcessResult imported =
        run_mailsync({"import", dir.file("m.csv"), "--out", dir.file("out"), "--destination-host",
                      "mail.example.com", "--destination-domain", "example.com"});
    CHECK(imported.exit_code == 2);
    CHECK_THAT(imported.err, Catch::Contains("m.csv:2:") &&
                                 Catch::Contains("unknown type_messagerie 'exchnge'") &&
                                 Catch::Contains("did you mean 'exchange'"));
    CHECK_THAT(imported.err, Catch::Contains("m.csv:3:") &&
                                 Catch::Contains("host_source is empty and type default"));
    CHECK_THAT(imported.err, Catch::Contains("subscribed_only is True or False, not 'Maybe'"));
    // Every problem of a row is said, not only its first.
    for (std::string problem : {"m.csv:7:1: error: login_source is empty",
                                "m.csv:7:13: error: host_source 'bad host!' is not a host name",
                                "m.csv:7:23: error: unknown type_messagerie 'exchnge'",
                                "m.csv:7:31: error: login_destination is empty",
                                "m.csv:7:32: error: subscribed_only is True or False, not 'Maybe'"})
        CHECK_THAT(imported.err, Catch::Contains(problem));
    CHECK_THAT(imported.out, Catch::StartsWith("Imported 2 mailbox migrations from"));
    for (std::string secret :
         {"Secret-One", "Secret-Two", "Secret-Three", "Secret-Four", "Secret-Six"}) {
        CHECK(imported.out.find(secret) == std::string::npos);
        CHECK(imported.err.find(secret) == std::string::npos);
    }
}

TEST_CASE("one run of a migration CSV import names every missing option, and the rows' errors",
          "[cli][import]") {
    TempDir dir;
    write_file(dir.file("m.csv"),
               "login_source;pass_source;host_source;type_messagerie;login_destination;"
               "subscribed_only\n"
               "a@x.com;Secret-One;imap.x.com;default;a;False\n"
               "b@x.com;Secret-Two;imap.x.com;exchnge;b@example.com;False\n"
               "c@x.com;Secret-Three;imap.x.com;default;c;False\n");
    ProcessResult bare = run_mailsync({"import", dir.file("m.csv"), "--out", dir.file("out")});
    CHECK(bare.exit_code == 1);
    std::string file = dir.file("m.csv");
    CHECK_THAT(bare.err, Catch::StartsWith(file + ":1:1: error: missing option --destination-host "
                                                  "HOST: the destination IMAP server is not in "
                                                  "the CSV\n"));
    CHECK_THAT(bare.err, Catch::Contains(file +
                                         ":1:1: error: missing option --destination-domain "
                                         "DOMAIN: 2 login_destinations have no '@' (the "
                                         "first, 'a', at " +
                                         file + ":2:39)\n"));
    CHECK_THAT(bare.err, Catch::Contains(file + ":3:31: error: unknown type_messagerie 'exchnge'"));
    CHECK_THAT(bare.err,
               Catch::EndsWith("Nothing imported from " + file + "; no files written.\n"));
    CHECK_FALSE(std::filesystem::exists(dir.file("out")));

    // The options it named are all that the next run needs.
    ProcessResult second =
        run_mailsync({"import", dir.file("m.csv"), "--out", dir.file("out"), "--destination-host",
                      "mail.example.com", "--destination-domain", "example.com"});
    CHECK(second.exit_code == 2);
    CHECK_THAT(second.out, Catch::StartsWith("Imported 2 mailbox migrations from"));
    CHECK(second.err.find("missing option") == std::string::npos);
}
