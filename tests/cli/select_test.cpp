// `--select` takes one value per use (`--select A --select B`) in every command that has it, so
// that the paths after it stay paths; and every README example that uses it works as written.
#include <catch2/catch.hpp>

#include <functional>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

std::string account(const std::string& name) {
    return fmt::format("apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: {}\n"
                       "spec:\n  protocol: imap\n  host: 127.0.0.1\n  port: 1\n"
                       "  username: {}@example.com\n"
                       "  auth:\n    password: ${{env:SUPPORT_PASSWORD}}\n---\n",
                       name, name);
}

std::string migration(const std::string& name) {
    auto side = [&](const std::string& domain) {
        return fmt::format("    host: 127.0.0.1\n    port: 1\n    username: {}@{}\n"
                           "    auth: {{ password: \"${{env:SUPPORT_PASSWORD}}\" }}\n",
                           name, domain);
    };
    return fmt::format("apiVersion: mailsync/v1\nkind: MailboxMigration\nmetadata:\n  name: {}\n"
                       "spec:\n  source:\n{}  destination:\n{}---\n",
                       name, side("example.com"), side("example.net"));
}

// config/ holds the README's resources and one more of each kind; the current folder holds YAML
// of its own, which a command that lost its path would read instead.
RunOptions configured(const TempDir& dir) {
    write_file(dir.file("config/all.yaml"), account("support-inbox") + account("billing") +
                                                migration("alice") + migration("bob"));
    write_file(dir.file("decoy.yaml"), account("decoy"));
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SUPPORT_PASSWORD", "pw-select-test"}, {"MAILSYNC_ALLOWED_HOSTS", "127.0.0.1"}};
    return options;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE(
    "the select option takes one value per use in plan, apply and test; the path after it stays a "
    "path",
    "[cli][select]") {
    TempDir dir;
    RunOptions options = configured(dir);

    ProcessResult one =
        run_mailsync({"plan", "--select", "MailAccount/billing", "config/"}, options);
    CHECK(one.exit_code == 0);
    CHECK(contains(one.out, "Selected: MailAccount/billing and what they depend on\n"));
    CHECK(contains(one.out, "Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged.\n"));
    CHECK_FALSE(contains(one.out, "decoy"));

    ProcessResult two = run_mailsync({"plan", "--select", "MailAccount/billing", "--select",
                                      "MailAccount/support-inbox", "config/"},
                                     options);
    CHECK(two.exit_code == 0);
    CHECK(contains(two.out, "Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged.\n"));

    // Two words after one --select: the second is a path, not a second selection.
    ProcessResult words = run_mailsync(
        {"plan", "--select", "MailAccount/billing", "MailAccount/support-inbox", "config/"},
        options);
    CHECK(words.exit_code == 1);
    CHECK(contains(words.err, "MailAccount/support-inbox: error: no such file or folder\n"));

    ProcessResult apply =
        run_mailsync({"apply", "--auto-approve", "--select", "MailAccount/billing", "--select",
                      "MailAccount/support-inbox", "config/"},
                     options);
    CHECK(apply.exit_code == 0);
    CHECK(contains(apply.out, "Apply complete: 2 created, 0 updated, 0 deleted, 0 failed, "
                              "0 skipped.\n"));
    // Selecting accounts leaves the migrations alone.
    CHECK_FALSE(contains(apply.out, "Mailbox migrations to run"));

    // Nothing listens on 127.0.0.1:1, so each selected test fails at connect, quickly.
    ProcessResult test = run_mailsync({"test", "--select", "MailAccount/billing", "--select",
                                       "MailAccount/support-inbox", "config/"},
                                      options);
    CHECK(test.exit_code == 1);
    CHECK(contains(test.out, "MailAccount/billing "));
    CHECK(contains(test.out, "MailAccount/support-inbox "));
    CHECK(contains(test.out, "2 tested: 0 passed, 2 failed.\n"));
    CHECK_FALSE(contains(test.out, "decoy"));
}

TEST_CASE("selecting MailboxMigration/NAME selects that migration and nothing of the target",
          "[cli][select]") {
    TempDir dir;
    RunOptions options = configured(dir);
    ProcessResult plan =
        run_mailsync({"plan", "--select", "MailboxMigration/alice", "config/"}, options);
    CHECK(plan.exit_code == 0);
    CHECK(contains(plan.out, "Selected: MailboxMigration/alice and what they depend on\n"));
    CHECK(contains(plan.out, "No changes."));
    CHECK(contains(plan.out, "  ~ alice "));
    CHECK_FALSE(contains(plan.out, "  ~ bob "));
    CHECK_FALSE(contains(plan.out, "+ MailAccount"));

    // The saved plan keeps the selection, so applying it runs that migration only. The
    // allowlist leaves 127.0.0.1 out: the migration is refused at once instead of connecting.
    REQUIRE(run_mailsync(
                {"plan", "--select", "MailboxMigration/alice", "--out", "plan.json", "config/"},
                options)
                .exit_code == 0);
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "elsewhere.example.com";
    ProcessResult apply = run_mailsync({"apply", "plan.json"}, options);
    CHECK(apply.exit_code == 1);
    CHECK(contains(apply.out, "Mailbox migrations to run (they copy what is missing and delete "
                              "nothing): alice.\n"));
    CHECK(contains(apply.out, "ERROR     alice: "));
    CHECK_FALSE(contains(apply.out, "bob"));
    CHECK_FALSE(contains(apply.out, "created MailAccount"));
}

TEST_CASE("help shows each repeatable option as taking one value", "[cli][select]") {
    ProcessResult commands = run_mailsync({"__complete", "commands"});
    std::vector<std::vector<std::string>> helps;
    std::istringstream lines(commands.out);
    for (std::string line; std::getline(lines, line);)
        helps.push_back({line.substr(0, line.find('\t')), "--help"});
    for (const char* state : {"show", "migrate", "export-key"})
        helps.push_back({"state", state, "--help"});
    REQUIRE(helps.size() >= 12);
    // CLI11 marks an option that takes several words with "...".
    std::regex several(R"(^\s+--[a-z-]+ \S+ \.\.\.)");
    for (const std::vector<std::string>& args : helps) {
        ProcessResult help = run_mailsync(args);
        INFO(args[0] << " " << args[1]);
        CHECK(help.exit_code == 0);
        std::istringstream text(help.out);
        for (std::string line; std::getline(text, line);)
            CHECK_FALSE(std::regex_search(line, several));
        if (args[0] == "plan" || args[0] == "apply" || args[0] == "test")
            CHECK(contains(help.out, "  --select KIND/NAME "));
    }
}

TEST_CASE("every README example with --select works as written", "[cli][select][readme]") {
    // What each example must do; a README line with --select that is not here fails the test.
    using Check = std::function<void(const ProcessResult&)>;
    const std::map<std::string, Check> checks{
        {"mailsync test --select MailAccount/support-inbox --verbose config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 1); // nothing listens on 127.0.0.1:1
             CHECK(contains(result.out, "MailAccount/support-inbox  FAIL   connect"));
             CHECK(contains(result.out, "1 tested: 0 passed, 1 failed.\n"));
             CHECK(contains(result.err, "== MailAccount/support-inbox\n")); // the trace
         }},
        {"mailsync apply --auto-approve --select MailAccount/support-inbox config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "  created MailAccount support-inbox\n"));
             CHECK(contains(result.out, "Apply complete: 1 created, 0 updated, 0 deleted, "
                                        "0 failed, 0 skipped.\n"));
             CHECK_FALSE(contains(result.out, "Mailbox migrations to run"));
         }},
        {"mailsync apply --auto-approve --select MailboxMigration/alice config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 1); // refused: 127.0.0.1 is not allowed for this one
             CHECK(contains(result.out, "Selected: MailboxMigration/alice"));
             CHECK(contains(result.out, "nothing): alice.\n"));
             CHECK(contains(result.out, "refusing to send spec.source.auth.password"));
             CHECK_FALSE(contains(result.out, "created MailAccount"));
         }},
    };
    std::string readme = read_file(MAILSYNC_SOURCE_DIR "/README.md");
    std::vector<std::string> examples;
    bool in_sh = false;
    std::istringstream lines(readme);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("```"))
            in_sh = line == "```sh";
        else if (in_sh && line.starts_with("mailsync ") && contains(line, "--select"))
            examples.push_back(std::regex_replace(line, std::regex(R"(\s*#.*$)"), ""));
    }
    REQUIRE(examples.size() == checks.size());
    for (const std::string& example : examples) {
        INFO(example);
        auto check = checks.find(example);
        REQUIRE(check != checks.end());
        TempDir dir;
        RunOptions options = configured(dir);
        if (contains(example, "MailboxMigration/"))
            options.env["MAILSYNC_ALLOWED_HOSTS"] = "elsewhere.example.com";
        std::vector<std::string> args;
        std::istringstream words(example.substr(std::string("mailsync ").size()));
        for (std::string word; words >> word;)
            args.push_back(word);
        check->second(run_mailsync(args, options));
    }
}

