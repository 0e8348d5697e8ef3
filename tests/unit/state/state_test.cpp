#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/state.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;
using mailsync::test::StateUnderTest;

TEST_CASE("the state file is made 0600 in a 0700 folder", "[state]") {
    test::TempDir dir;
    auto state = StateStore::open(dir.file(".mailsync/state.db"));
    REQUIRE(state);
    struct stat info {};
    REQUIRE(stat(dir.file(".mailsync/state.db").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    REQUIRE(stat(dir.file(".mailsync").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
}

TEST_CASE("fingerprints are keyed per state", "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    auto one = StateStore::open(backend.location(dir, "one.db"));
    auto two = StateStore::open(backend.location(dir, "two.db"));
    REQUIRE(one);
    REQUIRE(two);
    SecretValue secret("same-value");
    CHECK(one->fingerprint(secret) == one->fingerprint(secret));
    CHECK(one->fingerprint(secret) != two->fingerprint(secret));
    CHECK(one->fingerprint(secret).starts_with("hmac-sha256:"));
    CHECK(one->fingerprint(secret).find("same-value") == std::string::npos);
    // Reopened, the key is the same.
    auto again = StateStore::open(backend.location(dir, "one.db"));
    CHECK(again->fingerprint(secret) == one->fingerprint(secret));
}

TEST_CASE("a journal goes NEW → PENDING → COMPLETED or ERROR", "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    auto state = StateStore::open(backend.location(dir));
    REQUIRE(state);
    std::vector<JournalEntry> entries{{0, Kind::oauth2_client, "g", "create", {}, "", "", ""},
                                      {1, Kind::mail_account, "box", "create", {}, "", "", ""}};
    REQUIRE(state->start_run("run-1", "apply", "sqlite:t.db", entries));
    auto fresh = state->run(std::nullopt);
    REQUIRE(fresh);
    REQUIRE(*fresh);
    CHECK((*fresh)->entries.at(0).status == TaskStatus::fresh);
    REQUIRE(state->mark_pending("run-1", 0));
    CHECK((*state->run("run-1"))->entries.at(0).status == TaskStatus::pending);
    REQUIRE(state->mark_completed(
        "run-1", 0, {Kind::oauth2_client, "g", "id-1", {{"clientSecret", "fp"}}, {}}, ""));
    REQUIRE(state->mark_error("run-1", 1, "injected"));
    REQUIRE(state->finish_run("run-1", "failed"));
    auto record = state->run(std::nullopt);
    REQUIRE(*record);
    CHECK((*record)->status == "failed");
    CHECK((*record)->entries.at(0).status == TaskStatus::completed);
    CHECK((*record)->entries.at(1).status == TaskStatus::error);
    CHECK((*record)->entries.at(1).message == "injected");
    CHECK(state->managed()->size() == 1);
    CHECK(state->fingerprints()->at({Kind::oauth2_client, "g", "clientSecret"}) == "fp");

    // A delete forgets the object and its fingerprints.
    REQUIRE(state->start_run("run-2", "apply", "sqlite:t.db",
                             {{0, Kind::oauth2_client, "g", "delete", {}, "", "", ""}}));
    REQUIRE(
        state->mark_completed("run-2", 0, {Kind::oauth2_client, "g", std::nullopt, {}, {}}, ""));
    CHECK(state->managed()->empty());
    CHECK(state->fingerprints()->empty());
    CHECK((*state->run(std::nullopt))->id == "run-2");
    CHECK_FALSE(*state->run(std::string("no-such-run")));
}

TEST_CASE("a held lock names its holder, and a dead holder's lock is taken over",
          "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    auto first = StateStore::open(backend.location(dir));
    auto second = StateStore::open(backend.location(dir));
    REQUIRE(first->lock("run-a"));
    auto refused = second->lock("run-b");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.starts_with("the state " + backend.describe(dir) +
                                              " is locked by run run-a (pid " +
                                              std::to_string(getpid()) + " on "));
    CHECK(refused.error().message.ends_with(
        "); wait for it to finish, or if it crashed run 'mailsync force-unlock'"));
    REQUIRE(first->unlock("run-a"));
    REQUIRE(second->lock("run-b"));

    // A lock whose process has exited is stale on this host.
    REQUIRE(*second->force_unlock());
    pid_t child = fork();
    if (child == 0) {
        auto state = StateStore::open(backend.location(dir));
        _exit(state && state->lock("run-dead") ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WEXITSTATUS(status) == 0);
    std::string taken;
    // PostgreSQL notices the closed connection a moment later.
    REQUIRE(first->lock("run-c", &taken, std::chrono::seconds(5)));
    CHECK(taken.starts_with("run run-dead (pid " + std::to_string(child)));
    auto holder = first->force_unlock();
    REQUIRE(holder);
    CHECK(holder->value().starts_with("run run-c"));
    CHECK_FALSE(*first->force_unlock());
}

TEST_CASE("run ids sort by time and differ", "[state]") {
    std::string a = new_run_id();
    std::string b = new_run_id();
    CHECK(a != b);
    CHECK(a.size() == std::string("20261121T221500Z-3f9a01").size());
}
