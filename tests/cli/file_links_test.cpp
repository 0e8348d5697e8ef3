// Symbolic links where mailsync writes: the state, its folder and SQLite's files beside it, the
// saved plan and its old temporary name, and the files import and export write. Each is refused
// or stepped around, and what a link points at is never written.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

// What plan prints after its errors.
const std::string planning_failed = "Planning failed: 1 error.\n";

// A checkout with a small configuration, planned against the default sqlite: target.
RunOptions in_checkout(const TempDir& dir) {
    write_config(dir.path(), {1, 2, 1});
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    return options;
}

// A file a link will point at, which must keep its text.
std::string victim(const TempDir& dir) {
    fs::create_directories(dir.file("elsewhere"));
    write_file(dir.file("elsewhere/victim"), "precious\n");
    return dir.file("elsewhere/victim");
}

} // namespace

TEST_CASE("a state file that is a symbolic link is refused", "[cli][links]") {
    TempDir dir;
    RunOptions options = in_checkout(dir);
    std::string target = victim(dir);
    fs::create_directories(dir.file(".mailsync"));
    fs::create_symlink(target, dir.file(".mailsync/state.db"));
    ProcessResult plan = run_mailsync({"plan", "."}, options);
    CHECK(plan.exit_code == 1);
    CHECK(plan.err == "error: the state .mailsync/state.db is a symbolic link; mailsync does not "
                      "follow links for its state (replace the link with the file, or give "
                      "--state a path without links)\n" +
                          planning_failed);
    CHECK(read_file(target) == "precious\n");
    // status and force-unlock open it the same way.
    CHECK(run_mailsync({"status"}, options).exit_code == 1);
    CHECK(run_mailsync({"force-unlock"}, options).exit_code == 1);
    CHECK(read_file(target) == "precious\n");
    CHECK(fs::is_symlink(dir.file(".mailsync/state.db")));
}

TEST_CASE("a state folder that is a symbolic link is refused", "[cli][links]") {
    TempDir dir;
    RunOptions options = in_checkout(dir);
    fs::create_directories(dir.file("elsewhere"));
    fs::create_directory_symlink(dir.file("elsewhere"), dir.file(".mailsync"));
    ProcessResult plan = run_mailsync({"plan", "."}, options);
    CHECK(plan.exit_code == 1);
    CHECK(plan.err == "error: the state folder .mailsync is a symbolic link; mailsync does not "
                      "follow links for its state (replace the link with the folder, or give "
                      "--state a path without links)\n" +
                          planning_failed);
    CHECK(fs::is_empty(dir.file("elsewhere")));
}

TEST_CASE("SQLite's files beside the state are refused when they are links", "[cli][links]") {
    TempDir dir;
    RunOptions options = in_checkout(dir);
    REQUIRE(run_mailsync({"plan", "."}, options).exit_code == 0);
    std::string target = victim(dir);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
        INFO(suffix);
        std::string side = dir.file(std::string(".mailsync/state.db") + suffix);
        fs::remove(side);
        fs::create_symlink(target, side);
        ProcessResult plan = run_mailsync({"plan", "."}, options);
        CHECK(plan.exit_code == 1);
        CHECK(plan.err == std::string("error: the state's file .mailsync/state.db") + suffix +
                              " is a symbolic link; mailsync does not follow links for its "
                              "state (remove the link)\n" +
                              planning_failed);
        CHECK(read_file(target) == "precious\n");
        fs::remove(side);
    }
}

TEST_CASE("plan --out neither follows a link at FILE.tmp nor writes through FILE", "[cli][links]") {
    TempDir dir;
    RunOptions options = in_checkout(dir);
    std::string target = victim(dir);
    fs::create_symlink(target, dir.file("plan.json.tmp"));
    ProcessResult saved = run_mailsync({"plan", "--out", "plan.json", "."}, options);
    INFO(saved.err);
    CHECK(saved.exit_code == 0);
    CHECK(read_file(target) == "precious\n");
    CHECK(read_file(dir.file("plan.json")).find("\"mailsync-plan\"") != std::string::npos);

    fs::remove(dir.file("plan.json"));
    fs::create_symlink(target, dir.file("plan.json"));
    ProcessResult refused = run_mailsync({"plan", "--out", "plan.json", "."}, options);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("cannot write plan.json: it is a symbolic link, and mailsync does not "
                           "write through links") != std::string::npos);
    CHECK(read_file(target) == "precious\n");
}

TEST_CASE("export --force does not write through a link among its files", "[cli][links]") {
    TempDir dir;
    RunOptions options = in_checkout(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, options).exit_code == 0);
    ProcessResult first = run_mailsync({"export", "--out", "cloud"}, options);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(fs::exists(dir.file("cloud/mail-accounts.yaml")));
    std::string target = victim(dir);
    fs::remove(dir.file("cloud/mail-accounts.yaml"));
    fs::create_symlink(target, dir.file("cloud/mail-accounts.yaml"));
    ProcessResult forced = run_mailsync({"export", "--force", "--out", "cloud"}, options);
    CHECK(forced.exit_code == 1);
    CHECK(forced.err.find("error: cloud/mail-accounts.yaml is a symbolic link; export does not "
                          "write through links (remove it or choose another --out)\n") !=
          std::string::npos);
    CHECK(read_file(target) == "precious\n");
}

TEST_CASE("import --force does not write through a link among its files", "[cli][links]") {
    TempDir dir;
    std::string target = victim(dir);
    std::string input = MAILSYNC_SOURCE_DIR "/samples/import/accounts.csv";
    RunOptions options;
    options.cwd = dir.path();
    REQUIRE(run_mailsync({"import", input, "--out", "out"}, options).exit_code == 0);
    std::string written = read_file(dir.file("out/mail-accounts.yaml"));
    fs::remove(dir.file("out/mail-accounts.yaml"));
    fs::create_symlink(target, dir.file("out/mail-accounts.yaml"));
    ProcessResult forced = run_mailsync({"import", input, "--out", "out", "--force"}, options);
    CHECK(forced.exit_code == 1);
    CHECK(forced.err.find("error: out/mail-accounts.yaml is a symbolic link; import does not "
                          "write through links (remove it or choose another --out)\n") !=
          std::string::npos);
    CHECK(read_file(target) == "precious\n");
    // A dangling link is no file to keep, so it passes the check for existing files without
    // --force, but it is not written through either.
    fs::remove(target);
    fs::create_directories(dir.file("fresh"));
    fs::create_symlink(target, dir.file("fresh/mail-accounts.yaml"));
    ProcessResult dangling = run_mailsync({"import", input, "--out", "fresh"}, options);
    CHECK(dangling.exit_code == 1);
    CHECK(dangling.err.find("error: fresh/mail-accounts.yaml is a symbolic link") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(target));
}
