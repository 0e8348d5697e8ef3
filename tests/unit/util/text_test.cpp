#include <catch2/catch.hpp>

#include "util/text.hpp"

using namespace mailsync;

TEST_CASE("did_you_mean suggests a close candidate and nothing for a far one", "[text]") {
    std::vector<std::string> fields{"host", "port", "username", "protocol"};
    CHECK(did_you_mean("hots", fields) == "; did you mean 'host'?");
    CHECK(did_you_mean("usernme", fields) == "; did you mean 'username'?");
    CHECK(did_you_mean("Protocol", fields) == "; did you mean 'protocol'?");
    CHECK(did_you_mean("colour", fields).empty());
    CHECK(did_you_mean("x", {}).empty());
}

TEST_CASE("find_invalid_utf8 finds NUL bytes, bad sequences and truncation", "[text]") {
    CHECK_FALSE(find_invalid_utf8("plain ascii").has_value());
    CHECK_FALSE(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7").has_value());
    CHECK(find_invalid_utf8(std::string("a\0b", 3)) == 1u);
    CHECK(find_invalid_utf8("ab\xFF") == 2u);
    CHECK(find_invalid_utf8("ab\xC3") == 2u);
    CHECK(find_invalid_utf8("\xC3(") == 0u);
}

TEST_CASE("join_words and human_size read as prose", "[text]") {
    CHECK(join_words({"a"}, true) == "'a'");
    CHECK(join_words({"a", "b"}, true) == "'a' or 'b'");
    CHECK(join_words({"none", "ssl", "starttls"}) == "none, ssl or starttls");
    CHECK(human_size(512) == "512 bytes");
    CHECK(human_size(4 * 1024 * 1024) == "4.0 MiB");
    CHECK(human_size(1536) == "1.5 KiB");
}

TEST_CASE("split_words skips runs of spaces", "[text]") {
    CHECK(split_words("  a  bc d ") == std::vector<std::string_view>{"a", "bc", "d"});
    CHECK(split_words("").empty());
}
