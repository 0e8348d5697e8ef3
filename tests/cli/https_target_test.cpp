// plan, apply and export over the https target, with the faults a real Cloud API has.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/target_under_test.hpp"

using namespace mailsync::test;

namespace {

std::size_t yaml_files_below(const std::string& dir) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
        count += entry.path().extension() == ".yaml" ? 1 : 0;
    return count;
}

} // namespace

TEST_CASE("20% injected faults on a 200-resource apply converge without duplicates",
          "[cli][https][faults]") {
    TempDir dir;
    write_config(dir.path(), {20, 120, 60});
    TargetUnderTest target("https");
    target.server().set_faults({{"faults",
                                 {{{"kind", "status"}, {"status", 429}, {"rate", 0.05}},
                                  {{"kind", "status"}, {"status", 503}, {"rate", 0.05}},
                                  {{"kind", "drop"}, {"rate", 0.05}},
                                  {{"kind", "lost"}, {"rate", 0.05}}}}});
    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "."}, target.in(dir));
    INFO(apply.err);
    if (apply.exit_code != 0) {
        // Six tries per request make this rare; a re-run must then finish the job.
        ProcessResult again = run_mailsync({"apply", "--auto-approve", "."}, target.in(dir));
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
    }
    CHECK(apply.err.find("requests to the target were retried") != std::string::npos);
    nlohmann::json stats = target.server().stats();
    CHECK(stats["faultsInjected"].get<long>() > 20);
    CHECK(stats["replays"].get<long>() > 0); // lost answers were replayed, not made twice
    CHECK(stats["objects"] == 200);
    CHECK(target.count_objects(dir) == 200);
    ProcessResult status = run_mailsync({"status", "--format", "json"}, target.in(dir));
    nlohmann::json journal = nlohmann::json::parse(status.out);
    CHECK(journal["run"]["status"] == "completed");
    target.server().set_faults({});
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir)).exit_code == 0);
}

TEST_CASE("apply's retry note counts every answer that vanished after the work, on a line of its "
          "own when stdout and stderr share one pipe",
          "[cli][https][faults]") {
    TempDir dir;
    write_config(dir.path(), {10, 200, 90});
    TargetUnderTest target("https");
    // Done, then the connection closes before a byte of the answer: mostly on kept-alive
    // connections, where libcurl would send the request again by itself.
    target.server().set_faults(
        {{"faults", {{{"kind", "vanish"}, {"route", "POST"}, {"rate", 0.2}, {"count", 25}}}}});
    RunOptions options = target.in(dir);
    options.env["NO_COLOR"] = "1";
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    ProcessResult apply = run_process(
        {"/bin/sh", "-c", "exec \"$0\" apply --auto-approve . 2>&1", MAILSYNC_BIN}, options);
    INFO(apply.out);
    REQUIRE(apply.exit_code == 0);
    nlohmann::json stats = target.server().stats();
    CHECK(stats["faultsInjected"] == 25);
    CHECK(stats["objects"] == 300);
    CHECK(stats["replays"] == 25);
    std::regex note(R"(note: 25 of \d+ requests to the target were retried \(25 × connection )"
                    R"(dropped or timed out\))");
    std::regex progress(R"(  created (OAuth2Client|MailAccount|SmtpConnection) [a-z]+-\d+)");
    int notes = 0, created = 0;
    std::istringstream lines(apply.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("note:") != std::string::npos) {
            CHECK(std::regex_match(line, note));
            ++notes;
        } else if (line.find("created") != std::string::npos && !line.starts_with("Apply")) {
            CHECK(std::regex_match(line, progress));
            ++created;
        }
    }
    CHECK(notes == 1);
    CHECK(created == 300);
}

