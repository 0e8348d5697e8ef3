// A pull request is untrusted input (docs/security.md): whatever YAML it brings, the jobs that
// samples/ci runs on it send no secret, target token or file content to a host, file or path it
// chose. Each attack is run against servers an attacker would run, on loopback, that record
// every byte they receive; a control run shows those servers do get the secret when the
// operator allows their host, so the zeros mean something.
#include <catch2/catch.hpp>

#include <filesystem>

#include <fmt/format.h>

#include "support/process.hpp"
#include "support/recording_server.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

const std::string support_password = "victim-support-password-41c7";
const std::string target_token = "victim-target-token-8d02";
const std::string checkout_token = "ghp_victimcheckouttoken5e93";

// The commands the pull-request jobs of samples/ci run (checked against the files below), and
// the live tests a careless pipeline might add.
const std::vector<std::vector<std::string>> pr_commands{
    {"validate", "--no-secrets", "config/"},
    {"validate", "config/"},
    {"plan", "--format", "markdown", "--split", "config/"},
    {"plan", "--format", "json", "config/"},
    {"plan", "--out", "plan.json", "config/"},
};

// A checkout as CI has it: the token in .git/config, the settings of the pipeline in the
// environment (the allowlist names the real servers only), a state from earlier runs.
RunOptions pr_job(const TempDir& dir) {
    write_file(dir.file(".git/config"),
               "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic " +
                   checkout_token + "\n");
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"MAILSYNC_TARGET", "sqlite:" + dir.file("target.db")},
                   {"MAILSYNC_TARGET_TOKEN", target_token},
                   {"MAILSYNC_STATE", ".mailsync/state.db"},
                   {"MAILSYNC_STATE_KEY", "k3y-kept-outside-the-state-0123456789abcdef"},
                   {"MAILSYNC_ALLOWED_HOSTS", "imap.example.com, smtp.example.com"},
                   {"SUPPORT_PASSWORD", support_password}};
    options.live_tests = true;
    return options;
}

// An IMAP account or a migration side pointing at `port` on loopback, in plain text.
std::string imap_side(int port, const std::string& user, const std::string& auth) {
    return fmt::format("    host: 127.0.0.1\n    port: {}\n    encryption: none\n"
                       "    allowPlaintextAuth: true\n    username: {}\n    auth: {}\n",
                       port, user, auth);
}

std::string migration(const std::string& name, int port, const std::string& auth) {
    return fmt::format("---\napiVersion: mailsync/v1\nkind: MailboxMigration\nmetadata:\n"
                       "  name: {}\nspec:\n  source:\n{}  destination:\n{}",
                       name, imap_side(port, "attacker", auth),
                       imap_side(port, "attacker-2", auth));
}

std::string account(const std::string& name, const std::string& host, int port,
                    const std::string& auth) {
    return fmt::format("---\napiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: {}\n"
                       "spec:\n  protocol: imap\n  encryption: none\n  allowPlaintextAuth: true\n"
                       "  host: {}\n  port: {}\n  username: attacker\n  auth: {}\n",
                       name, host, port, auth);
}

std::string custom_client(const std::string& token_url) {
    return "---\napiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: idp\nspec:\n"
           "  provider: custom\n  clientId: mailsync\n  clientSecret: ${env:SUPPORT_PASSWORD}\n"
           "  tokenUrl: " +
           token_url + "\n";
}

// Runs every PR command; returns what they printed, all of it.
std::string run_pr_jobs(const RunOptions& options) {
    std::string printed;
    for (const std::vector<std::string>& command : pr_commands) {
        ProcessResult result = run_mailsync(command, options);
        printed += result.out + result.err;
        CHECK(result.exit_code != 139);
    }
    return printed;
}

void check_nothing_leaked(const std::string& printed) {
    for (const std::string& secret : {support_password, target_token, checkout_token})
        CHECK(printed.find(secret) == std::string::npos);
}

} // namespace

