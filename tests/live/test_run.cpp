#include "live/test_run.hpp"

#include <catch2/catch.hpp>

#include "live/mail_fixture.hpp"
#include "support/json_schema.hpp"
#include "support/temp_dir.hpp"

namespace mailsync::test {

using nlohmann::json;

Outcome run_test(const std::string& yaml, std::vector<std::string> args,
                 std::map<std::string, std::string> env) {
    TempDir dir;
    write_file(dir.file("config/live.yaml"), yaml);
    std::vector<std::string> argv{"test", dir.file("config"), "--format", "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env = fixture_secrets();
    for (const auto& [name, value] : env)
        options.env[name] = value;
    Outcome out;
    out.process = run_mailsync(argv, options);
    json parsed = json::parse(out.process.out, nullptr, false);
    INFO(out.process.out << out.process.err);
    REQUIRE(parsed.is_object());
    // Every outcome of every test here, traces included, is what schemas/test.schema.json says.
    CHECK(schema_file_violations("test.schema.json", parsed).empty());
    out.results = json::object();
    for (const json& result : parsed["results"])
        out.results[result["name"].get<std::string>()] = result;
    return out;
}

ProcessResult run_test_table(const std::string& yaml) {
    TempDir dir;
    write_file(dir.file("live.yaml"), yaml);
    RunOptions options;
    options.env = fixture_secrets();
    return run_mailsync({"test", dir.path()}, options);
}

std::string summary(const Outcome& outcome) {
    return outcome.process.out + outcome.process.err;
}

void require_ok(const Outcome& outcome, const std::string& name) {
    INFO(summary(outcome));
    REQUIRE(outcome.results.contains(name));
    CHECK(outcome.results[name]["ok"] == true);
}

void require_failure(const Outcome& outcome, const std::string& name, const std::string& phase,
                     const std::string& message_part, const std::string& hint_part) {
    INFO(summary(outcome));
    REQUIRE(outcome.results.contains(name));
    const json& result = outcome.results[name];
    CHECK(result["ok"] == false);
    CHECK(result["phase"] == phase);
    CHECK_THAT(result["message"].get<std::string>(), Catch::Contains(message_part));
    CHECK_THAT(result["hint"].get<std::string>(), Catch::Contains(hint_part));
}

} // namespace mailsync::test
