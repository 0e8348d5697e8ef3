// Every command of the README runs in a test as written. The commands of the first example
// block run here, in order, in a folder laid out as the README assumes (config/, the import
// files beside it); the others name the test that runs them, which must exist. A README command
// that is in no table, or a table entry the README no longer has, fails the test.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/readme_examples.hpp"
#include "support/state_under_test.hpp"
#include "support/target_server.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A command run here, with what it must show.
using Check = std::function<void(const ProcessResult&)>;

// A command another test runs as written (with its servers), by that test's name.
struct RunElsewhere {
    std::string test;
};

// The README's resources: the accounts its examples select, with their secret in a variable.
std::string readme_config() {
    std::string yaml;
    for (const char* name : {"support-inbox", "billing"})
        yaml += fmt::format("apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: {}\n"
                            "spec:\n  protocol: imap\n  host: 127.0.0.1\n  port: 1\n"
                            "  username: {}@example.com\n"
                            "  auth:\n    password: ${{env:SUPPORT_PASSWORD}}\n---\n",
                            name, name);
    return yaml;
}

// Each variable .env.example lists and the environment lacks, with a value of its own.
void fill_in(const std::string& env_example, std::map<std::string, std::string>& env) {
    std::istringstream lines(env_example);
    for (std::string line; std::getline(lines, line);) {
        std::size_t equals = line.find('=');
        if (!line.starts_with('#') && equals != std::string::npos && equals > 0)
            env.try_emplace(line.substr(0, equals), "filled-in-" + line.substr(0, equals));
    }
}

bool json_parses(const std::string& text) {
    return nlohmann::json::accept(text);
}

} // namespace