TEST_CASE("the commands assumed here are the ones samples/ci runs on pull requests",
          "[cli][untrusted]") {
    std::string github = read_file(MAILSYNC_SOURCE_DIR "/samples/ci/github-actions.yml");
    std::string gitlab = read_file(MAILSYNC_SOURCE_DIR "/samples/ci/gitlab-ci.yml");
    for (const std::string& file : {github, gitlab}) {
        CHECK(file.find("mailsync validate --no-secrets --env production config/") !=
              std::string::npos);
        CHECK(file.find("mailsync plan --format markdown --split config/") != std::string::npos);
        CHECK(file.find("--scan-migrations") == std::string::npos);
        CHECK(file.find("--allow-new-endpoints") == std::string::npos);
        CHECK(file.find("MAILSYNC_ALLOWED_HOSTS") != std::string::npos);
    }
}

TEST_CASE("a migration to the author's server receives nothing from validate or plan",
          "[cli][untrusted]") {
    RecordingServer imap(RecordingServer::Speaks::imap);
    TempDir dir;
    RunOptions options = pr_job(dir);
    write_file(dir.file("config/steal.yaml"),
               migration("steal", imap.port(), "{ password: \"${env:SUPPORT_PASSWORD}\" }"));

    std::string printed = run_pr_jobs(options);
    CHECK(imap.connections() == 0);
    check_nothing_leaked(printed);
    ProcessResult plan = run_mailsync({"plan", "config/"}, options);
    CHECK(plan.exit_code == 0);
    CHECK_THAT(plan.out, Catch::Contains("not scanned"));
    // The reviewer is told where the secret would go, and that the pipeline would refuse it.
    CHECK_THAT(plan.out,
               Catch::Contains(fmt::format("MailboxMigration 'steal': spec.source.auth.password "
                                           "${{env:SUPPORT_PASSWORD}} → imap+plain://127.0.0.1:{}",
                                           imap.port())));

    SECTION("asking for the scan, or a live test, is refused by the allowlist") {
        for (std::vector<std::string> command :
             {std::vector<std::string>{"plan", "--scan-migrations", "config/"},
              std::vector<std::string>{"plan", "--scan-migrations", "--allow-new-endpoints",
                                       "config/"}}) {
            ProcessResult refused = run_mailsync(command, options);
            CHECK(refused.exit_code == 1);
            CHECK_THAT(
                refused.err,
                Catch::Contains(fmt::format(
                    "error: MailboxMigration 'steal': refusing to send spec.source.auth.password "
                    "(${{env:SUPPORT_PASSWORD}}) to imap+plain://127.0.0.1:{}: 127.0.0.1 is not "
                    "in MAILSYNC_ALLOWED_HOSTS",
                    imap.port())));
            check_nothing_leaked(refused.out + refused.err);
        }
        CHECK(imap.connections() == 0);
    }
    SECTION("control: once the operator lists the host, the scan does log in there") {
        options.env["MAILSYNC_ALLOWED_HOSTS"] = "127.0.0.1";
        run_mailsync({"plan", "--scan-migrations", "config/"}, options);
        CHECK(imap.connections() > 0);
        CHECK(imap.saw(support_password, "attacker"));
    }
}

TEST_CASE("mailsync's own settings and files outside the root cannot be made secrets",
          "[cli][untrusted]") {
    RecordingServer imap(RecordingServer::Speaks::imap);
    TempDir dir;
    RunOptions options = pr_job(dir);
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "127.0.0.1"; // even where the host is allowed
    write_file(
        dir.file("config/steal.yaml"),
        migration("token", imap.port(), "{ password: \"${env:MAILSYNC_TARGET_TOKEN}\" }") +
            account("git", "127.0.0.1", imap.port(), "{ password: \"${file:../.git/config}\" }") +
            account("environ", "127.0.0.1", imap.port(),
                    "{ password: \"${file:/proc/self/environ}\" }"));
    std::string printed = run_pr_jobs(options);
    for (std::vector<std::string> command :
         {std::vector<std::string>{"test", "config/"},
          std::vector<std::string>{"apply", "--auto-approve", "config/"}}) {
        ProcessResult result = run_mailsync(command, options);
        CHECK(result.exit_code == 1);
        printed += result.out + result.err;
    }
    CHECK(imap.connections() == 0);
    check_nothing_leaked(printed);
    CHECK_THAT(printed, Catch::Contains("${env:MAILSYNC_TARGET_TOKEN} is one of mailsync's own "
                                        "settings"));
    CHECK_THAT(printed, Catch::Contains("../.git/config leads outside the configuration root"));
    CHECK_THAT(printed, Catch::Contains("/proc/self/environ is an absolute path; mailsync reads "
                                        "those only below a folder listed in "
                                        "MAILSYNC_ALLOWED_PATHS"));
}