TEST_CASE("a selection lists the unbound secrets of what it selects, not of the rest",
          "[cli][select]") {
    TempDir dir;
    RunOptions options = configured(dir);
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "elsewhere.example.com";
    for (const char* command : {"plan", "apply"}) {
        INFO(command);
        std::vector<std::string> args{command, "--select", "MailAccount/billing", "config"};
        if (std::string(command) == "apply")
            args.insert(args.begin() + 1, {"--auto-approve", "--skip-live-tests"});
        ProcessResult result = run_mailsync(args, options);
        INFO(result.out << result.err);
        CHECK(contains(result.out, "MailAccount 'billing': spec.auth.password"));
        CHECK_FALSE(contains(result.out, "'support-inbox'"));
        CHECK_FALSE(contains(result.out, "'alice'"));
        CHECK_FALSE(contains(result.out, "'bob'"));
    }
    ProcessResult whole = run_mailsync({"plan", "config"}, options);
    CHECK(contains(whole.out, "MailAccount 'support-inbox': spec.auth.password"));
}

TEST_CASE("bash completion offers a name with spaces as one word", "[cli][select][completion]") {
    TempDir dir;
    write_file(dir.file("clients.yaml"),
               "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: Google Workspace - "
               "Acme\nspec:\n  provider: google\n  clientId: x\n  clientSecret: ${env:S}\n---\n"
               "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: other\nspec:\n  "
               "provider: google\n  clientId: x\n  clientSecret: ${env:S}\n");
    RunOptions options;
    options.cwd = dir.path();
    std::string bin = MAILSYNC_BIN;
    options.env["PATH"] = bin.substr(0, bin.rfind('/')) + ":/usr/bin:/bin";
    // As typed: bare, or after an opening quote ('OAuth2Client/Go or "OAuth2Client/Go).
    for (const char* flag : {"--select", "--replace"}) {
        for (const char* typed :
             {"'OAuth2Client/Go'", "\"'OAuth2Client/Go\"", "'\"OAuth2Client/Go'"}) {
            INFO(flag << " " << typed);
            ProcessResult completed = run_process(
                {"/bin/bash", "-c",
                 fmt::format("source {}/completions/mailsync.bash; COMP_WORDS=(mailsync plan {} "
                             "{}); COMP_CWORD=3; _mailsync; printf '[%s]\\n' "
                             "\"${{COMPREPLY[@]}}\"",
                             MAILSYNC_SOURCE_DIR, flag, typed)},
                options);
            INFO(completed.err);
            CHECK(completed.out == "[OAuth2Client/Google Workspace - Acme]\n");
        }
    }
}