TEST_CASE("every README command runs as written: here or in the test it names", "[cli][readme]") {
    TargetServer cloud;
    // The Cloud instance holds one box already, which export adopts.
    REQUIRE(cloud
                .request("POST", "/mail-accounts",
                         nlohmann::json{{"name", "legacy-inbox"},
                                        {"serviceProvider", "General IMAP4 service"},
                                        {"host", "imap.example.com"},
                                        {"username", "legacy@example.com"},
                                        {"port", 993},
                                        {"password", "pw-legacy"}}
                             .dump())
                .status == 201);
    // What the README writes where only a real Cloud instance would do, and the tests' stand-in.
    const Placeholders placeholders{
        {"https://cloud.example.com/api/v1", cloud.url()},
        {"...", target_token}, // MAILSYNC_TARGET_TOKEN=...
    };
    const std::map<std::string, Check> here{
        {"mailsync validate config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Checked 2 resources in 1 file: 2 MailAccount"));
         }},
        {"mailsync validate --no-secrets config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Secrets were not resolved (--no-secrets)."));
         }},
        {"mailsync validate --format json config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(json_parses(result.out));
         }},
        {"mailsync validate --mapping mailbox-form config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Valid."));
         }},
        {"mailsync mapping MailAccount",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Service Provider"));
         }},
        {"mailsync mapping --attributes",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "clientSecret          spec.clientSecret (secret)"));
         }},
        {"mailsync plan --format markdown --split config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "support-inbox"));
         }},
        {"mailsync plan --detailed-exitcode config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 2);
             CHECK(contains(result.out, "Plan: 2 to create"));
         }},
        {"mailsync plan --out plan.json config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Plan: 2 to create"));
         }},
        {"mailsync apply plan.json",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Apply complete: 2 created"));
         }},
        {"mailsync test config/",
         [](const ProcessResult& result) {
             // The allowlist just exported names other hosts: nothing is sent to 127.0.0.1.
             CHECK(result.exit_code == 1);
             CHECK(contains(result.out, "MAILSYNC_ALLOWED_HOSTS"));
         }},
        {"mailsync test --allow-new-endpoints config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 1); // nothing listens on 127.0.0.1:1
             CHECK(contains(result.out, "FAIL   connect"));
         }},
        {"mailsync test --select MailAccount/support-inbox --verbose config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 1);
             CHECK(contains(result.out, "MailAccount/support-inbox"));
             CHECK_FALSE(contains(result.out, "MailAccount/billing"));
         }},
        {"mailsync validate --live --format json config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 1);
             CHECK(json_parses(result.out));
         }},
        {"mailsync import server-export.json --out config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Imported 2 OAuth2 clients, 4 mail accounts and 2 SMTP "
                                        "connections from server-export.json into config/"));
         }},
        {"mailsync import accounts.csv --out config/ --split",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Imported 2 mail accounts from accounts.csv into config/ "
                                        "(2 files).\n2 secrets to fill in"));
         }},
        {"mailsync plan config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "Target https://"));
             // Both imports and the README's two accounts; the Cloud's own box is not managed.
             CHECK(contains(result.out, "Plan: 12 to create, 0 to update, 0 to delete"));
             CHECK(contains(result.out, "legacy-inbox"));
         }},
        {"mailsync export --out cloud/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "1 mail account"));
         }},
        {"mailsync apply --auto-approve --select MailAccount/support-inbox config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "  created MailAccount support-inbox\n"));
         }},
        {"mailsync status config/",
         [](const ProcessResult& result) {
             CHECK(result.exit_code == 0);
             CHECK(contains(result.out, "COMPLETED  create  MailAccount/support-inbox\n"));
             CHECK(contains(result.out, "1 task: 1 COMPLETED."));
         }},
    };
    // Blocks another test runs whole, each by a command only that block has.
    const std::map<std::string, std::string> blocks_elsewhere{
        {"mailsync plan --scan-migrations config/",
         "the README's mailbox migration commands run as written against Dovecot"},
        {"mailsync invite --base-url https://migrate.example.com config/",
         "browser: self-service migration in chromium: invite, wrong and right password, "
         "COMPLETED, admin page"},
        {"mailsync state migrate --config config/ --to "
         "'postgres://ci@db.example.com/"
         "mailsync?sslmode=verify-full&mailsync_namespace=production'",
         "the README's state migrate commands run as written against PostgreSQL"},
        {"$ (cd support && mailsync plan)",
         "two teams' scopes applied in turn never touch each other's objects"},
    };
    // Single commands another test runs.
    const std::map<std::string, std::string> elsewhere{
        {"mailsync oauth2 authorize OAuth2Client/google-workspace config/ --out "
         "config/secrets/support.token",
         "oauth2 authorize writes the refresh token to a file of mode 0600 that ${file:} reads"},
    };

    std::vector<ReadmeCommand> commands = readme_commands();
    std::set<std::size_t> blocks_run_here;
    std::map<std::size_t, std::string> block_tests;
    for (const ReadmeCommand& command : commands) {
        if (here.contains(command.text))
            blocks_run_here.insert(command.block);
        if (auto block = blocks_elsewhere.find(command.text); block != blocks_elsewhere.end())
            block_tests[command.block] = block->second;
    }
    // One block runs here, the README's tour of the commands; the others' markers are found.
    CHECK(block_tests.size() == blocks_elsewhere.size());
    for (const auto& [block, test] : block_tests)
        blocks_run_here.erase(block);
    REQUIRE(blocks_run_here.size() == 1);

    TempDir dir;
    write_file(dir.file("config/all.yaml"), readme_config());
    write_file(dir.file("server-export.json"),
               read_file(MAILSYNC_SOURCE_DIR "/samples/import/server-export.json"));
    // A CSV list of two more accounts, in seed 004's columns (the README does not show it).
    write_file(dir.file("accounts.csv"),
               "name,protocol,host,port,encryption,username,password,description,timeout\n"
               "Archive,imap,imap.example.com,993,ssl,archive@example.com,ar-Secret-1,,30\n"
               "Orders,pop3,pop.example.com,995,ssl,orders@example.com,or-Secret-2,,\n");
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SUPPORT_PASSWORD", "pw-readme-test"}};
    std::set<std::string> seen;
    for (const ReadmeCommand& command : commands) {
        INFO("README.md:" << command.line << ": " << command.text);
        seen.insert(command.text);
        if (auto block = block_tests.find(command.block); block != block_tests.end()) {
            CHECK(test_exists(block->second));
            continue;
        }
        if (auto other = elsewhere.find(command.text); other != elsewhere.end()) {
            CHECK(test_exists(other->second));
            continue;
        }
        if (!blocks_run_here.contains(command.block))
            FAIL("a README command that no test runs: add it to a table here");
        if (command.words.front() == "export") {
            for (const auto& [name, value] : exported(command, placeholders))
                options.env[name] = value;
            if (options.env.contains("MAILSYNC_TARGET"))
                options.env["MAILSYNC_TARGET_CA_FILE"] = TargetServer::ca_file();
            continue;
        }
        auto check = here.find(command.text);
        if (check == here.end())
            FAIL("a README command that no test runs: add it to a table here");
        // The user fills in what imports listed in .env.example.
        if (std::filesystem::exists(dir.file("config/.env.example")))
            fill_in(read_file(dir.file("config/.env.example")), options.env);
        ProcessResult result = run_mailsync(arguments(command, placeholders), options);
        INFO(result.out << result.err);
        check->second(result);
    }
    for (const auto& [text, check] : here)
        CHECK(seen.contains(text));
    for (const auto& [text, test] : blocks_elsewhere)
        CHECK(seen.contains(text));
    for (const auto& [text, test] : elsewhere)
        CHECK(seen.contains(text));
}