TEST_CASE("a symlinked YAML file leading out of the root is refused and never quoted",
          "[cli][untrusted]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    write_file(dir.file("config/ok.yaml"),
               account("ok", "imap.example.com", 993, "{ password: \"${env:SUPPORT_PASSWORD}\" }"));
    fs::create_symlink("../.git/config", dir.file("config/x.yaml"));
    std::string printed = run_pr_jobs(options);
    check_nothing_leaked(printed);
    ProcessResult fork = run_mailsync({"validate", "--no-secrets", "config/"}, options);
    CHECK(fork.exit_code == 1);
    CHECK_THAT(fork.err,
               Catch::Contains("config/x.yaml: error: this file is a link that leads "
                               "outside config; mailsync reads configuration files "
                               "only below the folder given, and has read nothing of it"));
    CHECK(fork.err.find("extraheader") == std::string::npos);
}

TEST_CASE("a token endpoint of the author's receives no client secret or grant",
          "[cli][untrusted]") {
    RecordingServer token(RecordingServer::Speaks::http);
    TempDir dir;
    RunOptions options = pr_job(dir);
    std::string url = fmt::format("http://127.0.0.1:{}/token", token.port());
    write_file(
        dir.file("config/idp.yaml"),
        custom_client(url) +
            account("box", "imap.example.com", 143,
                    "{ oauth2: { client: idp, refreshToken: \"${env:SUPPORT_PASSWORD}\" } }"));
    std::string printed = run_pr_jobs(options);
    ProcessResult test = run_mailsync({"test", "config/"}, options);
    CHECK(test.exit_code == 1);
    CHECK_THAT(test.out, Catch::Contains("refused"));
    printed += test.out + test.err;
    CHECK(token.connections() == 0);
    check_nothing_leaked(printed);

    SECTION("over plain http to any other host, the token URL is an error") {
        write_file(dir.file("config/idp.yaml"),
                   custom_client("http://idp.attacker.example/token") +
                       account("box", "imap.example.com", 143,
                               "{ oauth2: { client: idp, refreshToken: \"x-literal\" } }"));
        ProcessResult invalid = run_mailsync({"validate", "--no-secrets", "config/"}, options);
        CHECK(invalid.exit_code == 1);
        CHECK_THAT(invalid.err, Catch::Contains("OAuth2Client 'idp': tokenUrl is plain http://"));
        CHECK_THAT(invalid.err, Catch::Contains("use https://"));
    }
    SECTION("control: with the host allowed, the test does post the client secret there") {
        options.env["MAILSYNC_ALLOWED_HOSTS"] = "127.0.0.1, imap.example.com";
        run_mailsync({"test", "config/"}, options);
        CHECK(token.connections() > 0);
        CHECK(token.saw(support_password));
    }
}

