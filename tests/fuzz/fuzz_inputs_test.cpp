// Every seed of fuzz/seeds and every past finding of fuzz/regressions, run through the fuzzing
// harnesses as the normal (gcc) build compiles them: a finding once fixed stays fixed, and a
// harness that no longer builds or aborts on its seeds is noticed without clang.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "../../fuzz/harnesses.hpp"

namespace fs = std::filesystem;

namespace {

using Harness = int (*)(const std::uint8_t*, std::size_t);

const std::map<std::string, Harness> harnesses = {
    {"config", mailsync::fuzz::config},
    {"import-csv", mailsync::fuzz::import_csv},
    {"import-json", mailsync::fuzz::import_json},
    {"plan-file", mailsync::fuzz::plan_file},
    {"imap-response", mailsync::fuzz::imap_response},
    {"probe-replies", mailsync::fuzz::probe_replies},
    {"http-answers", mailsync::fuzz::http_answers},
    {"oauth2-redirect", mailsync::fuzz::oauth2_redirect},
};

std::vector<fs::path> inputs(const std::string& kind, const std::string& target) {
    std::vector<fs::path> out;
    fs::path folder = fs::path(MAILSYNC_SOURCE_DIR) / "fuzz" / kind / target;
    if (fs::is_directory(folder)) {
        for (const fs::directory_entry& entry : fs::directory_iterator(folder))
            out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void run_all(const std::string& kind) {
    std::size_t total = 0;
    for (const auto& [target, harness] : harnesses) {
        for (const fs::path& input : inputs(kind, target)) {
            INFO(input.string());
            std::string bytes = read_bytes(input);
            CHECK(harness(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0);
            ++total;
        }
    }
    CHECK(total > 0);
}

} // namespace

TEST_CASE("every past fuzzing finding runs clean", "[fuzz]") {
    run_all("regressions");
}

TEST_CASE("every fuzzing seed runs clean through its harness", "[fuzz]") {
    run_all("seeds");
    for (const auto& [target, harness] : harnesses) {
        INFO(target);
        CHECK_FALSE(inputs("seeds", target).empty());
    }
}
