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
    CHECK(saved == printed);
}
