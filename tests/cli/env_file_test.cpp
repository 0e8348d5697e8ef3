// `--env-file FILE` / MAILSYNC_ENV_FILE: one file of variables for every ${env:...} and for
// mailsync's own settings, refused when others may read it, its values never printed.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/target_server.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

// The variables the written configuration needs, as the lines of an env file, and their values.
std::string env_file_text(std::vector<std::string>& values) {
    std::string text = "# every secret of the configuration\n";
    for (const auto& [name, value] : test_secrets()) {
        text += "export " + name + "='" + value + "'\n";
        values.push_back(value);
    }
    return text;
}

void check_no_value(const ProcessResult& result, const std::vector<std::string>& values) {
    for (const std::string& value : values) {
        INFO(value);
        CHECK(result.out.find(value) == std::string::npos);
        CHECK(result.err.find(value) == std::string::npos);
    }
}

RunOptions without_secrets(const TempDir& dir) {
    RunOptions options;
    options.cwd = dir.path();
    for (const auto& [name, value] : test_secrets())
        options.unset_env.push_back(name);
    options.unset_env.push_back("MAILSYNC_ENV_FILE");
    return options;
}

} // namespace

TEST_CASE(
    "an env file (--env-file) gives every ${env:...} and mailsync's settings, values never printed",
    "[cli][env-file][secrets]") {
    TempDir dir;
    write_config(dir.file("config"), {2, 3, 1});
    std::vector<std::string> values;
    std::string file = dir.file("ci.env");
    TargetServer server;
    // The target and its token come from the file too.
    std::string text = env_file_text(values) + "MAILSYNC_TARGET=" + server.url() +
                       "\nMAILSYNC_TARGET_TOKEN=\"" + target_token +
                       "\"\nMAILSYNC_TARGET_CA_FILE=" + TargetServer::ca_file() + "\n";
    values.push_back(target_token);
    write_file(file, text);
    ::chmod(file.c_str(), 0600);
    RunOptions options = without_secrets(dir);

    ProcessResult missing = run_mailsync({"validate", "config"}, options);
    CHECK(missing.exit_code == 1);
    ProcessResult valid = run_mailsync({"validate", "--env-file", file, "config"}, options);
    INFO(valid.err);
    CHECK(valid.exit_code == 0);
    check_no_value(valid, values);
    ProcessResult applied =
        run_mailsync({"apply", "--auto-approve", "--env-file=" + file, "config"}, options);
    INFO(applied.err);
    CHECK(applied.exit_code == 0);
    CHECK_THAT(applied.out, Catch::Contains("Apply complete: 6 created"));
    check_no_value(applied, values);
    CHECK(server.stats()["objects"] == 6);

    options.env["MAILSYNC_ENV_FILE"] = file;
    ProcessResult planned = run_mailsync({"plan", "--detailed-exitcode", "config"}, options);
    INFO(planned.err);
    CHECK(planned.exit_code == 0);
    check_no_value(planned, values);
}

TEST_CASE("an env file that others may read, or with a broken line, is refused without its "
          "values",
          "[cli][env-file][secrets]") {
    TempDir dir;
    write_config(dir.file("config"), {1, 1, 0});
    std::vector<std::string> values;
    std::string file = dir.file("ci.env");
    write_file(file, env_file_text(values));
    ::chmod(file.c_str(), 0644);
    RunOptions options = without_secrets(dir);
    ProcessResult open = run_mailsync({"validate", "--env-file", file, "config"}, options);
    CHECK(open.exit_code == 1);
    CHECK(open.err == "error: env file " + file +
                          ": its mode is 0644: it holds secrets, so its group and others may not "
                          "read or write it (chmod 600 " +
                          file + ")\n");

    write_file(file, "GOOD=1\nBROKEN secret-value-7f3e\n");
    ::chmod(file.c_str(), 0600);
    options.env["MAILSYNC_ENV_FILE"] = file;
    ProcessResult broken = run_mailsync({"plan", "config"}, options);
    CHECK(broken.exit_code == 1);
    CHECK(broken.err == "error: " + file +
                            ":2:1: expected NAME=VALUE; this line has no '=' (its text is not "
                            "shown, as it may be a secret)\n");
    CHECK(broken.err.find("BROKEN") == std::string::npos);
    CHECK(broken.err.find("secret-value-7f3e") == std::string::npos);
}
