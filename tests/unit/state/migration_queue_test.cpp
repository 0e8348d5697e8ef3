// The migration workers' queue: claims that skip what another holds, leases that run out,
// renewals that tell a worker what it lost, releases that keep an operator's pause, and the
// controls; a SQLite state refuses it all, naming PostgreSQL. The folders' MODSEQ is kept.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "state/state.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;
using namespace std::chrono_literals;

namespace {

// The names an UPDATE ... RETURNING gave, in order.
std::vector<std::string> sorted(Result<std::vector<std::string>> names) {
    REQUIRE(names);
    std::sort(names->begin(), names->end());
    return *names;
}

} // namespace

TEST_CASE("a folder's MODSEQ is kept with its progress", "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    auto state = StateStore::open(backend.location(dir));
    REQUIRE(state);
    REQUIRE(state->save_migration({"box", "a -> b", TaskStatus::pending, "", 0, 0, 0, 0, ""}));
    REQUIRE(state->save_folder_progress("box", "INBOX", {7, 42, 1234}));
    CHECK(state->folder_progress("box", "a -> b")->at("INBOX") == FolderProgress{7, 42, 1234});
    auto contents = state->backend().contents();
    REQUIRE(contents);
    CHECK(contents->folders.at({"box", "INBOX"}) == FolderProgress{7, 42, 1234});
}

TEST_CASE("workers take each queued mailbox once, and a lease that ran out frees it",
          "[state][postgres]") {
    test::TempDir dir;
    test::StateUnderTest backend("postgres");
    auto one = StateStore::open(backend.location(dir));
    auto two = StateStore::open(backend.location(dir));
    REQUIRE(one);
    REQUIRE(two);
    std::vector<std::string> names = {"a", "b"};
    REQUIRE(one->enqueue(names));
    REQUIRE(two->enqueue(names)); // the second worker's adds nothing
    auto first = one->claim(names, "w1", 1s);
    auto second = two->claim(names, "w2", 60s);
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(first->claim);
    REQUIRE(second->claim);
    CHECK(first->claim->name == "a");
    CHECK(second->claim->name == "b");
    CHECK(!two->claim(names, "w2", 60s)->claim.has_value());
    CHECK(*two->queued(names) == 2);

    // w1 dies: once its lease has run out, w2 takes "a" over, naming w1.
    std::this_thread::sleep_for(1500ms);
    auto taken = two->claim(names, "w2", 60s);
    REQUIRE(taken);
    REQUIRE(taken->claim);
    CHECK(taken->claim->name == "a");
    CHECK(taken->claim->taken_from == "w1");
    CHECK(taken->given_up.empty());
    CHECK(one->renew("w1", 1s, names)->empty()); // w1, were it alive, learns it lost "a"
    CHECK(sorted(two->renew("w2", 60s, names)) == std::vector<std::string>{"a", "b"});
    CHECK(two->renew("w2", 60s, {"b"})->size() == 1); // only the names asked for

    // An operator pauses "b": w2's renewal no longer keeps it, and its release keeps the pause.
    CHECK(*one->control({"b"}, "pause") == std::vector<std::string>{"b"});
    CHECK(*two->renew("w2", 60s, names) == std::vector<std::string>{"a"});
    REQUIRE(two->release("b", "w2", "queued"));
    REQUIRE(two->release("a", "w2", "done"));
    auto queue = one->queue();
    REQUIRE(queue);
    REQUIRE(queue->size() == 2);
    CHECK((*queue)[0] == QueueEntry{"a", "done", "w2", (*queue)[0].claimed_at, false, 2});
    CHECK((*queue)[1].state == "paused");
    CHECK(*one->queued(names) == 0);

    CHECK(one->control({"a"}, "pause")->empty()); // done: nothing to pause
    CHECK(sorted(one->control({"a", "b"}, "retry")) == std::vector<std::string>{"a", "b"});
    CHECK(*one->queued(names) == 2);
    CHECK(*one->control({"a"}, "cancel") == std::vector<std::string>{"a"});
    CHECK(*one->control({"a"}, "resume") == std::vector<std::string>{});
    CHECK(!one->control({"a"}, "explode"));
}

