#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "util/safe_file.hpp"

using namespace mailsync;
namespace fs = std::filesystem;

namespace {

// The names in a folder, to see that no temporary file is left behind.
std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

mode_t mode_of(const std::string& path) {
    struct stat info {};
    REQUIRE(::lstat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

} // namespace

TEST_CASE("write_file_atomic writes a new file and replaces an old one", "[safe_file]") {
    test::TempDir dir;
    std::string path = dir.file("out.txt");
    REQUIRE(write_file_atomic(path, "one\n"));
    CHECK(test::read_file(path) == "one\n");
    REQUIRE(write_file_atomic(path, "two\n"));
    CHECK(test::read_file(path) == "two\n");
    CHECK(names_in(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file_atomic gives a secret file mode 0600", "[safe_file]") {
    test::TempDir dir;
    REQUIRE(write_file_atomic(dir.file("key"), "secret\n", 0600));
    CHECK(mode_of(dir.file("key")) == 0600);
}

TEST_CASE("write_file_atomic refuses a symbolic link and leaves its target alone", "[safe_file]") {
    test::TempDir dir;
    test::write_file(dir.file("target.txt"), "precious\n");
    fs::create_symlink(dir.file("target.txt"), dir.file("link.txt"));
    Result<void> written = write_file_atomic(dir.file("link.txt"), "overwritten\n");
    REQUIRE_FALSE(written);
    CHECK(written.error().message == "cannot write " + dir.file("link.txt") +
                                         ": it is a symbolic link, and mailsync does not write "
                                         "through links");
    CHECK(test::read_file(dir.file("target.txt")) == "precious\n");
    CHECK(fs::is_symlink(dir.file("link.txt")));
    // A dangling link is refused too: nothing is created where it points.
    fs::create_symlink(dir.file("nowhere.txt"), dir.file("dangling.txt"));
    CHECK_FALSE(write_file_atomic(dir.file("dangling.txt"), "x"));
    CHECK_FALSE(fs::exists(dir.file("nowhere.txt")));
    CHECK(names_in(dir.path()) ==
          std::vector<std::string>{"dangling.txt", "link.txt", "target.txt"});
}

TEST_CASE("write_file_atomic refuses a folder and writes nothing into a missing one",
          "[safe_file]") {
    test::TempDir dir;
    fs::create_directory(dir.file("folder"));
    Result<void> folder = write_file_atomic(dir.file("folder"), "x");
    REQUIRE_FALSE(folder);
    CHECK(folder.error().message ==
          "cannot write " + dir.file("folder") + ": it is not a regular file");
    Result<void> missing = write_file_atomic(dir.file("missing/out.txt"), "x");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message ==
          "cannot write " + dir.file("missing/out.txt") + ": No such file or directory");
    CHECK(names_in(dir.path()) == std::vector<std::string>{"folder"});
}

TEST_CASE("write_file_atomic leaves a file named like its temporary ones alone", "[safe_file]") {
    test::TempDir dir;
    // The old writer used PATH.tmp; a link planted there must not be followed.
    test::write_file(dir.file("target.txt"), "precious\n");
    fs::create_symlink(dir.file("target.txt"), dir.file("plan.json.tmp"));
    REQUIRE(write_file_atomic(dir.file("plan.json"), "{}\n"));
    CHECK(test::read_file(dir.file("target.txt")) == "precious\n");
    CHECK(test::read_file(dir.file("plan.json")) == "{}\n");
}