TEST_CASE("the README's state migrate commands run as written against PostgreSQL",
          "[cli][readme][postgres]") {
    StateUnderTest postgres("postgres");
    TempDir dir;
    write_file(dir.file("config/all.yaml"), readme_config());
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SUPPORT_PASSWORD", "pw-readme-test"}};
    // A configuration applied with its state in config/.mailsync, the state the README moves.
    REQUIRE(run_mailsync({"apply", "--auto-approve", "--skip-live-tests", "config/"}, options)
                .exit_code == 0);
    const Placeholders placeholders{
        {"postgres://ci@db.example.com/mailsync?sslmode=verify-full&mailsync_namespace=production",
         postgres.location(dir, "production")},
    };
    run_readme_block(
        "mailsync state migrate --config config/ --to "
        "'postgres://ci@db.example.com/mailsync?sslmode=verify-full&mailsync_namespace=production'",
        placeholders, options,
        {{"mailsync state migrate --config config/ --to "
          "'postgres://ci@db.example.com/"
          "mailsync?sslmode=verify-full&mailsync_namespace=production'",
          [](const ProcessResult& result) {
              CHECK(result.exit_code == 0);
              CHECK(contains(result.out, "Copied the state config/.mailsync/state.db to "));
              CHECK(contains(result.out, "  2 managed objects, 2 secret fingerprints, 1 runs"));
          }},
         {"mailsync plan --detailed-exitcode config/", [](const ProcessResult& result) {
              CHECK(result.exit_code == 0);
              CHECK(contains(result.out, "No changes. The target matches the configuration."));
          }}});
}

TEST_CASE("state migrate and export-key refuse a state that is not there, naming --config",
          "[cli][readme]") {
    TempDir dir;
    write_file(dir.file("config/all.yaml"), readme_config());
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SUPPORT_PASSWORD", "pw-readme-test"}};
    REQUIRE(run_mailsync({"apply", "--auto-approve", "--skip-live-tests", "config/"}, options)
                .exit_code == 0);
    // Run beside config/ without naming it: the state below the current folder is not there.
    ProcessResult moved = run_mailsync({"state", "migrate", "--to", "copy.db"}, options);
    CHECK(moved.exit_code == 1);
    CHECK(moved.err == "error: there is no state at .mailsync/state.db: nothing has run with it "
                       "yet; a configuration's state lives below its folder, named with --config "
                       "FOLDER (or give --state)\n");
    CHECK_FALSE(std::filesystem::exists(dir.file(".mailsync")));
    CHECK_FALSE(std::filesystem::exists(dir.file("copy.db")));
    ProcessResult key = run_mailsync({"state", "export-key", "--out", "key"}, options);
    CHECK(key.exit_code == 1);
    CHECK(contains(key.err, "error: there is no state at .mailsync/state.db"));
    // status says where to look instead.
    ProcessResult status = run_mailsync({"status"}, options);
    CHECK(status.exit_code == 0);
    CHECK(contains(status.out, "'mailsync status config/'"));
    ProcessResult found = run_mailsync({"status", "config/"}, options);
    CHECK(contains(found.out, "2 tasks: 2 COMPLETED."));
}
