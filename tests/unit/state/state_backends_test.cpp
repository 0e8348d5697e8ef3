// What both state backends must do alike beyond the journal: waiting for a lock, the schema's
// version, mailbox migration progress, secret bindings; and PostgreSQL's own faults.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "state/state.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"
#include "util/sqlite.hpp"

using namespace mailsync;
using mailsync::test::StateUnderTest;
using namespace std::chrono_literals;

TEST_CASE("a lock is waited for up to the timeout, then refused naming the holder",
          "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    auto first = StateStore::open(backend.location(dir));
    auto second = StateStore::open(backend.location(dir));
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(first->lock("run-a"));
    auto started = std::chrono::steady_clock::now();
    auto refused = second->lock("run-b", nullptr, 600ms);
    REQUIRE_FALSE(refused);
    CHECK(std::chrono::steady_clock::now() - started >= 600ms);
    CHECK(refused.error().message.find(" is locked by run run-a (pid ") != std::string::npos);
    CHECK(refused.error().message.find("(waited 1s for it); wait for it to finish") !=
          std::string::npos);

    std::thread release([&] {
        std::this_thread::sleep_for(400ms);
        (void)first->unlock("run-a");
    });
    auto waited = second->lock("run-b", nullptr, 10s);
    release.join();
    CHECK(waited);
}

TEST_CASE("a state of a newer schema is refused before anything is written", "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    {
        auto state = StateStore::open(backend.location(dir));
        REQUIRE(state);
        CHECK(state->meta("schema_version").value() == std::to_string(state_schema_version));
        REQUIRE(state->start_run("r", "apply", "t", {}));
        REQUIRE(state->set_meta("schema_version", "99"));
    }
    auto newer = StateStore::open(backend.location(dir));
    REQUIRE_FALSE(newer);
    CHECK(newer.error().message ==
          "the state " + backend.describe(dir) +
              " has schema version 99, newer than this mailsync knows (2); use the mailsync that "
              "wrote it, or a later one");
    CHECK_FALSE(open_state_backend(backend.location(dir)));
}

TEST_CASE("a state file from before schema versions opens as version 1 and is upgraded, its "
          "records kept",
          "[state]") {
    test::TempDir dir;
    std::string path = dir.file("state.db");
    {
        auto state = StateStore::open(path);
        REQUIRE(state);
        REQUIRE(state->start_run("r", "apply", "t", {}));
    }
    {
        auto db = sql::Database::open(path);
        REQUIRE(db);
        REQUIRE(db->exec("DELETE FROM meta WHERE key = 'schema_version'"));
    }
    auto state = StateStore::open(path);
    REQUIRE(state);
    CHECK(state->meta("schema_version").value() == std::to_string(state_schema_version));
    CHECK((*state->run(std::nullopt))->id == "r");
}

TEST_CASE("mailbox migration progress and secret bindings", "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    auto state = StateStore::open(backend.location(dir));
    REQUIRE(state);
    MigrationRecord task{"box", "a@src:993 -> a@dst:993", TaskStatus::pending, "", 5, 500, 9, 900,
                         ""};
    REQUIRE(state->save_migration(task));
    REQUIRE(state->save_folder_progress("box", "INBOX", {7, 42}));
    REQUIRE(state->save_folder_progress("box", "INBOX", {7, 43}));
    REQUIRE(state->save_folder_progress("box", "Sent", {8, 1}));
    auto progress = state->folder_progress("box", task.identity);
    REQUIRE(progress);
    CHECK(progress->size() == 2);
    CHECK(progress->at("INBOX") == FolderProgress{7, 43});
    CHECK(state->folder_progress("box", "someone else")->empty());
    auto tasks = state->migrations();
    REQUIRE(tasks);
    REQUIRE(tasks->size() == 1);
    CHECK(tasks->at(0).messages_total == 9);
    CHECK(tasks->at(0).status == TaskStatus::pending);
    // Another identity forgets the progress.
    task.identity = "b@src:993 -> a@dst:993";
    REQUIRE(state->save_migration(task));
    CHECK(state->folder_progress("box", task.identity)->empty());

    REQUIRE(state->bind_secrets({{"s1", "https://a"}, {"s1", "https://a"}, {"s2", "imap://b"}}));
    REQUIRE(state->bind_secrets({{"s1", "https://a"}}));
    CHECK(*state->secret_bindings() ==
          std::set<std::pair<std::string, std::string>>{{"s1", "https://a"}, {"s2", "imap://b"}});
    REQUIRE(state->set_meta("target", "sqlite:t.db"));
    CHECK(state->meta("target").value() == "sqlite:t.db");
    CHECK_FALSE(state->meta("nothing").value());
}