TEST_CASE("without an allowlist, secrets go only where an apply sent them", "[cli][untrusted]") {
    RecordingServer imap(RecordingServer::Speaks::imap);
    TempDir dir;
    RunOptions options = pr_job(dir);
    options.env.erase("MAILSYNC_ALLOWED_HOSTS");
    std::string auth = "{ password: \"${env:SUPPORT_PASSWORD}\" }";
    write_file(dir.file("config/box.yaml"), account("box", "imap.example.com", 993, auth));
    // The merge's apply records where the reviewed configuration sends each secret.
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config/"}, options).exit_code == 0);
    options.env.erase("MAILSYNC_SKIP_LIVE_TESTS");

    // A pull request moves the secret to its own server.
    write_file(dir.file("config/box.yaml"), account("box", "127.0.0.1", imap.port(), auth));
    ProcessResult plan = run_mailsync({"plan", "config/"}, options);
    CHECK_THAT(plan.out, Catch::Contains(
                             fmt::format("Secrets that would go to servers they have not been "
                                         "sent to before (check these hosts):\n"
                                         "  MailAccount 'box': spec.auth.password "
                                         "${{env:SUPPORT_PASSWORD}} → imap+plain://127.0.0.1:{}\n",
                                         imap.port())));
    ProcessResult test = run_mailsync({"test", "--format", "json", "config/"}, options);
    CHECK(test.exit_code == 1);
    CHECK_THAT(test.out, Catch::Contains("no apply has sent this secret there yet"));
    CHECK_THAT(test.out, Catch::Contains("--allow-new-endpoints"));
    ProcessResult validate = run_mailsync({"validate", "--live", "config/"}, options);
    CHECK(validate.exit_code == 1);
    CHECK(imap.connections() == 0);
    check_nothing_leaked(plan.out + plan.err + test.out + test.err + validate.out + validate.err);

    SECTION("control: a trusted operator's --allow-new-endpoints lets it through") {
        run_mailsync({"test", "--allow-new-endpoints", "config/"}, options);
        CHECK(imap.saw(support_password, "attacker"));
    }
}

TEST_CASE("plain http is for loopback addresses only, and verify: false is always a warning",
          "[cli][untrusted]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    write_file(dir.file("config/box.yaml"),
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: box\nspec:\n"
               "  protocol: imap\n  host: imap.example.com\n  username: u\n"
               "  auth: { password: \"${env:SUPPORT_PASSWORD}\" }\n  tls:\n    verify: false\n");
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "elsewhere.example.com"; // the test is refused
    for (std::vector<std::string> command : {std::vector<std::string>{"validate", "config/"},
                                             std::vector<std::string>{"plan", "config/"},
                                             std::vector<std::string>{"test", "config/"}}) {
        ProcessResult result = run_mailsync(command, options);
        CHECK_THAT(result.err, Catch::Contains("warning: MailAccount 'box': tls.verify is false"));
    }
    options.env["MAILSYNC_TARGET"] = "http://127.0.0.1.attacker.example/api/v1";
    ProcessResult plan = run_mailsync({"plan", "config/"}, options);
    CHECK(plan.exit_code == 1);
    CHECK_THAT(plan.err, Catch::Contains("plain http:// is allowed only on this machine"));
    check_nothing_leaked(plan.out + plan.err);
}

TEST_CASE("a link whose absolute target climbs out through a linked folder is refused",
          "[cli][untrusted]") {
    // config/esc -> ../.git/refs; config/x.yaml -> ROOT/esc/../config: as text it reads
    // ROOT/config, on disk it is .git/config.
    TempDir dir;
    RunOptions options = pr_job(dir);
    fs::create_directories(dir.file(".git/refs"));
    write_file(dir.file("config/config"), "decoy: 1\n");
    write_file(dir.file("config/ok.yaml"),
               account("ok", "imap.example.com", 993, "{ password: \"${env:SUPPORT_PASSWORD}\" }"));
    fs::create_symlink("../.git/refs", dir.file("config/esc"));
    std::string root = fs::canonical(dir.file("config")).string();
    fs::create_symlink(root + "/esc/../config", dir.file("config/x.yaml"));
    fs::create_symlink(root + "/esc/../config", dir.file("config/secret.txt"));
    write_file(dir.file("config/steal.yaml"),
               account("steal", "imap.example.com", 993, "{ password: \"${file:secret.txt}\" }"));
    for (const std::vector<std::string>& command : pr_commands) {
        ProcessResult result = run_mailsync(command, options);
        INFO(command[0] << " " << command[1]);
        CHECK(result.exit_code == 1);
        check_nothing_leaked(result.out + result.err);
        CHECK(result.err.find("extraheader") == std::string::npos);
    }
    ProcessResult fork = run_mailsync({"validate", "--no-secrets", "config/"}, options);
    CHECK_THAT(fork.err, Catch::Contains("config/x.yaml: error: this file is a link that leads "
                                         "outside config"));
}

