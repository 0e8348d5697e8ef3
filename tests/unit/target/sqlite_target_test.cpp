#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "target/sqlite_target.hpp"

using namespace mailsync;

namespace {

WriteRequest request(const std::string& name, const std::string& host) {
    WriteRequest out;
    out.fields = {{"name", name}, {"host", host}};
    return out;
}

} // namespace

TEST_CASE("sqlite target: create, list, update with versions, delete", "[target]") {
    test::TempDir dir;
    auto target = SqliteTarget::open("sqlite:" + dir.file("t.db"));
    REQUIRE(target);
    CHECK((*target)->describe() == "sqlite:" + dir.file("t.db"));

    auto created = (*target)->create("mail-accounts", request("a", "h1"));
    REQUIRE(created);
    CHECK(created->version == "1");
    CHECK(created->id.size() == 16);

    auto listed = (*target)->list("mail-accounts");
    REQUIRE(listed);
    REQUIRE(listed->size() == 1);
    CHECK(listed->at(0).name() == "a");
    CHECK(listed->at(0).fields["host"] == "h1");
    CHECK((*target)->list("smtp-connections")->empty());

    auto updated = (*target)->update("mail-accounts", created->id, "1", request("a", "h2"));
    REQUIRE(updated);
    CHECK(updated->version == "2");
    auto stale = (*target)->update("mail-accounts", created->id, "1", request("a", "h3"));
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == TargetError::Code::conflict);
    CHECK(stale.error().message ==
          "object " + created->id + " in mail-accounts is at version 2, not 1");

    CHECK_FALSE((*target)->remove("mail-accounts", created->id, "1"));
    CHECK((*target)->remove("mail-accounts", created->id, "2"));
    CHECK((*target)->list("mail-accounts")->empty());
}

TEST_CASE("sqlite target: names are unique within a collection", "[target]") {
    test::TempDir dir;
    auto target = SqliteTarget::open("sqlite:" + dir.file("t.db"));
    REQUIRE(target);
    REQUIRE((*target)->create("mail-accounts", request("a", "h")));
    auto again = (*target)->create("mail-accounts", request("a", "h"));
    REQUIRE_FALSE(again);
    CHECK(again.error().code == TargetError::Code::conflict);
    CHECK(again.error().message == "an object named 'a' already exists in mail-accounts");
    CHECK((*target)->create("smtp-connections", request("a", "h")));
}

TEST_CASE("sqlite target: secrets are write-only and kept as digests", "[target]") {
    test::TempDir dir;
    auto target = SqliteTarget::open("sqlite:" + dir.file("t.db"));
    REQUIRE(target);
    WriteRequest with_secret = request("a", "h");
    with_secret.secrets.emplace_back("password", SecretValue("pw-one"));
    auto created = (*target)->create("mail-accounts", with_secret);
    REQUIRE(created);
    CHECK_FALSE((*target)->list("mail-accounts")->at(0).fields.contains("password"));
    auto first = (*target)->secret_digests("mail-accounts", created->id);
    REQUIRE(first);
    CHECK(first->contains("password"));

    // An update without the secret keeps it; one with a new value changes the digest.
    REQUIRE((*target)->update("mail-accounts", created->id, "1", request("a", "h2")));
    CHECK(*(*target)->secret_digests("mail-accounts", created->id) == *first);
    WriteRequest rotate = request("a", "h2");
    rotate.secrets.emplace_back("password", SecretValue("pw-two"));
    REQUIRE((*target)->update("mail-accounts", created->id, "2", rotate));
    CHECK(*(*target)->secret_digests("mail-accounts", created->id) != *first);
}

TEST_CASE("sqlite target: an injected failure hits exactly the k-th write", "[target]") {
    test::TempDir dir;
    auto target = SqliteTarget::open("sqlite:" + dir.file("t.db") + "?fail-write=2");
    REQUIRE(target);
    CHECK((*target)->create("c", request("a", "h")));
    auto second = (*target)->create("c", request("b", "h"));
    REQUIRE_FALSE(second);
    CHECK(second.error().message == "injected failure on write 2");
    CHECK((*target)->create("c", request("b", "h")));
    CHECK((*target)->list("c")->size() == 2);
}

TEST_CASE("sqlite target: unknown options and empty paths are refused", "[target]") {
    CHECK(SqliteTarget::open("sqlite:").error().message ==
          "target 'sqlite:' names no file; write sqlite:PATH");
    test::TempDir dir;
    CHECK(SqliteTarget::open("sqlite:" + dir.file("t.db") + "?colour=red").error().message ==
          "target sqlite:" + dir.file("t.db") +
              "?colour=red: unknown option 'colour' (fail-write, write-delay-ms)");
    CHECK(open_target("ftp://x").error().message ==
          "unknown target 'ftp://x'; mailsync knows sqlite:PATH and https://HOST/BASE");
}