TEST_CASE("PostgreSQL namespaces of one database are separate states", "[state][postgres]") {
    test::TempDir dir;
    StateUnderTest backend("postgres");
    auto staging = StateStore::open(backend.location(dir, "staging"));
    auto production = StateStore::open(backend.location(dir, "production"));
    REQUIRE(staging);
    REQUIRE(production);
    REQUIRE(staging->start_run("r", "apply", "t",
                               {{0, Kind::oauth2_client, "g", "create", {}, "", "", ""}}));
    REQUIRE(staging->mark_completed("r", 0, {Kind::oauth2_client, "g", "id-1", {}, {}}, ""));
    CHECK(staging->managed()->size() == 1);
    CHECK(production->managed()->empty());
    CHECK_FALSE(*production->run(std::nullopt));
    // Each namespace has its own lock and its own key.
    REQUIRE(staging->lock("run-s"));
    CHECK(production->lock("run-p"));
    SecretValue secret("same");
    CHECK(staging->fingerprint(secret) != production->fingerprint(secret));
}

TEST_CASE("PostgreSQL faults: wrong password, refused connection, never the password",
          "[state][postgres]") {
    std::string url = test::postgres_test_url();
    std::size_t colon = url.find(':', std::string("postgres://").size());
    std::size_t at = url.find('@');
    std::string password = url.substr(colon + 1, at - colon - 1);
    std::string wrong = url.substr(0, colon + 1) + "not-the-password" + url.substr(at);
    auto refused = StateStore::open(wrong);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.starts_with("state postgres://mailsync:***@127.0.0.1:"));
    CHECK(refused.error().message.find("password authentication failed for user \"mailsync\"") !=
          std::string::npos);
    CHECK(refused.error().message.find("not-the-password") == std::string::npos);
    CHECK(refused.error().message.find(password) == std::string::npos);

    auto closed = StateStore::open("postgres://mailsync:secret@127.0.0.1:1/mailsync");
    REQUIRE_FALSE(closed);
    CHECK(closed.error().message.starts_with(
        "state postgres://mailsync:***@127.0.0.1:1/mailsync: cannot connect: connection to "
        "server at \"127.0.0.1\", port 1 failed: Connection refused"));
}

TEST_CASE("force-unlock of a PostgreSQL state ends the session that holds its lock",
          "[state][postgres]") {
    test::TempDir dir;
    StateUnderTest backend("postgres");
    auto holder = StateStore::open(backend.location(dir));
    auto other = StateStore::open(backend.location(dir));
    REQUIRE(holder);
    REQUIRE(other);
    REQUIRE(holder->lock("run-held"));
    REQUIRE_FALSE(other->lock("run-other"));
    auto released = other->force_unlock();
    REQUIRE(released);
    REQUIRE(*released);
    CHECK((*released)->starts_with("run run-held (pid "));
    CHECK((*released)->find("; its PostgreSQL session (server pid ") != std::string::npos);
    CHECK(other->lock("run-other", nullptr, 5s));
    // The ended session's next write fails, so its run cannot go on unnoticed.
    CHECK_FALSE(holder->managed());
}

TEST_CASE("first uses of a state at once agree on its tables and its key", "[state][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    std::string location = backend.location(dir);
    std::vector<std::string> prints(4);
    {
        std::vector<std::jthread> threads;
        for (std::size_t i = 0; i < prints.size(); ++i)
            threads.emplace_back([&, i] {
                auto state = StateStore::open(location);
                prints[i] = state ? state->fingerprint(SecretValue("s")) : state.error().message;
            });
    }
    for (const std::string& print : prints)
        CHECK(print == prints[0]);
    CHECK(prints[0].starts_with("hmac-sha256:"));
}