TEST_CASE("a 500 is not retried: the apply stops there and a re-run converges",
          "[cli][https][faults]") {
    TempDir dir;
    write_config(dir.path(), {5, 30, 15});
    TargetUnderTest target("https");
    target.server().set_faults(
        {{"faults", {{{"kind", "status"}, {"status", 500}, {"rate", 0.1}}}}});
    ProcessResult first = run_mailsync({"apply", "--auto-approve", "."}, target.in(dir));
    CHECK(first.exit_code == 1);
    CHECK(first.err.find("500 Internal Server Error: injected 500") != std::string::npos);
    target.server().set_faults({});
    ProcessResult again = run_mailsync({"apply", "--auto-approve", "."}, target.in(dir));
    CHECK(again.exit_code == 0);
    CHECK(target.count_objects(dir) == 50);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir)).exit_code == 0);
}

TEST_CASE("a saved plan refuses when someone edited an object on the server",
          "[cli][https][apply]") {
    TempDir dir;
    write_config(dir.path(), {1, 3, 0});
    TargetUnderTest target("https");
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, target.in(dir)).exit_code == 0);
    std::string yaml = read_file(dir.file("config.yaml"));
    yaml.replace(yaml.find("host: imap1.example.com"), 23, "host: imap7.example.com");
    write_file(dir.file("config.yaml"), yaml);
    REQUIRE(run_mailsync({"plan", "--out", "plan.json", "."}, target.in(dir)).exit_code == 0);

    // Someone changes box-1, which the plan updates, in the Cloud admin UI (through the API).
    auto api = mailsync::open_target(target.server().url(), target.server().options());
    REQUIRE(api);
    auto accounts = (*api)->list("mail-accounts");
    REQUIRE(accounts);
    for (const mailsync::TargetObject& object : *accounts) {
        if (object.name() != "box-1")
            continue;
        mailsync::WriteRequest edit;
        edit.fields = object.fields;
        edit.fields["description"] = "edited by hand";
        REQUIRE((*api)->update("mail-accounts", object.id, object.version, edit));
    }
    ProcessResult stale = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(stale.exit_code == 1);
    CHECK(stale.err.find("error: the saved plan plan.json is stale; a plan made now differs:\n") ==
          0);
    CHECK(stale.err.find("  - MailAccount \"box-1\" changed in the target since the plan (version "
                         "1 → 2)\n") != std::string::npos);
}

TEST_CASE("a wrong token or CA stops plan with the server's words and exit 1", "[cli][https]") {
    TempDir dir;
    write_config(dir.path(), {1, 1, 0});
    TargetUnderTest target("https");
    RunOptions wrong_token = target.in(dir);
    wrong_token.env["MAILSYNC_TARGET_TOKEN"] = "not-the-token";
    ProcessResult refused = run_mailsync({"plan", "."}, wrong_token);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("error: cannot list oauth2-clients in " + target.describe() +
                           ": GET /oauth2-clients: 401 Unauthorized: missing or invalid bearer "
                           "token (the target refused the bearer token; check "
                           "MAILSYNC_TARGET_TOKEN)") != std::string::npos);
    CHECK(refused.err.find("not-the-token") == std::string::npos);

    RunOptions no_token = target.in(dir);
    no_token.unset_env.push_back("MAILSYNC_TARGET_TOKEN");
    no_token.env.erase("MAILSYNC_TARGET_TOKEN");
    ProcessResult missing = run_mailsync({"plan", "."}, no_token);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("needs a bearer token: set MAILSYNC_TARGET_TOKEN") != std::string::npos);

    RunOptions other_ca = target.in(dir);
    other_ca.env["MAILSYNC_TARGET_CA_FILE"] = TargetServer::other_ca_file();
    ProcessResult untrusted = run_mailsync({"plan", "."}, other_ca);
    CHECK(untrusted.exit_code == 1);
    CHECK(untrusted.err.find("certificate") != std::string::npos);
}

