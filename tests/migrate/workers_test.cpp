// Migration workers: three processes share one PostgreSQL state and copy 60 mailboxes between
// the two Dovecot servers; one is killed while copying, and another finishes its mailbox once
// the lease has run out, without duplicates.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migrate/mailboxes.hpp"
#include "support/json_schema.hpp"
#include "support/state_under_test.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

constexpr int first_box = 41; // m41..m100: the fixture's mailboxes kept for this test
constexpr int boxes = 60;
// Under the sanitizers the test's own steps (a status, a login) are slow beside the copy: a
// bigger mailbox keeps the copy going until the kill.
#if defined(__SANITIZE_ADDRESS__)
constexpr int big_messages = 1500;
#else
constexpr int big_messages = 600;
#endif
constexpr std::uint32_t big_inbox = big_messages - big_messages / 3; // the others in Archive

nlohmann::json status_of(const RunOptions& options) {
    ProcessResult status = run_mailsync({"status", "--format", "json"}, options);
    INFO(status.err);
    REQUIRE(status.exit_code == 0);
    nlohmann::json out = nlohmann::json::parse(status.out);
    CHECK(schema_file_violations("status.schema.json", out).empty());
    return out;
}

// The same while the workers start: until one of them has made the state's tables, status
// may find none, which is not this test's failure.
nlohmann::json status_while_starting(const RunOptions& options) {
    ProcessResult status = run_mailsync({"status", "--format", "json"}, options);
    if (status.exit_code != 0)
        return nlohmann::json::object();
    return nlohmann::json::parse(status.out);
}

const nlohmann::json* task(const nlohmann::json& status, const std::string& name) {
    if (!status.contains("migrations")) // nothing recorded yet
        return nullptr;
    for (const nlohmann::json& item : status.at("migrations"))
        if (item["name"] == name)
            return &item;
    return nullptr;
}

} // namespace

