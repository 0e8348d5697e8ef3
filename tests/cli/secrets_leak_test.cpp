// Secret values never appear in any output or written file, whatever command and format.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

// A config with every kind of secret field, from the environment and from files.
void write_config(const TempDir& dir) {
    write_file(dir.file("config/clients.yaml"),
               "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: g\nspec:\n"
               "  provider: google\n  clientId: id\n  clientSecret: ${env:LEAK_CLIENT_SECRET}\n"
               "---\napiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: m\nspec:\n"
               "  provider: microsoft\n  clientId: id\n  tenantId: t\n"
               "  clientSecret: ${file:client-secret.txt}\n");
    write_file(dir.file("config/client-secret.txt"), "leak-file-secret-5d1e\n");
    write_file(
        dir.file("config/accounts.yaml"),
        "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: a\nspec:\n"
        "  protocol: imap\n  host: imap.example.com\n  username: u\n"
        "  auth: {password: \"${env:LEAK_PASSWORD}\"}\n---\n"
        "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: b\nspec:\n"
        "  protocol: imap\n  host: imap.gmail.com\n  username: u\n"
        "  auth:\n    oauth2: {client: g, refreshToken: \"${env:LEAK_REFRESH}\"}\n---\n"
        "apiVersion: mailsync/v1\nkind: SmtpConnection\nmetadata:\n  name: s\nspec:\n"
        "  fromAddress: a@example.com\n  host: smtp.example.com\n  username: u\n"
        "  auth:\n    oauth2: {client: m, grant: password, password: \"${env:LEAK_OAUTH_PW}\"}\n"
        "");
    write_file(dir.file("broken/broken.yaml"),
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: broken\n"
               "spec:\n  protocol: imap\n  host: bad host\n  username: u\n"
               "  auth: {password: \"${env:LEAK_PASSWORD}\"}\n");
}

const std::vector<std::string> secret_values{"leak-env-client-9a7b", "leak-env-password-3c4d",
                                             "leak-env-refresh-8e2f", "leak-env-oauthpw-6b1a",
                                             "leak-file-secret-5d1e"};

} // namespace

TEST_CASE("no command, format or written file holds a secret value", "[cli][secrets]") {
    TempDir dir;
    write_config(dir);
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"LEAK_CLIENT_SECRET", secret_values[0]},
                   {"LEAK_PASSWORD", secret_values[1]},
                   {"LEAK_REFRESH", secret_values[2]},
                   {"LEAK_OAUTH_PW", secret_values[3]}};
    std::vector<std::vector<std::string>> commands{
        {"validate", "config"},
        {"validate", "config", "broken"},
        {"validate", "--format", "json", "config", "broken"},
        {"validate", "--format", "json", "config"},
        {"validate", "--no-secrets", "config"},
        {"validate", "--mapping", "mailbox-form", "config"},
        {"mapping"},
        {"mapping", "--format", "json"},
        {"mapping", "--attributes"},
        {"--help"},
        {"plan", "config"},
        {"plan", "--format", "json", "config"},
        {"plan", "--format", "markdown", "config"},
        {"plan", "--out", "saved-plan.json", "config"},
        {"apply", "saved-plan.json"},
        {"status"},
        {"status", "--format", "json"},
        {"plan", "config", "broken"},
        {"plan", "--format", "markdown", "--split", "config"},
        {"__complete", "resources", "config"},
        {"apply", "--auto-approve", "--format", "json", "config"},
        {"apply", "--auto-approve", "config"},
    };
    // Two more sets of values, so that both applies at the end write rotated secrets.
    RunOptions rotated = options;
    RunOptions rotated_again = options;
    for (auto& [name, value] : rotated.env)
        value += "-rotated";
    for (auto& [name, value] : rotated_again.env)
        value += "-again";
    REQUIRE(run_mailsync({"validate", "config"}, options).exit_code == 0);
    for (const auto& command : commands) {
        std::size_t from_end = static_cast<std::size_t>(&commands.back() - &command);
        ProcessResult result = run_mailsync(command, from_end == 1   ? rotated_again
                                                     : from_end == 0 ? rotated
                                                                     : options);
        if (from_end <= 1) {
            INFO(result.out << result.err);
            CHECK(result.exit_code == 0);
            CHECK_THAT(result.out, Catch::Contains("update")); // the rotation is written
        }
        for (const std::string& secret : secret_values) {
            INFO(command.front() << " " << secret);
            CHECK(result.out.find(secret) == std::string::npos);
            CHECK(result.err.find(secret) == std::string::npos);
        }
    }
    REQUIRE(fs::exists(dir.file("saved-plan.json")));
    // .mailsync/ lies below the configuration root, config/.
    REQUIRE(fs::exists(dir.file("config/.mailsync/state.db")));
    REQUIRE(fs::exists(dir.file("config/.mailsync/target.db")));
    // No file written (plan, state with its journal, target, their WAL files) holds a value,
    // nor its rotated form; the secret file the configuration reads is the one exception.
    for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
        if (!entry.is_regular_file() || entry.path().filename() == "client-secret.txt")
            continue;
        std::string text = read_file(entry.path().string());
        for (const std::string& secret : secret_values) {
            INFO(entry.path().string() << " " << secret);
            CHECK(text.find(secret) == std::string::npos);
        }
    }
}

