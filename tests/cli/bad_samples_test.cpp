// Every broken input in samples/bad/ gives exactly the error text in its .expected file.
// MAILSYNC_UPDATE_EXPECTED=1 rewrites the .expected files (review the diff before committing).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "support/process.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> bad_samples() {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(MAILSYNC_SOURCE_DIR "/samples/bad")) {
        if (entry.path().extension() == ".yaml")
            out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

RunOptions sample_env() {
    RunOptions options;
    options.env["SAMPLE_SECRET"] = "sample-secret-value-7f3a";
    options.unset_env = {"SAMPLE_UNSET_PASSWORD"};
    return options;
}

} // namespace

TEST_CASE("samples/bad has at least 25 broken inputs", "[cli][bad]") {
    CHECK(bad_samples().size() >= 25);
}

TEST_CASE("each broken input gives its exact error text and exit code 1", "[cli][bad]") {
    bool update = std::getenv("MAILSYNC_UPDATE_EXPECTED") != nullptr;
    for (const fs::path& sample : bad_samples()) {
        std::string relative = "samples/bad/" + sample.filename().string();
        DYNAMIC_SECTION(relative) {
            ProcessResult result = run_mailsync({"validate", relative}, sample_env());
            fs::path expected_path = sample;
            expected_path.replace_extension(".expected");
            if (update)
                write_file(expected_path.string(), result.err);
            REQUIRE(fs::exists(expected_path));
            CHECK(result.err == read_file(expected_path.string()));
            CHECK(result.exit_code == 1);
            CHECK(result.out.find("Invalid: ") != std::string::npos);
            CHECK(result.err.find("sample-secret-value-7f3a") == std::string::npos);
        }
    }
}

TEST_CASE("all broken inputs at once: every file's errors are reported", "[cli][bad]") {
    ProcessResult result = run_mailsync({"validate", "samples/bad"}, sample_env());
    CHECK(result.exit_code == 1);
    for (const fs::path& sample : bad_samples()) {
        INFO(sample.filename().string());
        std::string expected = read_file(fs::path(sample).replace_extension(".expected").string());
        // Cross-file checks may add to a file's errors, but never hide them.
        std::string first_line = expected.substr(0, expected.find('\n'));
        if (first_line.find("duplicate") == std::string::npos &&
            first_line.find("not declared") == std::string::npos)
            CHECK(result.err.find(first_line) != std::string::npos);
    }
}
