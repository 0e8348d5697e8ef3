// Where `oauth2 authorize` writes the refresh token, and the `${file:...}` that names it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "oauth2/token_file.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const std::string& path) {
    struct stat info {};
    REQUIRE(::lstat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

} // namespace

TEST_CASE("the token file is new, 0600, and never written through a link", "[oauth2]") {
    test::TempDir dir;
    std::string path = dir.file("token");
    REQUIRE(check_token_file(path, false));
    REQUIRE(write_token_file(path, SecretValue("rt-1"), false));
    CHECK(test::read_file(path) == "rt-1\n");
    CHECK(mode_of(path) == 0600);
    CHECK(check_token_file(path, false).error().message ==
          path + " exists already; give --force to replace it");
    CHECK_FALSE(write_token_file(path, SecretValue("rt-2"), false));
    CHECK(test::read_file(path) == "rt-1\n");
    REQUIRE(check_token_file(path, true));
    REQUIRE(write_token_file(path, SecretValue("rt-2"), true));
    CHECK(test::read_file(path) == "rt-2\n");
    CHECK(mode_of(path) == 0600);

    fs::create_symlink(dir.file("elsewhere"), dir.file("link"));
    CHECK(check_token_file(dir.file("link"), true).error().message ==
          dir.file("link") + " is a symbolic link, and mailsync does not write through links");
    CHECK_FALSE(write_token_file(dir.file("link"), SecretValue("rt-3"), false));
    CHECK_FALSE(fs::exists(dir.file("elsewhere")));
    CHECK(check_token_file(dir.file("no/such/token"), false).error().message ==
          "cannot write " + dir.file("no/such/token") + ": the folder " + dir.file("no/such") +
              " does not exist");
}

TEST_CASE("the ${file:} of the token is relative to the YAML file below the root, else absolute",
          "[oauth2]") {
    test::TempDir dir;
    test::write_file(dir.file("config/clients/google.yaml"), "");
    test::write_file(dir.file("config/secrets/alice.token"), "rt\n");
    test::write_file(dir.file("outside/alice.token"), "rt\n");
    FileAccess access;
    access.roots[dir.file("config/clients/google.yaml")] = dir.file("config");
    FileReference inside = file_reference(access, dir.file("config/clients/google.yaml"),
                                          dir.file("config/secrets/alice.token"));
    CHECK(inside.path == "../secrets/alice.token");
    CHECK_FALSE(inside.problem);
    FileReference outside = file_reference(access, dir.file("config/clients/google.yaml"),
                                           dir.file("outside/alice.token"));
    CHECK(outside.path == dir.file("outside/alice.token"));
    REQUIRE(outside.problem);
    CHECK(outside.problem->find("MAILSYNC_ALLOWED_PATHS") != std::string::npos);
    access.allowed.push_back(dir.file("outside"));
    CHECK_FALSE(file_reference(access, dir.file("config/clients/google.yaml"),
                               dir.file("outside/alice.token"))
                    .problem);
}
