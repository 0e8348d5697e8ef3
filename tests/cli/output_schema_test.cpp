// Machine-readable outputs match their documented JSON Schemas.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

std::vector<std::string> violations(const std::string& schema_file, const nlohmann::json& doc) {
    nlohmann::json schema_json = nlohmann::json::parse(
        read_file(std::string(MAILSYNC_SOURCE_DIR "/schemas/") + schema_file));
    valijson::Schema schema;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
    parser.populateSchema(schema_adapter, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    validator.validate(schema, target, &results);
    std::vector<std::string> out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        std::string path;
        for (const std::string& step : error.context)
            path += step;
        out.push_back(path + ": " + error.description);
    }
    return out;
}

} // namespace

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
    CHECK(violations("plan.schema.json", printed).empty());
    nlohmann::json broken = printed;
    broken["actions"][0]["secrets"] = {
        {{"key", "password"}, {"label", "Password"}, {"fingerprint", "plain-text"}}};
    CHECK_FALSE(violations("plan.schema.json", broken).empty());
    nlohmann::json saved = nlohmann::json::parse(read_file(dir.file("plan.json")));
    CHECK(saved == printed);
}
