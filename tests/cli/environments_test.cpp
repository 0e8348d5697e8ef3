// mailsync.yaml and its environments end to end: precedence, bad settings files, one YAML tree
// for staging and production with ${var:}, a state refused with the wrong target, default
// states per target below the configuration root, the target token rule, `state show` and
// `status --runs`.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/process.hpp"
#include "support/target_server.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

const std::string settings = R"(apiVersion: mailsync/v1
kind: Settings
defaultEnvironment: staging
environments:
  staging:
    target: sqlite:staging.db
    variables:
      IMAP_HOST: imap.staging.example.com
      IMAP_PORT: 1993
  production:
    target: sqlite:prod.db
    variables:
      IMAP_HOST: imap.example.com
      IMAP_PORT: 993
)";

// The same account with plain values, for a tree without mailsync.yaml.
const std::string plain_account = R"(apiVersion: mailsync/v1
kind: MailAccount
metadata:
  name: support
spec:
  protocol: imap
  encryption: ssl
  host: imap.example.com
  username: support@example.com
  auth:
    password: ${env:SUPPORT_PASSWORD}
)";

const std::string account = R"(apiVersion: mailsync/v1
kind: MailAccount
metadata:
  name: support
spec:
  protocol: imap
  encryption: ssl
  host: ${var:IMAP_HOST}
  port: ${var:IMAP_PORT}
  description: Support desk on ${var:IMAP_HOST}
  username: support@example.com
  auth:
    password: ${env:SUPPORT_PASSWORD}
)";

// A configuration folder `config/` below the temporary folder, run from the latter.
RunOptions in_tree(const TempDir& dir, const std::string& settings_text = settings,
                   const std::string& account_text = account) {
    fs::create_directories(dir.file("config"));
    if (!settings_text.empty())
        write_file(dir.file("config/mailsync.yaml"), settings_text);
    write_file(dir.file("config/accounts.yaml"), account_text);
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SUPPORT_PASSWORD", "pw-1"}, {"MAILSYNC_SKIP_LIVE_TESTS", "1"}};
    options.unset_env = {"MAILSYNC_TARGET",  "MAILSYNC_STATE",        "MAILSYNC_ENV",
                         "MAILSYNC_MAPPING", "MAILSYNC_TARGET_TOKEN", "MAILSYNC_ALLOWED_HOSTS"};
    return options;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

} // namespace

TEST_CASE("staging and production from one YAML tree, each with its own state",
          "[cli][environments]") {
    TempDir dir;
    RunOptions options = in_tree(dir);
    ProcessResult staging = run_mailsync({"apply", "--auto-approve", "config"}, options);
    REQUIRE(staging.exit_code == 0);
    CHECK(first_line(staging.out) ==
          "Environment staging: target sqlite:config/staging.db (mapping server-to-cloud), state "
          "config/.mailsync/sqlite-staging.db.state.db");
    CHECK(staging.out.find("Host:             \"imap.staging.example.com\"") != std::string::npos);
    CHECK(staging.out.find("Port:             1993") != std::string::npos);
    CHECK(staging.out.find("\"Support desk on imap.staging.example.com\"") != std::string::npos);

    ProcessResult production =
        run_mailsync({"apply", "--auto-approve", "--env", "production", "config"}, options);
    REQUIRE(production.exit_code == 0);
    CHECK(first_line(production.out) ==
          "Environment production: target sqlite:config/prod.db (mapping server-to-cloud), state "
          "config/.mailsync/sqlite-prod.db.state.db");
    CHECK(production.out.find("Host:             \"imap.example.com\"") != std::string::npos);
    CHECK(fs::exists(dir.file("config/staging.db")));
    CHECK(fs::exists(dir.file("config/prod.db")));

    RunOptions by_variable = options;
    by_variable.env["MAILSYNC_ENV"] = "production";
    ProcessResult again = run_mailsync({"plan", "--detailed-exitcode", "config"}, by_variable);
    CHECK(again.exit_code == 0);
    CHECK(first_line(again.out).starts_with("Environment production: "));

    // test names the state whose bindings decide where secrets may go (nothing is sent here:
    // no allowlist, and the endpoint was never bound by an apply that tested).
    by_variable.env["MAILSYNC_ALLOWED_HOSTS"] = "elsewhere.example.com";
    ProcessResult tested = run_mailsync({"test", "config"}, by_variable);
    CHECK(first_line(tested.out) ==
          "Environment production: state config/.mailsync/sqlite-prod.db.state.db");
}

