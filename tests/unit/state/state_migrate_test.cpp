#include <catch2/catch.hpp>

#include "state/state_migrate.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;
using mailsync::test::StateUnderTest;

namespace {

// A state with a little of everything in it.
void fill(StateStore& state) {
    REQUIRE(state.start_run("r1", "apply", "sqlite:t.db",
                            {{0, Kind::oauth2_client, "g", "create", {}, "", "", ""},
                             {1, Kind::mail_account, "box \"quoted\"", "create", {}, "", "", ""}}));
    REQUIRE(state.mark_pending("r1", 0));
    REQUIRE(state.mark_completed(
        "r1", 0, {Kind::oauth2_client, "g", "id-1", {{"clientSecret", "fp,{x}"}}, {}}, "done"));
    REQUIRE(state.mark_error("r1", 1, "failed\nbadly"));
    REQUIRE(state.finish_run("r1", "failed"));
    REQUIRE(state.start_run("r2", "export", "sqlite:t.db", {}));
    REQUIRE(state.save_migration({"m", "a -> b", TaskStatus::completed, "", 1, 2, 3, 4, ""}));
    REQUIRE(state.save_folder_progress("m", "INBOX", {5, 6}));
    REQUIRE(state.bind_secrets({{"secret", "https://x"}}));
    REQUIRE(state.set_meta("target", "sqlite:t.db"));
}

} // namespace

TEST_CASE("state migrate copies SQLite to PostgreSQL and back, the same when read back",
          "[state][postgres]") {
    test::TempDir dir;
    StateUnderTest postgres("postgres");
    std::string file = dir.file("state.db");
    std::string url = postgres.location(dir);
    auto source = StateStore::open(file);
    REQUIRE(source);
    fill(*source);
    SecretValue secret("hunter2");
    std::string fingerprint = source->fingerprint(secret);

    auto copied = migrate_state(*source, url, false, {});
    REQUIRE(copied);
    CHECK(copied->managed == 1);
    CHECK(copied->fingerprints == 1);
    CHECK(copied->runs == 2);
    CHECK(copied->journal == 2);
    CHECK(copied->migrations == 1);
    CHECK(copied->folders == 1);
    CHECK(copied->bindings == 1);
    CHECK(copied->to == postgres.describe(dir));

    auto there = StateStore::open(url);
    REQUIRE(there);
    CHECK(there->fingerprint(secret) == fingerprint); // the key came along
    CHECK(there->meta("target").value() == "sqlite:t.db");
    CHECK(*there->backend().contents() == *source->backend().contents());

    // Into a state that holds records: refused, unless --force.
    auto refused = migrate_state(*there, file, false, {});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message ==
          "the state " + file +
              " is not empty (1 managed objects, 2 runs); migrate copies into an empty state "
              "only, or replaces what it holds with --force");
    REQUIRE(there->start_run("r3", "apply", "sqlite:t.db", {}));
    auto back = migrate_state(*there, file, true, {});
    REQUIRE(back);
    CHECK(back->runs == 3);
    auto reopened = StateStore::open(file);
    REQUIRE(reopened);
    CHECK(reopened->fingerprint(secret) == fingerprint);
    CHECK(*reopened->backend().contents() == *there->backend().contents());

    // A state is not copied onto itself, nor while another run holds its lock.
    CHECK_FALSE(migrate_state(*there, url, true, {}));
    auto other = StateStore::open(file);
    REQUIRE(other->lock("holder"));
    auto locked = migrate_state(*there, file, true, {});
    REQUIRE_FALSE(locked);
    CHECK(locked.error().message.starts_with("the state " + file + " is locked by run holder"));
}
