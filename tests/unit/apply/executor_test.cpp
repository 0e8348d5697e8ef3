#include "support/world.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

std::vector<JournalEntry> journal(World& world) {
    auto run = world.session.state->run(world.run_id);
    REQUIRE(run);
    REQUIRE(*run);
    return (*run)->entries;
}

} // namespace

TEST_CASE("apply journals every action COMPLETED, each client before its connections", "[apply]") {
    World world;
    world.configure(client_yaml + account_yaml("a") + account_yaml("b"));
    Plan plan = world.plan();
    ApplyReport report = world.apply(plan, 10);
    CHECK(report.ok());
    CHECK(report.created == 3);
    CHECK(describe(report) == "3 created, 0 updated, 0 deleted, 0 failed, 0 skipped");
    std::vector<JournalEntry> entries = journal(world);
    REQUIRE(entries.size() == 3);
    std::string client_done;
    for (const JournalEntry& entry : entries) {
        CHECK(entry.status == TaskStatus::completed);
        if (entry.kind == Kind::oauth2_client)
            client_done = entry.finished_at;
    }
    for (const JournalEntry& entry : entries) {
        if (entry.kind == Kind::mail_account)
            CHECK(entry.started_at >= client_done);
    }
    CHECK(world.session.state->managed()->size() == 3);
}

TEST_CASE("a failed client skips its connections; independent work goes on", "[apply]") {
    World world;
    world.configure(client_yaml + account_yaml("a") +
                    account_yaml("plain", "", "  auth:\n    password: ${env:PW}\n"));
    world.options.target += "?fail-write=1";
    Plan plan = world.plan();
    ApplyReport report = world.apply(plan, 1); // one at a time: the client is the first write
    CHECK(report.failed == 1);
    CHECK(report.skipped == 1);
    CHECK(report.created == 1);
    std::map<std::string, JournalEntry> by_name;
    for (const JournalEntry& entry : journal(world))
        by_name[entry.name] = entry;
    CHECK(by_name["g"].status == TaskStatus::error);
    CHECK(by_name["g"].message == "injected failure on write 1");
    CHECK(by_name["a"].status == TaskStatus::error);
    CHECK(by_name["a"].message == "skipped: it depends on OAuth2Client/g, which did not complete");
    CHECK(by_name["plain"].status == TaskStatus::completed);
    CHECK(world.session.state->run(world.run_id)->value().status == "failed");

    // Re-run without the fault: converges, no duplicates.
    world.options.target = "sqlite:" + world.dir.file("target.db");
    world.converge();
    CHECK(world.objects("mail-accounts").size() == 2);
    CHECK(world.objects("oauth2-clients").size() == 1);
}