TEST_CASE("a configuration folder that is a link is refused", "[cli][untrusted]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    write_file(dir.file("real/ok.yaml"),
               account("ok", "imap.example.com", 993, "{ password: \"${file:../.git/config}\" }"));
    fs::create_directory_symlink(".", dir.file("config"));
    ProcessResult result = run_mailsync({"validate", "config/"}, options);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("config: error: config is a link; give the folder it "
                                           "leads to instead"));
    check_nothing_leaked(result.out + result.err);
}

TEST_CASE("the CI platform's own variables cannot be made secrets", "[cli][untrusted]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    options.env["GITHUB_TOKEN"] = "ghs_victimjobtoken";
    options.env["CI_JOB_TOKEN"] = "glcbt-victimjobtoken";
    write_file(dir.file("config/a.yaml"),
               account("a", "imap.example.com", 993, "{ password: \"${env:GITHUB_TOKEN}\" }") +
                   account("b", "imap.example.com", 993, "{ password: \"${env:CI_JOB_TOKEN}\" }"));
    ProcessResult result = run_mailsync({"validate", "config/"}, options);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("${env:GITHUB_TOKEN} is one of the CI platform's own "
                                           "variables (GITHUB_*)"));
    CHECK_THAT(result.err, Catch::Contains("${env:CI_JOB_TOKEN} is one of the CI platform's own "
                                           "variables (CI_*)"));
}

TEST_CASE("control characters in a field cannot hide the rest of the markdown plan",
          "[cli][untrusted]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    write_file(dir.file("config/a.yaml"),
               "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: a\nspec:\n"
               "  description: \"innocent\\r~~~\\rhidden\\u2028more\"\n  protocol: imap\n"
               "  host: imap.example.com\n  username: u\n"
               "  auth: { password: \"${env:SUPPORT_PASSWORD}\" }\n");
    ProcessResult plan = run_mailsync({"plan", "--format", "markdown", "config/"}, options);
    REQUIRE(plan.exit_code == 0);
    CHECK(plan.out.find('\r') == std::string::npos);
    CHECK(plan.out.find("\xE2\x80\xA8") == std::string::npos);
    CHECK_THAT(plan.out, Catch::Contains("innocent\xE2\x90\x8D~~~\xE2\x90\x8Dhidden"));
}

TEST_CASE("weakening TLS towards a bound host is a new endpoint", "[cli][untrusted]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    options.env.erase("MAILSYNC_ALLOWED_HOSTS");
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    write_file(dir.file("config/box.yaml"), account("box", "imap.example.com", 993,
                                                    "{ password: \"${env:SUPPORT_PASSWORD}\" }"));
    std::string yaml = read_file(dir.file("config/box.yaml"));
    yaml.replace(yaml.find("encryption: none"), 16, "encryption: ssl");
    write_file(dir.file("config/box.yaml"), yaml);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config/"}, options).exit_code == 0);
    write_file(dir.file("config/box.yaml"), yaml + "  tls: { verify: false }\n");
    ProcessResult plan = run_mailsync({"plan", "config/"}, options);
    CHECK_THAT(plan.out, Catch::Contains("${env:SUPPORT_PASSWORD} → "
                                         "imap+noverify://imap.example.com:993"));
}