TEST_CASE("a state used with another target is refused before anything is written",
          "[cli][environments]") {
    TempDir dir;
    RunOptions options = in_tree(dir, "", plain_account);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "--target", "sqlite:staging.db", "--state",
                          ".mailsync/state.db", "config"},
                         options)
                .exit_code == 0);
    ProcessResult wrong = run_mailsync({"apply", "--auto-approve", "--target", "sqlite:prod.db",
                                        "--state", ".mailsync/state.db", "config"},
                                       options);
    CHECK(wrong.exit_code == 1);
    CHECK(wrong.err == "error: the state .mailsync/state.db belongs to sqlite:staging.db, not "
                       "sqlite:prod.db; choose the environment's state with --env or --state\n");
    CHECK_FALSE(fs::exists(dir.file("prod.db")));
    ProcessResult plan = run_mailsync(
        {"plan", "--target", "sqlite:prod.db", "--state", ".mailsync/state.db", "config"}, options);
    CHECK(plan.exit_code == 1);
    CHECK(plan.err.starts_with("error: the state .mailsync/state.db belongs to sqlite:staging.db"));
    // The same words from another folder are another file: the message says which two.
    fs::create_directories(dir.file("elsewhere"));
    RunOptions moved = options;
    moved.cwd = dir.file("elsewhere");
    ProcessResult there = run_mailsync({"plan", "--target", "sqlite:staging.db", "--state",
                                        dir.file(".mailsync/state.db"), dir.file("config")},
                                       moved);
    CHECK(there.exit_code == 1);
    CHECK(there.err.find("belongs to sqlite:" + fs::canonical(dir.path()).string() +
                         "/staging.db, not sqlite:" + fs::canonical(dir.path()).string() +
                         "/elsewhere/staging.db;") != std::string::npos);
}

TEST_CASE("default states per target, below the configuration root", "[cli][environments]") {
    TempDir dir;
    RunOptions options = in_tree(dir, "", plain_account);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config"}, options).exit_code == 0);
    CHECK(fs::exists(dir.file("config/.mailsync/state.db")));
    CHECK(fs::exists(dir.file("config/.mailsync/target.db")));
    CHECK_FALSE(fs::exists(dir.file(".mailsync")));
    REQUIRE(
        run_mailsync({"apply", "--auto-approve", "--target", "sqlite:other.db", "config"}, options)
            .exit_code == 0);
    CHECK(fs::exists(dir.file("config/.mailsync/sqlite-other.db.state.db")));
    // Commands without PATHs name the configuration folder with --config.
    ProcessResult status = run_mailsync({"status", "--runs", "--config", "config"}, options);
    CHECK(status.exit_code == 0);
    CHECK(status.out.starts_with("Runs in config/.mailsync/state.db, newest first:\n  "));
    CHECK(status.out.find(" apply  completed ") != std::string::npos);
}

TEST_CASE("flags beat environment variables beat the settings file", "[cli][environments]") {
    TempDir dir;
    RunOptions options = in_tree(dir);
    options.env["MAILSYNC_TARGET"] = "sqlite:from-variable.db";
    ProcessResult variable = run_mailsync({"plan", "config"}, options);
    CHECK(first_line(variable.out) ==
          "Environment staging: target sqlite:from-variable.db (mapping server-to-cloud), state "
          "config/.mailsync/sqlite-from-variable.db.state.db");
    ProcessResult flag = run_mailsync(
        {"plan", "--target", "sqlite:from-flag.db", "--state", "s.db", "config"}, options);
    CHECK(first_line(flag.out) == "Environment staging: target sqlite:from-flag.db (mapping "
                                  "server-to-cloud), state s.db");
}