TEST_CASE("an attacker's configuration gets no secret into any output either",
          "[cli][secrets][untrusted]") {
    // What a pull request would try (tests/cli/untrusted_pr_test.cpp sends the same to servers
    // that record what they receive): mailsync's own token as a resource's secret, a file
    // outside the root by `..`, by a link and by absolute path, the kernel's copy of the
    // environment, a YAML file that is a link to the checkout's credentials.
    TempDir dir;
    write_file(dir.file(".git/config"), "[http]\n\textraheader = basic leak-checkout-7c21\n");
    write_file(dir.file("outside.txt"), "leak-outside-file-2f90\n");
    write_file(dir.file("config/attack.yaml"),
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: a\nspec:\n"
               "  protocol: imap\n  host: imap.example.com\n  username: u\n"
               "  auth: {password: \"${env:MAILSYNC_TARGET_TOKEN}\"}\n---\n"
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: b\nspec:\n"
               "  protocol: imap\n  host: imap.example.com\n  username: u\n"
               "  auth: {password: \"${file:../outside.txt}\"}\n---\n"
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: c\nspec:\n"
               "  protocol: imap\n  host: imap.example.com\n  username: u\n"
               "  auth: {password: \"${file:link.txt}\"}\n---\n"
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: d\nspec:\n"
               "  protocol: imap\n  host: imap.example.com\n  username: u\n"
               "  auth: {password: \"${file:" +
                   dir.file("outside.txt") +
                   "}\"}\n---\n"
                   "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: e\nspec:\n"
                   "  protocol: imap\n  host: imap.example.com\n  username: u\n"
                   "  auth: {password: \"${file:/proc/self/environ}\"}\n");
    fs::create_symlink("../outside.txt", dir.file("config/link.txt"));
    fs::create_symlink("../.git/config", dir.file("config/git.yaml"));
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"MAILSYNC_TARGET_TOKEN", "leak-target-token-4b8e"}};
    std::vector<std::string> values{"leak-checkout-7c21", "leak-outside-file-2f90",
                                    "leak-target-token-4b8e"};
    for (const std::vector<std::string>& command :
         std::vector<std::vector<std::string>>{{"validate", "--no-secrets", "config"},
                                               {"validate", "config"},
                                               {"validate", "--format", "json", "config"},
                                               {"plan", "config"},
                                               {"plan", "--format", "json", "config"},
                                               {"test", "config"},
                                               {"apply", "--auto-approve", "config"}}) {
        ProcessResult result = run_mailsync(command, options);
        CHECK(result.exit_code == 1);
        for (const std::string& value : values) {
            INFO(command[0] << " " << command[1] << " " << value);
            CHECK(result.out.find(value) == std::string::npos);
            CHECK(result.err.find(value) == std::string::npos);
        }
    }
}