TEST_CASE("an apply with nothing to change still records the endpoints it may use",
          "[cli][untrusted]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    std::string yaml =
        account("box", "imap.example.com", 993, "{ password: \"${env:SUPPORT_PASSWORD}\" }");
    yaml.replace(yaml.find("encryption: none"), 16, "encryption: ssl");
    write_file(dir.file("config/box.yaml"), yaml);
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "elsewhere.example.com"; // binds nothing
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config/"}, options).exit_code == 0);
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "imap.example.com";
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config/"}, options).exit_code == 0);
    options.env.erase("MAILSYNC_ALLOWED_HOSTS");
    write_file(dir.file("config/other.yaml"), account("other", "imap.example.com", 995,
                                                      "{ password: \"${env:SUPPORT_PASSWORD}\" }"));
    ProcessResult plan = run_mailsync({"plan", "config/"}, options);
    CHECK_THAT(plan.out, Catch::Contains("imap+plain://imap.example.com:995"));
    CHECK(plan.out.find("imap://imap.example.com:993") == std::string::npos);
}

TEST_CASE("the select option takes one value, so a path may follow it", "[cli]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    write_file(
        dir.file("config/box.yaml"),
        account("box", "imap.example.com", 993, "{ password: \"${env:SUPPORT_PASSWORD}\" }") +
            account("two", "imap.example.com", 993, "{ password: \"${env:SUPPORT_PASSWORD}\" }"));
    ProcessResult plan = run_mailsync({"plan", "--select", "MailAccount/box", "config/"}, options);
    CHECK(plan.exit_code == 0);
    CHECK_THAT(plan.out, Catch::Contains("Plan: 1 to create"));
}

TEST_CASE("the settings file and the paths it names never lead out of the root through links",
          "[cli][untrusted][environments]") {
    TempDir dir;
    RunOptions options = pr_job(dir);
    write_file(dir.file("config/ok.yaml"),
               account("ok", "imap.example.com", 993, "{ password: \"${env:SUPPORT_PASSWORD}\" }"));
    auto settings = [&](const std::string& environment) {
        write_file(dir.file("config/mailsync.yaml"),
                   "apiVersion: mailsync/v1\nkind: Settings\ndefaultEnvironment: a\n"
                   "environments:\n  a:\n" +
                       environment);
    };
    auto fork_job = [&] {
        ProcessResult result = run_mailsync({"validate", "--no-secrets", "config/"}, options);
        CHECK(result.exit_code == 1);
        CHECK(result.err.find("extraheader") == std::string::npos);
        check_nothing_leaked(result.out + result.err);
        return result.err;
    };
    SECTION("mailsync.yaml itself a link to the checkout's credentials") {
        fs::create_symlink("../.git/config", dir.file("config/mailsync.yaml"));
        CHECK_THAT(fork_job(), Catch::Contains("config/mailsync.yaml: error: this file is a link "
                                               "that leads outside the configuration root"));
    }
    SECTION("a mapping profile that is a link out") {
        fs::create_symlink("../.git/config", dir.file("config/m.yaml"));
        settings("    mapping: m.yaml\n");
        CHECK_THAT(fork_job(), Catch::Contains("mapping 'm.yaml': a path in the settings file "
                                               "must be relative and stay below the "
                                               "configuration root, links included"));
    }
    SECTION("a state and a target through a linked folder") {
        fs::create_directory(dir.file("elsewhere"));
        fs::create_directory_symlink("../elsewhere", dir.file("config/out"));
        settings("    state: out/state.db\n    target: sqlite:out/t.db\n");
        options.env.erase("MAILSYNC_STATE"); // else they beat the file
        options.env.erase("MAILSYNC_TARGET");
        options.unset_env = {"MAILSYNC_STATE", "MAILSYNC_TARGET"};
        ProcessResult plan = run_mailsync({"plan", "config/"}, options);
        CHECK(plan.exit_code == 1);
        CHECK_THAT(plan.err, Catch::Contains("state 'out/state.db': a path in the settings file "
                                             "must be relative and stay below the configuration "
                                             "root, links included"));
        CHECK(fs::is_empty(dir.file("elsewhere")));
    }
}
