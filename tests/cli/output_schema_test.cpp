// Machine-readable outputs match their documented JSON Schemas.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/json_schema.hpp"
#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

TEST_CASE("plan --format json and the saved plan match schemas/plan.schema.json", "[cli][schema]") {
    TempDir dir;
    write_config(dir.path(), {2, 6, 3});
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    // Something of every action: creates first, then an update, a delete and no-ops.
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, options).exit_code == 0);
    write_config(dir.path(), {2, 5, 3});
    std::string yaml = read_file(dir.file("config.yaml"));
    yaml.replace(yaml.find("imap1.example.com"), 17, "imap7.example.com");
    write_file(dir.file("config.yaml"), yaml);
    options.env["TEST_PASSWORD"] = "rotated";
    ProcessResult plan =
        run_mailsync({"plan", "--format", "json", "--out", "plan.json", "."}, options);
    REQUIRE(plan.exit_code == 0);
    nlohmann::json printed = nlohmann::json::parse(plan.out);
    CHECK(printed["summary"]["update"].get<int>() >= 1);
    CHECK(printed["summary"]["delete"] == 1);
    CHECK(schema_file_violations("plan.schema.json", printed).empty());
    nlohmann::json broken = printed;
    broken["actions"][0]["secrets"] = {
        {{"key", "password"}, {"label", "Password"}, {"fingerprint", "plain-text"}}};
    CHECK_FALSE(schema_file_violations("plan.schema.json", broken).empty());
    nlohmann::json saved = nlohmann::json::parse(read_file(dir.file("plan.json")));
    // What the plan shows only for review is not saved.
    CHECK(printed.contains("new_secret_endpoints"));
    printed.erase("new_secret_endpoints");
    CHECK(saved == printed);
}

TEST_CASE("validate --format json matches schemas/validate.schema.json, valid or not",
          "[cli][schema]") {
    TempDir dir;
    write_config(dir.path(), {1, 2, 1});
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    ProcessResult valid = run_mailsync({"validate", "--format", "json", "."}, options);
    REQUIRE(valid.exit_code == 0);
    nlohmann::json printed = nlohmann::json::parse(valid.out);
    CHECK(printed["valid"] == true);
    CHECK(printed["resources"]["MailAccount"] == 2);
    CHECK(schema_file_violations("validate.schema.json", printed).empty());

    write_file(dir.file("broken.yaml"), "apiVersion: mailsync/v1\nkind: MailAccount\n"
                                        "metadata: {name: x}\nspec: {protocol: imap, port: 0}\n");
    ProcessResult invalid =
        run_mailsync({"validate", "--format", "json", "--no-secrets", "."}, options);
    CHECK(invalid.exit_code == 1);
    printed = nlohmann::json::parse(invalid.out);
    CHECK(printed["valid"] == false);
    CHECK(printed["secrets_resolved"] == false);
    CHECK_FALSE(printed["diagnostics"].empty());
    CHECK(schema_file_violations("validate.schema.json", printed).empty());
    printed["diagnostics"][0]["severity"] = "fatal";
    CHECK_FALSE(schema_file_violations("validate.schema.json", printed).empty());
}

TEST_CASE("test --format json matches schemas/test.schema.json for a failed connection",
          "[cli][schema]") {
    TempDir dir;
    // Nothing listens on port 1: a real failure in the connect phase.
    write_file(dir.file("a.yaml"), "apiVersion: mailsync/v1\nkind: MailAccount\n"
                                   "metadata: {name: nowhere}\nspec:\n  protocol: imap\n"
                                   "  host: 127.0.0.1\n  port: 1\n  encryption: ssl\n"
                                   "  username: u@example.test\n  auth: {password: x}\n");
    RunOptions options;
    options.cwd = dir.path();
    ProcessResult result = run_mailsync({"test", "--format", "json", "a.yaml"}, options);
    CHECK(result.exit_code == 1);
    nlohmann::json printed = nlohmann::json::parse(result.out);
    CHECK(printed["failed"] == 1);
    CHECK(printed["results"][0]["phase"] == "connect");
    CHECK(schema_file_violations("test.schema.json", printed).empty());
}

TEST_CASE("apply and status --format json match their schemas", "[cli][schema]") {
    TempDir dir;
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    ProcessResult empty = run_mailsync({"status", "--format", "json"}, options);
    CHECK(empty.exit_code == 0);
    nlohmann::json status = nlohmann::json::parse(empty.out);
    CHECK(status["run"].is_null());
    CHECK(schema_file_violations("status.schema.json", status).empty());

    write_config(dir.path(), {1, 2, 1});
    ProcessResult created = run_mailsync(
        {"apply", "--auto-approve", "--skip-live-tests", "--format", "json", "."}, options);
    INFO(created.out << created.err);
    REQUIRE(created.exit_code == 0);
    nlohmann::json report = nlohmann::json::parse(created.out); // stdout is the report alone
    CHECK(report["result"] == "applied");
    CHECK(report["summary"]["created"] == 4);
    CHECK(report["actions"].size() == 4);
    CHECK(report["actions"][0]["outcome"] == "completed");
    CHECK(schema_file_violations("apply.schema.json", report).empty());

    ProcessResult again = run_mailsync(
        {"apply", "--auto-approve", "--skip-live-tests", "--format", "json", "."}, options);
    CHECK(again.exit_code == 0);
    report = nlohmann::json::parse(again.out);
    CHECK(report["result"] == "no-changes");
    CHECK(schema_file_violations("apply.schema.json", report).empty());

    // A saved plan gone stale: the configuration changed after it was made.
    write_config(dir.path(), {1, 1, 1});
    REQUIRE(run_mailsync({"plan", "--out", "plan.json", "."}, options).exit_code == 0);
    write_config(dir.path(), {1, 2, 1});
    ProcessResult stale = run_mailsync({"apply", "plan.json", "--format", "json"}, options);
    CHECK(stale.exit_code == 1);
    report = nlohmann::json::parse(stale.out);
    CHECK(report["result"] == "stale");
    CHECK_FALSE(report["reasons"].empty());
    CHECK(schema_file_violations("apply.schema.json", report).empty());

    ProcessResult ran = run_mailsync({"status", "--format", "json"}, options);
    CHECK(ran.exit_code == 0);
    status = nlohmann::json::parse(ran.out);
    CHECK(status["run"]["status"] == "completed");
    CHECK(status["counts"]["COMPLETED"] == 4);
    CHECK(schema_file_violations("status.schema.json", status).empty());
    status["tasks"][0]["status"] = "DONE";
    CHECK_FALSE(schema_file_violations("status.schema.json", status).empty());
}