TEST_CASE("three workers share a PostgreSQL state, and a killed worker's mailbox is finished "
          "by another once its lease runs out",
          "[postgres]") {
    setenv("MAILSYNC_POSTGRES_FIXTURE", MAILSYNC_POSTGRES_FIXTURE_DIR, 0);
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    // The first mailbox (by name, the first taken) is big enough to be killed while copying.
    for (int n = first_box; n < first_box + boxes; ++n) {
        std::vector<Fill> messages;
        int count = n == first_box ? big_messages : 6;
        for (int i = 0; i < count; ++i)
            messages.push_back({i % 3 == 2 ? "Archive" : "INBOX", i % 2 ? "\\Seen $Done" : "",
                                "11-Nov-2025 11:00:00 +0100",
                                n == first_box
                                    ? with_attachment(fmt::format("w{}-{}@x", n, i), 60'000)
                                    : text_message(fmt::format("w{}-{}@x", n, i), "small",
                                                   std::string(2'000 + i, 'w'))});
        fill(source, user(n), password(n), messages);
    }
    TempDir dir;
    for (int n = first_box; n < first_box + boxes; ++n)
        write_file(dir.file(fmt::format("config/w{:03}.yaml", n)),
                   migration_yaml(fmt::format("w{:03}", n), password_side(source, n),
                                  password_side(destination, n)));
    RunOptions options = migrate_options(dir);
    options.env["MAILSYNC_STATE"] = with_namespace(postgres_test_url(), "workers_test");
    auto worker = [&](const std::string& id) {
        return start_mailsync({"migrate", "worker", "config", "--worker-id", id, "--lease", "3s",
                               "--parallelism", "3"},
                              options);
    };
    // Ready before the copy starts: a login of its own takes long under the sanitizers.
    imap::Connection watch = open_box(destination, user(first_box), password(first_box));
    std::vector<Background> workers = {worker("worker-1"), worker("worker-2"), worker("worker-3")};

    // Kill the holder of the big mailbox while it copies: who took it, then once the
    // destination holds some of it.
    std::string killed;
    for (int i = 0; i < 500 && killed.empty(); ++i) {
        nlohmann::json status = status_while_starting(options);
        if (const nlohmann::json* big = task(status, fmt::format("w{:03}", first_box));
            big != nullptr && !(*big)["worker"].is_null() && (*big)["worker"]["leased"])
            killed = (*big)["worker"]["holder"];
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(!killed.empty());
    std::uint32_t seen = wait_for_messages(watch, 40);
    int index = killed.back() - '1';
    REQUIRE(::kill(workers.at(index).pid, SIGKILL) == 0);
    CHECK(workers.at(index).wait() == 128 + SIGKILL);
    std::uint32_t at_kill = wait_for_messages(watch, 0);
    watch.close();
    INFO("the big mailbox's INBOX held " << seen << " then " << at_kill << " of " << big_inbox
                                         << " when its worker was killed");
    CHECK(at_kill < big_inbox);

    for (int i = 0; i < 3; ++i)
        if (i != index)
            CHECK(workers[i].wait() == 0);

    nlohmann::json status = status_of(options);
    REQUIRE(status["migrations"].size() == boxes);
    for (const nlohmann::json& item : status["migrations"]) {
        INFO(item.dump());
        CHECK(item["status"] == "COMPLETED");
        CHECK(item["worker"]["queue"] == "done");
    }
    const nlohmann::json& big = *task(status, fmt::format("w{:03}", first_box));
    CHECK(big["worker"]["holder"] != killed);
    CHECK(big["worker"]["attempts"] >= 2);
    for (int n = first_box; n < first_box + boxes; ++n) {
        INFO("mailbox " << n);
        std::vector<Stored> at_source = read_all(source, user(n), password(n));
        CHECK(at_source.size() == (n == first_box ? big_messages : 6));
        CHECK(read_all(destination, user(n), password(n)) == at_source);
    }

    // The queue's controls: a paused mailbox is left alone, a retried one copied again.
    ProcessResult pause = run_mailsync({"migrate", "pause", "w042"}, options);
    CHECK(pause.exit_code == 0);
    ProcessResult retry = run_mailsync({"migrate", "retry", "w042", "w043"}, options);
    INFO(retry.out << retry.err);
    CHECK(retry.exit_code == 0);
    CHECK_THAT(retry.out, Catch::Contains("w042, w043: queued again"));
    ProcessResult unknown = run_mailsync({"migrate", "retry", "w999"}, options);
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.err, Catch::Contains("knows no migration 'w999'"));
    ProcessResult again =
        run_mailsync({"migrate", "worker", "config", "--worker-id", "worker-4"}, options);
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.out, Catch::Contains("COMPLETED w042: up to date: nothing left to copy"));
    ProcessResult text = run_mailsync({"status"}, options);
    CHECK_THAT(text.out, Catch::Contains("[by worker-4]"));
}

TEST_CASE("a worker frozen past its lease writes nothing when it wakes: the worker that took "
          "the mailbox over finished it, once",
          "[postgres]") {
    setenv("MAILSYNC_POSTGRES_FIXTURE", MAILSYNC_POSTGRES_FIXTURE_DIR, 0);
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    constexpr int box = 38; // the fixture's mailbox kept for this test
    constexpr std::uint32_t messages = 300;
    std::vector<Fill> fills;
    for (std::uint32_t i = 0; i < messages; ++i)
        fills.push_back({"INBOX", i % 2 ? "\\Seen" : "", "12-Nov-2025 12:00:00 +0100",
                         with_attachment(fmt::format("f{}@x", i), 60'000)});
    fill(source, user(box), password(box), fills);
    TempDir dir;
    write_file(dir.file("config/frozen.yaml"), migration_yaml("frozen", password_side(source, box),
                                                              password_side(destination, box)));
    RunOptions options = migrate_options(dir);
    options.env["MAILSYNC_STATE"] = with_namespace(postgres_test_url(), "frozen_worker_test");
    auto worker = [&](const std::string& id) {
        return start_mailsync({"migrate", "worker", "config", "--worker-id", id, "--lease", "2s",
                               "--parallelism", "1"},
                              options);
    };

    // worker-a copies some, then freezes (SIGSTOP) with more queued for the destination.
    Background a = worker("worker-a");
    wait_for_messages(destination, box, 30);
    REQUIRE(::kill(a.pid, SIGSTOP) == 0);
    std::uint32_t at_freeze = wait_for_messages(destination, box, 0);
    INFO("the destination held " << at_freeze << " of " << messages << " when worker-a froze");

    // worker-b takes the mailbox over once the lease has run out, and finishes it.
    ProcessResult b = run_mailsync(
        {"migrate", "worker", "config", "--worker-id", "worker-b", "--lease", "2s"}, options);
    INFO(b.out << b.err);
    CHECK(b.exit_code == 0);
    CHECK_THAT(b.out, Catch::Contains("COMPLETED frozen"));

    // worker-a wakes: it stops before writing anything more, to the destination or the state.
    REQUIRE(::kill(a.pid, SIGCONT) == 0);
    int a_exit = a.wait();
    CHECK(a_exit != 128 + SIGKILL);
    wait_until_settled(destination, box);
    nlohmann::json status = status_of(options);
    const nlohmann::json* frozen = task(status, "frozen");
    REQUIRE(frozen != nullptr);
    INFO(frozen->dump());
    CHECK((*frozen)["status"] == "COMPLETED");
    CHECK((*frozen)["worker"]["holder"] == "worker-b");
    CHECK((*frozen)["worker"]["queue"] == "done");
    std::vector<Stored> at_source = read_all(source, user(box), password(box));
    CHECK(at_source.size() == messages);
    CHECK(read_all(destination, user(box), password(box)) == at_source);
}