TEST_CASE("a mailbox whose leases ran out too often ends failed, and a retry counts again",
          "[state][postgres]") {
    test::TempDir dir;
    test::StateUnderTest backend("postgres");
    auto state = StateStore::open(backend.location(dir));
    REQUIRE(state);
    std::vector<std::string> names = {"crashing"};
    REQUIRE(state->enqueue(names));
    // Two workers take it and die in turn; with at most two attempts the next claim gives up.
    REQUIRE(state->claim(names, "w1", 1s, 2)->claim);
    std::this_thread::sleep_for(1100ms);
    CHECK(state->renew("w1", 60s, names)->empty()); // a lease that ran out is not kept alive
    REQUIRE(state->claim(names, "w2", 1s, 2)->claim);
    std::this_thread::sleep_for(1100ms);
    auto third = state->claim(names, "w3", 60s, 2);
    REQUIRE(third);
    CHECK(!third->claim);
    CHECK(third->given_up == names);
    CHECK(state->queue()->at(0).state == "failed");
    CHECK(*state->queued(names) == 0);
    // A retry queues it with its attempts counted from zero.
    CHECK(*state->control(names, "retry") == names);
    CHECK(state->queue()->at(0).attempts == 0);
    auto again = state->claim(names, "w3", 60s, 2);
    REQUIRE(again);
    REQUIRE(again->claim);
    CHECK(again->given_up.empty());
    // Given back and taken again (a pause and a resume, say): not one more attempt.
    REQUIRE(state->release("crashing", "w3", "queued"));
    REQUIRE(state->claim(names, "w3", 60s, 2)->claim);
    CHECK(state->queue()->at(0).attempts == 1);
}

TEST_CASE("a SQLite state has no workers' queue and says that workers need PostgreSQL", "[state]") {
    test::TempDir dir;
    auto state = StateStore::open(dir.file("state.db"));
    REQUIRE(state);
    auto claimed = state->claim({"a"}, "w1", 60s);
    REQUIRE(!claimed);
    CHECK(claimed.error().message ==
          "state " + dir.file("state.db") +
              ": migration workers share a PostgreSQL state (--state postgres://...); a SQLite "
              "state is for one machine, where 'mailsync apply' copies every mailbox");
    CHECK(!state->queue());
    CHECK(!state->enqueue({"a"}));
    CHECK(!state->control({"a"}, "pause"));
}

TEST_CASE("a fenced worker's writes to a migration change nothing once its lease is gone",
          "[state][postgres]") {
    test::TempDir dir;
    test::StateUnderTest backend("postgres");
    auto one = StateStore::open(backend.location(dir));
    auto two = StateStore::open(backend.location(dir));
    REQUIRE(one);
    REQUIRE(two);
    one->fence_migrations("w1");
    two->fence_migrations("w2");
    std::vector<std::string> names = {"box"};
    REQUIRE(one->enqueue(names));
    REQUIRE(one->claim(names, "w1", 1s)->claim);
    REQUIRE(one->save_migration({"box", "a -> b", TaskStatus::pending, "w1", 1, 1, 9, 9, ""}));
    REQUIRE(one->save_folder_progress("box", "INBOX", {7, 1, 0}));
    CHECK(two->migrations()->at(0).message == "w1");

    // w1 freezes; w2 takes the mailbox over once the lease ran out and records its progress.
    std::this_thread::sleep_for(1100ms);
    REQUIRE(two->claim(names, "w2", 60s)->claim);
    REQUIRE(two->save_migration({"box", "a -> b", TaskStatus::completed, "w2", 9, 9, 9, 9, ""}));
    REQUIRE(two->save_folder_progress("box", "INBOX", {7, 9, 0}));
    // w1 wakes: what it writes now changes nothing.
    REQUIRE(one->save_migration({"box", "a -> b", TaskStatus::error, "w1 late", 2, 2, 9, 9, ""}));
    REQUIRE(one->save_folder_progress("box", "INBOX", {7, 2, 0}));
    REQUIRE(one->save_folder_progress("box", "Sent", {8, 5, 0}));
    auto records = two->migrations();
    REQUIRE(records);
    REQUIRE(records->size() == 1);
    CHECK(records->at(0).status == TaskStatus::completed);
    CHECK(records->at(0).message == "w2");
    auto folders = two->folder_progress("box", "a -> b");
    REQUIRE(folders);
    CHECK(*folders == std::map<std::string, FolderProgress>{{"INBOX", {7, 9, 0}}});
}
