#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>

#include "config/env_file.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;
using mailsync::test::TempDir;

namespace {

std::vector<std::pair<std::string, std::string>> pairs(std::string_view text) {
    Result<std::vector<EnvFileEntry>> entries = parse_env_file(text, "ci.env");
    INFO((entries ? "" : entries.error().message));
    REQUIRE(entries);
    std::vector<std::pair<std::string, std::string>> out;
    for (const EnvFileEntry& entry : *entries)
        out.emplace_back(entry.name, entry.value);
    return out;
}

std::string error_of(std::string_view text) {
    Result<std::vector<EnvFileEntry>> entries = parse_env_file(text, "ci.env");
    REQUIRE_FALSE(entries);
    return entries.error().message;
}

} // namespace

TEST_CASE("an env file is read as dotenv: names, export, comments, quotes", "[config][env-file]") {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(pairs("# the secrets\n\nA=1\nexport B = two words  # a comment\r\nC='a # b \\n'\n"
                "D=\"line\\nnext \\\"q\\\" \\$x \\d\"\nE=\nF=x#y\n") ==
          Pairs{{"A", "1"},
                {"B", "two words"},
                {"C", "a # b \\n"},
                {"D", "line\nnext \"q\" $x \\d"},
                {"E", ""},
                {"F", "x#y"}});
    CHECK(pairs("export_X=1") == Pairs{{"export_X", "1"}});
}

TEST_CASE("a broken env file line is named by file:line:col, never quoted", "[config][env-file]") {
    CHECK(error_of("A=1\n  9LIVES=secret-value\n") ==
          "ci.env:2:3: expected a variable name (letters, digits and _)");
    CHECK(error_of("PASSWORD secret-value\n") ==
          "ci.env:1:1: expected NAME=VALUE; this line has no '=' (its text is not shown, as it may "
          "be a secret)");
    CHECK(error_of("ghp_0123456789abcdef\n") ==
          "ci.env:1:1: expected NAME=VALUE; this line has no '=' (its text is not shown, as it may "
          "be a secret)");
    CHECK(error_of("PASSWORD=\"secret-value\n") ==
          "ci.env:1:10: PASSWORD: the value's closing \" is missing (a value is one line)");
    CHECK(error_of("PASSWORD='secret' value\n") ==
          "ci.env:1:10: PASSWORD: expected the end of the line or a # comment after the quoted "
          "value");
}

TEST_CASE("an env file that its group or others may read is refused", "[config][env-file]") {
    TempDir dir;
    std::string file = dir.file("ci.env");
    mailsync::test::write_file(file, "SUPPORT_PASSWORD=secret-value\n");
    ::chmod(file.c_str(), 0640);
    Result<std::vector<EnvFileEntry>> refused = read_env_file(file);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message ==
          "env file " + file +
              ": its mode is 0640: it holds secrets, so its group and others may not read or "
              "write it (chmod 600 " +
              file + ")");
    ::chmod(file.c_str(), 0600);
    Result<std::vector<EnvFileEntry>> read = read_env_file(file);
    REQUIRE(read);
    CHECK(read->front().value == "secret-value");
    CHECK_FALSE(read_env_file(dir.path()));
}

TEST_CASE("the environment wins over an env file, unless the variable is empty",
          "[config][env-file]") {
    ::setenv("MAILSYNC_ENV_FILE_TEST_SET", "from-env", 1);
    ::setenv("MAILSYNC_ENV_FILE_TEST_EMPTY", "", 1);
    ::unsetenv("MAILSYNC_ENV_FILE_TEST_UNSET");
    std::vector<std::string> set = export_env_file({{"MAILSYNC_ENV_FILE_TEST_SET", "file"},
                                                    {"MAILSYNC_ENV_FILE_TEST_EMPTY", "file"},
                                                    {"MAILSYNC_ENV_FILE_TEST_UNSET", "file"}});
    CHECK(set ==
          std::vector<std::string>{"MAILSYNC_ENV_FILE_TEST_EMPTY", "MAILSYNC_ENV_FILE_TEST_UNSET"});
    CHECK(std::string(std::getenv("MAILSYNC_ENV_FILE_TEST_SET")) == "from-env");
    CHECK(std::string(std::getenv("MAILSYNC_ENV_FILE_TEST_EMPTY")) == "file");
    CHECK(std::string(std::getenv("MAILSYNC_ENV_FILE_TEST_UNSET")) == "file");
}
