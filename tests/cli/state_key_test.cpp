// The state's key kept outside it: MAILSYNC_STATE_KEY and MAILSYNC_STATE_KEY_FILE end to end,
// a state that says it needs its key, and `mailsync state export-key`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

// What plan prints after its errors.
const std::string planning_failed = "Planning failed: 1 error.\n";

const std::string key_text = "0123456789abcdef0123456789abcdef-ci-secret";

RunOptions in_checkout(const TempDir& dir) {
    write_config(dir.path(), {1, 2, 1});
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    options.unset_env = {"MAILSYNC_STATE_KEY", "MAILSYNC_STATE_KEY_FILE"};
    return options;
}

RunOptions with_env(RunOptions options, const std::string& name, const std::string& value) {
    options.env[name] = value;
    std::erase(options.unset_env, name);
    return options;
}

// The bytes of the state and SQLite's files beside it.
std::string state_bytes(const TempDir& dir) {
    std::string path = dir.file(".mailsync/state.db");
    return read_file(path) + read_file(path + "-wal") + read_file(path + "-shm");
}

} // namespace

TEST_CASE("MAILSYNC_STATE_KEY keys the fingerprints and never enters the state",
          "[cli][state-key]") {
    TempDir dir;
    RunOptions plain = in_checkout(dir);
    RunOptions keyed = with_env(plain, "MAILSYNC_STATE_KEY", key_text);
    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "."}, keyed);
    INFO(apply.err);
    REQUIRE(apply.exit_code == 0);
    CHECK(state_bytes(dir).find(key_text) == std::string::npos);
    CHECK(state_bytes(dir).find("hmac_key") == std::string::npos);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, keyed).exit_code == 0);

    ProcessResult missing = run_mailsync({"plan", "."}, plain);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == "error: the state .mailsync/state.db was written with a key kept outside "
                         "it (MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE); set it\n" +
                             planning_failed);
    ProcessResult status = run_mailsync({"status"}, plain);
    CHECK(status.exit_code == 1);
    CHECK(status.err + planning_failed == missing.err);

    ProcessResult wrong =
        run_mailsync({"plan", "."}, with_env(plain, "MAILSYNC_STATE_KEY", std::string(40, 'w')));
    CHECK(wrong.exit_code == 1);
    CHECK(wrong.err == "error: the key does not match the state .mailsync/state.db: the key of "
                       "MAILSYNC_STATE_KEY is not the one it was written with\n" +
                           planning_failed);
}

TEST_CASE("MAILSYNC_STATE_KEY_FILE reads a private file", "[cli][state-key]") {
    TempDir dir;
    RunOptions plain = in_checkout(dir);
    write_file(dir.file("state.key"), key_text + "\n");
    ::chmod(dir.file("state.key").c_str(), 0644);
    RunOptions keyed = with_env(plain, "MAILSYNC_STATE_KEY_FILE", dir.file("state.key"));
    ProcessResult open_to_all = run_mailsync({"plan", "."}, keyed);
    CHECK(open_to_all.exit_code == 1);
    CHECK(open_to_all.err == "error: the state key file " + dir.file("state.key") +
                                 " can be read or written by others (mode 0644); make it "
                                 "private with 'chmod 600 " +
                                 dir.file("state.key") + "'\n" + planning_failed);
    CHECK_FALSE(fs::exists(dir.file(".mailsync/state.db")));

    ::chmod(dir.file("state.key").c_str(), 0600);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, keyed).exit_code == 0);
    // The file and the variable are the same key.
    RunOptions by_text = with_env(plain, "MAILSYNC_STATE_KEY", key_text);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, by_text).exit_code == 0);
    CHECK(state_bytes(dir).find(key_text) == std::string::npos);
}

TEST_CASE("a short state key is refused", "[cli][state-key]") {
    TempDir dir;
    RunOptions keyed = with_env(in_checkout(dir), "MAILSYNC_STATE_KEY", "hunter2");
    ProcessResult plan = run_mailsync({"plan", "."}, keyed);
    CHECK(plan.exit_code == 1);
    CHECK(plan.err == "error: the state key in MAILSYNC_STATE_KEY is too short: 7 characters, at "
                      "least 32 are needed (make one with 'openssl rand -hex 32')\n" +
                          planning_failed);
}

TEST_CASE("state export-key moves the key out and the state keeps working with it",
          "[cli][state-key]") {
    TempDir dir;
    RunOptions plain = in_checkout(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, plain).exit_code == 0);
    ProcessResult exported = run_mailsync({"state", "export-key", "--out", "state.key"}, plain);
    INFO(exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK(exported.out ==
          "Wrote the key of .mailsync/state.db to state.key (mode 0600) and removed it from the "
          "state.\nFrom now on give it as MAILSYNC_STATE_KEY_FILE=state.key or its content as "
          "MAILSYNC_STATE_KEY; keep it where the state is not (a CI secret, not its cache).\n");
    struct stat info {};
    REQUIRE(::stat(dir.file("state.key").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    std::string key = read_file(dir.file("state.key"));
    REQUIRE(key.size() == 65);
    CHECK(state_bytes(dir).find(key.substr(0, 64)) == std::string::npos);

    // The fingerprints written before still match: no changes.
    RunOptions keyed = with_env(plain, "MAILSYNC_STATE_KEY_FILE", dir.file("state.key"));
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, keyed).exit_code == 0);
    CHECK(run_mailsync({"plan", "."}, plain).exit_code == 1);

    ProcessResult again = run_mailsync({"state", "export-key", "--out", "other.key"}, keyed);
    CHECK(again.exit_code == 1);
    CHECK(again.err == "error: the state .mailsync/state.db keeps no key: it was written with a "
                       "key kept outside it (MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE)\n");
    CHECK_FALSE(fs::exists(dir.file("other.key")));
}

TEST_CASE("state export-key does not overwrite a file", "[cli][state-key]") {
    TempDir dir;
    RunOptions plain = in_checkout(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "--skip-live-tests", "."}, plain).exit_code ==
            0);
    write_file(dir.file("state.key"), "mine\n");
    ProcessResult exported = run_mailsync({"state", "export-key", "--out", "state.key"}, plain);
    CHECK(exported.exit_code == 1);
    CHECK(exported.err == "error: state.key already exists; export-key writes a new file only\n");
    CHECK(read_file(dir.file("state.key")) == "mine\n");
}
