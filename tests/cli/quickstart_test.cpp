// The README's first quick-start command, as written, in a copy of the repository's sample.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

TEST_CASE("the quick start plans, applies, and then has nothing to do", "[cli][quickstart]") {
    std::string readme = read_file(MAILSYNC_SOURCE_DIR "/README.md");
    const std::string command = "scripts/mailsync plan samples/quickstart && scripts/mailsync "
                                "apply --auto-approve --skip-live-tests samples/quickstart";
    REQUIRE(readme.find("```sh\n" + command + "\nscripts/test\n```") != std::string::npos);

    TempDir dir;
    fs::create_directories(dir.file("samples"));
    fs::copy(MAILSYNC_SOURCE_DIR "/samples/quickstart", dir.file("samples/quickstart"),
             fs::copy_options::recursive);
    RunOptions options;
    options.cwd = dir.path();
    options.live_tests = true; // the flag as written skips them: the sample's hosts are made up
    ProcessResult plan = run_mailsync({"plan", "samples/quickstart"}, options);
    CHECK(plan.exit_code == 0);
    CHECK(plan.out.ends_with("Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.\n"));
    ProcessResult apply = run_mailsync(
        {"apply", "--auto-approve", "--skip-live-tests", "samples/quickstart"}, options);
    CHECK(apply.exit_code == 0);
    CHECK(apply.out.ends_with("Apply complete: 4 created, 0 updated, 0 deleted, 0 failed, "
                              "0 skipped.\n"));
    ProcessResult again =
        run_mailsync({"plan", "--detailed-exitcode", "samples/quickstart"}, options);
    CHECK(again.exit_code == 0);
    // .mailsync/ lies below the configuration root, not the current folder.
    CHECK(fs::exists(dir.file("samples/quickstart/.mailsync/target.db")));
    CHECK(fs::exists(dir.file("samples/quickstart/.mailsync/state.db")));
}
