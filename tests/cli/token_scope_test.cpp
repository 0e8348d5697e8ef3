// The target's token scopes (schemas/target-api.yaml): plans with a read token, writes refused
// with a clear 403 that says apply needs the write scope, the token never printed.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/target_server.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

TEST_CASE("a write with a token of the read scope is a clear 403 error, and plan works with it",
          "[cli][https][env-file]") {
    TempDir dir;
    write_config(dir.path(), {1, 2, 0});
    TargetServer server;
    RunOptions options;
    options.cwd = dir.path();
    for (const auto& [name, value] : test_secrets())
        options.env[name] = value;
    for (const auto& [name, value] : server.env())
        options.env[name] = value;
    options.env["MAILSYNC_TARGET_TOKEN"] = read_target_token;
    ProcessResult planned = run_mailsync({"plan", "--detailed-exitcode", "."}, options);
    INFO(planned.err);
    CHECK(planned.exit_code == 2);
    ProcessResult refused = run_mailsync({"apply", "--auto-approve", "."}, options);
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err,
               Catch::Contains("403 Forbidden: the token has the read scope; creating, "
                               "updating and deleting need the write scope (MAILSYNC_TARGET_TOKEN "
                               "may not make this request: a token of the read scope can only "
                               "list; apply needs one of the write scope)"));
    CHECK(refused.err.find(read_target_token) == std::string::npos);
    CHECK(server.stats()["objects"] == 0);
    nlohmann::json answer =
        server.request("POST", "/oauth2-clients", "{}", {}, read_target_token).body;
    CHECK(answer["code"] == "forbidden");
}