TEST_CASE("bad settings files and environments are errors at their place", "[cli][environments]") {
    TempDir dir;
    SECTION("an unknown key") {
        std::string text = settings;
        text.replace(text.find("target: sqlite:prod.db"), 6, "traget");
        RunOptions options = in_tree(dir, text);
        ProcessResult plan = run_mailsync({"plan", "config"}, options);
        CHECK(plan.exit_code == 1);
        CHECK(plan.err == "config/mailsync.yaml:11:5: error: unknown field 'traget' in "
                          "environments.production; did you mean 'target'?\n"
                          "    traget: sqlite:prod.db\n"
                          "    ^\n");
    }
    SECTION("a variable that is not a string, number or bool") {
        std::string text = settings;
        text.replace(text.find("1993"), 4, "[1, 2]");
        RunOptions options = in_tree(dir, text);
        ProcessResult plan = run_mailsync({"plan", "config"}, options);
        CHECK(plan.exit_code == 1);
        CHECK(plan.err.starts_with("config/mailsync.yaml:9:18: error: "
                                   "environments.staging.variables.IMAP_PORT must be a string, "
                                   "a number or true or false, not a list\n"));
    }
    SECTION("an unknown environment") {
        RunOptions options = in_tree(dir);
        ProcessResult plan = run_mailsync({"plan", "--env", "prodution", "config"}, options);
        CHECK(plan.exit_code == 1);
        CHECK(plan.err == "error: --env prodution: config/mailsync.yaml has no such environment; "
                          "it has staging, production; did you mean 'production'?\n");
    }
    SECTION("an unknown default environment") {
        std::string text = settings;
        text.replace(text.find("defaultEnvironment: staging"), 27, "defaultEnvironment: stagin");
        ProcessResult plan = run_mailsync({"plan", "config"}, in_tree(dir, text));
        CHECK(plan.exit_code == 1);
        CHECK(plan.err.starts_with("config/mailsync.yaml:3:21: error: defaultEnvironment 'stagin' "
                                   "is not one of the environments: staging, production; did "
                                   "you mean 'staging'?\n"));
    }
    SECTION("--env without a settings file") {
        ProcessResult plan =
            run_mailsync({"plan", "--env", "staging", "config"}, in_tree(dir, "", plain_account));
        CHECK(plan.exit_code == 1);
        CHECK(plan.err == "error: --env staging: there is no mailsync.yaml in config to name "
                          "environments\n");
    }
    SECTION("a path that leaves the configuration root") {
        std::string text = settings;
        text.replace(text.find("sqlite:prod.db"), 14, "sqlite:/tmp/prod.db");
        ProcessResult plan =
            run_mailsync({"plan", "--env", "production", "config"}, in_tree(dir, text));
        CHECK(plan.exit_code == 1);
        CHECK(plan.err.starts_with(
            "config/mailsync.yaml:11:13: error: target 'sqlite:/tmp/prod.db': a path in the "
            "settings file must be relative and stay below the configuration root"));
    }
}

TEST_CASE("${var:} errors: undefined, no environment, in a secret field", "[cli][environments]") {
    TempDir dir;
    SECTION("undefined, with did-you-mean") {
        std::string text = account;
        text.replace(text.find("${var:IMAP_HOST}"), 16, "${var:IMAP_HOTS}");
        ProcessResult plan = run_mailsync({"validate", "config"}, in_tree(dir, settings, text));
        CHECK(plan.exit_code == 1);
        CHECK(plan.err.starts_with("config/accounts.yaml:8:9: error: ${var:IMAP_HOTS} is not "
                                   "defined in environment 'staging' of config/mailsync.yaml; "
                                   "did you mean 'IMAP_HOST'?\n"));
    }
    SECTION("no environment chosen") {
        ProcessResult plan = run_mailsync({"validate", "config"}, in_tree(dir, "", account));
        CHECK(plan.exit_code == 1);
        CHECK(plan.err.starts_with("config/accounts.yaml:8:9: error: ${var:IMAP_HOST} needs an "
                                   "environment, and none is chosen"));
    }
    SECTION("a secret field") {
        std::string text = account;
        text.replace(text.find("${env:SUPPORT_PASSWORD}"), 23, "${var:IMAP_HOST}");
        ProcessResult plan = run_mailsync({"validate", "config"}, in_tree(dir, settings, text));
        CHECK(plan.exit_code == 1);
        CHECK(plan.err.find("config/accounts.yaml:13:15: error: spec.auth.password is a secret: "
                            "${var:IMAP_HOST} is for fields that are not secret") !=
              std::string::npos);
    }
}

TEST_CASE("the target token goes to a target of the settings file only when allowed",
          "[cli][environments][security]") {
    TargetServer server;
    TempDir dir;
    std::string text = settings;
    text.replace(text.find("sqlite:prod.db"), 14, server.url());
    RunOptions options = in_tree(dir, text);
    for (const auto& [name, value] : server.env()) {
        if (name != "MAILSYNC_TARGET")
            options.env[name] = value;
    }
    ProcessResult refused = run_mailsync({"plan", "--env", "production", "config"}, options);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.starts_with(
        "config/mailsync.yaml:11:13: error: the target " + server.url() +
        " of environment 'production' comes from the repository's mailsync.yaml, and "
        "MAILSYNC_ALLOWED_HOSTS is not set: mailsync sends MAILSYNC_TARGET_TOKEN only to a target "
        "given by --target or MAILSYNC_TARGET, or named here with its host in "
        "MAILSYNC_ALLOWED_HOSTS, set outside the repository\n"));
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "imap.example.com";
    CHECK(run_mailsync({"plan", "--env", "production", "config"}, options).exit_code == 1);
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "localhost";
    ProcessResult allowed = run_mailsync({"plan", "--env", "production", "config"}, options);
    CHECK(allowed.exit_code == 0);
    CHECK(first_line(allowed.out).starts_with("Environment production: target " + server.url()));
    // Given outside the repository, the same URL needs no allowlist.
    options.env.erase("MAILSYNC_ALLOWED_HOSTS");
    options.env["MAILSYNC_TARGET"] = server.url();
    CHECK(run_mailsync({"plan", "--env", "production", "config"}, options).exit_code == 0);
    // validate never reaches the target: a fork's pipeline, with no variables at all, validates.
    options.env.erase("MAILSYNC_TARGET");
    nlohmann::json before = server.stats()["requests"];
    ProcessResult validated =
        run_mailsync({"validate", "--no-secrets", "--env", "production", "config"}, options);
    INFO(validated.err);
    CHECK(validated.exit_code == 0);
    CHECK(server.stats()["requests"] == before); // nothing was asked of the target
}