TEST_CASE("export writes YAML that plans with no changes, over either target", "[cli][export]") {
    FOR_EACH_TARGET(target);
    TempDir source, adopted;
    write_config(source.path(), {3, 18, 9});
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, target.in(source)).exit_code == 0);

    // Another repository adopts what the target holds. For sqlite: it reads the same file.
    RunOptions in = target.in(adopted);
    // --config: the state export writes is that of the configuration it writes, in cloud/.
    std::vector<std::string> args{"export", "--out", "cloud", "--config", "cloud"};
    if (!target.https()) {
        args.push_back("--target");
        args.push_back("sqlite:" + source.file(".mailsync/target.db"));
    }
    ProcessResult exported = run_mailsync(args, in);
    INFO(exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK(exported.err.empty()); // the round-trip check found nothing to warn about
    CHECK(exported.out.starts_with("Exported 3 OAuth2 clients, 18 mail accounts and 9 SMTP "
                                   "connections from "));
    CHECK(yaml_files_below(adopted.file("cloud")) == 3);
    std::map<std::string, std::string> variables =
        fill_env_example(adopted.file("cloud/.env.example"));
    CHECK(variables.size() == 3 + 18 + 9); // each object has one secret
    CHECK(variables.contains("MAIL_BOX_1_REFRESH_TOKEN"));
    CHECK(variables.contains("OAUTH2_CLIENT_1_CLIENT_SECRET"));
    CHECK(variables.contains("SMTP_OUT_1_PASSWORD"));
    for (const char* file :
         {"oauth2-clients.yaml", "mail-accounts.yaml", "smtp-connections.yaml", ".env.example"}) {
        std::string text = read_file(adopted.file(std::string("cloud/") + file));
        for (const auto& [name, value] : test_secrets())
            CHECK(text.find(value) == std::string::npos);
    }

    for (const auto& [name, value] : variables)
        in.env[name] = value;
    std::vector<std::string> plan{"plan", "--detailed-exitcode", "cloud"};
    if (!target.https()) {
        plan.push_back("--target");
        plan.push_back("sqlite:" + source.file(".mailsync/target.db"));
    }
    ProcessResult planned = run_mailsync(plan, in);
    INFO(planned.out << planned.err);
    CHECK(planned.exit_code == 0);
    CHECK(planned.out.find("No changes. The target matches the configuration.") !=
          std::string::npos);
    CHECK(planned.out.find("Note: 30 secrets adopted by 'mailsync export' are taken as the "
                           "target holds them") != std::string::npos);

    // The state export wrote lies below the folder it wrote, the new configuration's root.
    std::vector<std::string> status_args{"status", "--format", "json", "--config", "cloud"};
    if (!target.https()) {
        status_args.push_back("--target");
        status_args.push_back("sqlite:" + source.file(".mailsync/target.db"));
    }
    ProcessResult status = run_mailsync(status_args, in);
    nlohmann::json journal = nlohmann::json::parse(status.out);
    CHECK(journal["run"]["command"] == "export");
    CHECK(journal["counts"]["COMPLETED"] == 30);

    // A second export does not overwrite the first.
    ProcessResult again = run_mailsync(args, in);
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("already exist; export writes new files only (--force overwrites "
                         "them)") != std::string::npos);
}

TEST_CASE("export of an empty target writes nothing", "[cli][export]") {
    TempDir dir;
    TargetUnderTest target("https");
    ProcessResult exported = run_mailsync({"export", "--out", "cloud"}, target.in(dir));
    CHECK(exported.exit_code == 0);
    CHECK(exported.out == target.describe() + " holds nothing to export; no files written.\n");
    CHECK_FALSE(std::filesystem::exists(dir.file("cloud")));
}

TEST_CASE("export --split writes one file per resource", "[cli][export]") {
    TempDir dir;
    write_config(dir.path(), {2, 4, 1});
    TargetUnderTest target("https");
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, target.in(dir)).exit_code == 0);
    ProcessResult exported = run_mailsync(
        {"export", "--split", "--out", "adopted", "--state", "other.db"}, target.in(dir));
    REQUIRE(exported.exit_code == 0);
    CHECK(yaml_files_below(dir.file("adopted")) == 7);
    CHECK(std::filesystem::exists(dir.file("adopted/mail-accounts/box-1.yaml")));
    CHECK(std::filesystem::exists(dir.file("adopted/oauth2-clients/client-0.yaml")));
    CHECK(std::filesystem::exists(dir.file("adopted/smtp-connections/out-0.yaml")));
}