TEST_CASE("validate --live reaches a state of the settings file only when allowed",
          "[cli][environments][security]") {
    TempDir dir;
    std::string text = settings;
    text.replace(text.find("sqlite:prod.db"), 14,
                 "sqlite:prod.db\n    state: postgres://mailsync@db.example.com/mailsync");
    RunOptions options = in_tree(dir, text);
    ProcessResult offline =
        run_mailsync({"validate", "--no-secrets", "--env", "production", "config"}, options);
    CHECK(offline.exit_code == 0);
    ProcessResult live =
        run_mailsync({"validate", "--live", "--env", "production", "config"}, options);
    CHECK(live.exit_code == 1);
    CHECK(live.err.find("error: the state postgres://mailsync@db.example.com/mailsync of "
                        "environment 'production' comes from the repository's mailsync.yaml") !=
          std::string::npos);
}

TEST_CASE("state show and status --runs", "[cli][environments][status]") {
    TempDir dir;
    RunOptions options = in_tree(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config"}, options).exit_code == 0);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config"}, options).exit_code == 0);
    ProcessResult show = run_mailsync({"state", "show", "--config", "config"}, options);
    CHECK(show.exit_code == 0);
    CHECK(show.out.starts_with("State config/.mailsync/sqlite-staging.db.state.db (environment "
                               "staging)\n"
                               "  target:          sqlite:staging.db\n"
                               "  fingerprint key: kept in the state\n"
                               "  managed objects: 1 (1 MailAccount)\n"
                               "  migrations:      none\n"
                               "  secret bindings: 1\n"
                               "  last runs:\n"));
    CHECK(show.out.find("pw-1") == std::string::npos);
    ProcessResult json =
        run_mailsync({"state", "show", "--config", "config", "--format", "json"}, options);
    CHECK(json.out.find("\"managed\": {\n    \"MailAccount\": 1\n  }") != std::string::npos);
    ProcessResult runs = run_mailsync({"status", "--runs", "--config", "config"}, options);
    CHECK(runs.exit_code == 0);
    CHECK(std::count(runs.out.begin(), runs.out.end(), '\n') == 2);
    ProcessResult missing =
        run_mailsync({"state", "show", "--config", "config", "--env", "production"}, options);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == "error: there is no state at config/.mailsync/sqlite-prod.db.state.db; "
                         "apply makes it\n");
}

TEST_CASE("the environments sample validates in both environments", "[cli][environments]") {
    RunOptions options;
    options.env = {{"SUPPORT_PASSWORD", "pw-1"}};
    options.unset_env = {"MAILSYNC_ENV", "MAILSYNC_TARGET", "MAILSYNC_STATE"};
    for (const char* environment : {"staging", "production"}) {
        ProcessResult validate = run_mailsync(
            {"validate", "--env", environment, "--format", "json", "samples/environments"},
            options);
        CHECK(validate.exit_code == 0);
        CHECK(validate.out.find(std::string("\"environment\": \"") + environment + "\"") !=
              std::string::npos);
    }
}

TEST_CASE("a settings file may hold a scope and no environments", "[cli][environments]") {
    TempDir dir;
    RunOptions options =
        in_tree(dir, "apiVersion: mailsync/v1\nkind: Settings\nscope: support\ndeletes: never\n",
                plain_account);
    ProcessResult applied = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(applied.out << applied.err);
    CHECK(applied.exit_code == 0);
    CHECK(applied.out.find("Scope: support") != std::string::npos);
    ProcessResult named = run_mailsync({"plan", "--env", "production", "config"}, options);
    CHECK(named.exit_code == 1);
    CHECK(named.err.find("--env production: config/mailsync.yaml declares no environments") !=
          std::string::npos);
}