TEST_CASE("export names the objects it cannot express and writes the others", "[cli][export]") {
    TempDir dir;
    TargetUnderTest target("https");
    auto api = mailsync::open_target(target.server().url(), target.server().options());
    REQUIRE(api);
    mailsync::WriteRequest odd;
    odd.fields = {{"name", "yahoo-box"},
                  {"serviceProvider", "Yahoo Mail"},
                  {"host", "imap.mail.yahoo.com"},
                  {"port", 993}};
    auto odd_object = (*api)->create("mail-accounts", odd);
    REQUIRE(odd_object);
    mailsync::WriteRequest plain;
    plain.fields = {{"name", "plain"},
                    {"serviceProvider", "General IMAP4 service"},
                    {"encryption", "SSL"},
                    {"host", "imap.example.com"},
                    {"port", 993},
                    {"username", "p@example.com"},
                    {"status", "Not Active"},
                    {"timeout", 45}};
    plain.secrets.emplace_back("password", mailsync::SecretValue("secret-value-77"));
    REQUIRE((*api)->create("mail-accounts", plain));

    mailsync::WriteRequest no_status = plain;
    no_status.fields["name"] = "no-status";
    no_status.fields.erase("status"); // the YAML defaults: enabled ("Active"), folder INBOX
    REQUIRE((*api)->create("mail-accounts", no_status));

    ProcessResult exported = run_mailsync({"export", "--out", "cloud"}, target.in(dir));
    CHECK(exported.exit_code == 1);
    CHECK(exported.err.find(
              "warning: MailAccount 'no-status' will still show as update "
              "(Folder, Status): mailsync cannot say it the way the target holds it\n") !=
          std::string::npos);
    CHECK(
        exported.err.find("error: cannot export MailAccount 'yahoo-box' (id " + odd_object->id +
                          "): Service Provider 'Yahoo Mail' is not a value mapping "
                          "'server-to-cloud' knows (it knows General IMAP4 service, General "
                          "POP3 service, GMail/GSuite with OAuth2, Microsoft365 with OAuth2)\n") !=
        std::string::npos);
    std::string yaml = read_file(dir.file("cloud/mail-accounts.yaml"));
    CHECK(yaml.find("name: plain") != std::string::npos);
    CHECK(yaml.find("enabled: false") != std::string::npos);
    CHECK(yaml.find("timeout: 45s") != std::string::npos);
    CHECK(yaml.find("password: ${env:MAIL_PLAIN_PASSWORD}") != std::string::npos);
    CHECK(yaml.find("yahoo") == std::string::npos);
}

TEST_CASE("over https, no secret value or token reaches an output, plan file or state",
          "[cli][https][secrets]") {
    TempDir dir;
    write_config(dir.path(), {3, 6, 3});
    TargetUnderTest target("https");
    target.server().set_faults(
        {{"faults", {{{"kind", "status"}, {"status", 503}, {"rate", 0.2}}}}});
    std::string seen;
    auto run = [&](const std::vector<std::string>& args) {
        ProcessResult result = run_mailsync(args, target.in(dir));
        seen += result.out + result.err;
        return result.exit_code;
    };
    CHECK(run({"plan", "--out", "plan.json", "."}) == 0);
    CHECK(run({"plan", "--format", "json", "."}) == 0);
    CHECK(run({"apply", "plan.json"}) == 0);
    CHECK(run({"status", "--format", "json"}) == 0);
    CHECK(run({"export", "--out", "adopted", "--state", "adopted.db"}) == 0);
    RunOptions wrong = target.in(dir);
    wrong.env["MAILSYNC_TARGET_TOKEN"] = "wrong-token-9f2c";
    ProcessResult refused = run_mailsync({"plan", "."}, wrong);
    seen += refused.out + refused.err;
    for (const std::string& file :
         {std::string("plan.json"), target.state(), std::string("adopted.db"),
          std::string("adopted/mail-accounts.yaml"), std::string("adopted/.env.example")})
        seen += read_file(dir.file(file));
    std::map<std::string, std::string> secrets = test_secrets();
    secrets["token"] = target_token;
    secrets["wrong token"] = "wrong-token-9f2c";
    for (const auto& [name, value] : secrets) {
        INFO(name);
        CHECK(seen.find(value) == std::string::npos);
    }
}
