// `status` after migrations: the mailbox's totals, whichever run copied the messages or whether
// they were at the destination before, and what the last run did.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migrate/mailboxes.hpp"
#include "support/json_schema.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

std::vector<Fill> numbered(const std::string& folder, int from, int to) {
    std::vector<Fill> out;
    for (int i = from; i < to; ++i)
        out.push_back({folder, "", "",
                       text_message(fmt::format("s{}@x", i), fmt::format("message {}", i),
                                    std::string(1000 + i, 's'))});
    return out;
}

std::uint64_t bytes_of(const std::vector<Stored>& messages) {
    std::uint64_t total = 0;
    for (const Stored& message : messages)
        total += message.size;
    return total;
}

nlohmann::json status_of(const RunOptions& options) {
    ProcessResult status =
        run_mailsync({"status", "--format", "json", "--config", "config"}, options);
    INFO(status.err);
    REQUIRE(status.exit_code == 0);
    nlohmann::json out = nlohmann::json::parse(status.out);
    CHECK(schema_file_violations("status.schema.json", out).empty());
    REQUIRE(out["migrations"].size() == 1);
    return out["migrations"][0];
}

} // namespace

TEST_CASE("status shows the mailbox's totals and what the last run did, messages found at the "
          "destination and earlier runs included") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    std::vector<Fill> inbox = numbered("INBOX", 0, 10);
    fill(source, user(26), password(26), inbox);
    fill(source, user(26), password(26), numbered("Archive", 10, 12));
    // An earlier copy (another tool's, or a run whose state was lost) left four of them there.
    fill(destination, user(26), password(26), {inbox.begin(), inbox.begin() + 4});
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m26", password_side(source, 26), password_side(destination, 26)));
    RunOptions options = migrate_options(dir);

    ProcessResult first = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.out, Catch::Contains("COMPLETED m26: 8 messages copied"));
    ProcessResult text = run_mailsync({"status", "--config", "config"}, options);
    CHECK_THAT(text.out,
               Catch::Contains(fmt::format("COMPLETED  {:<24}  12/12 messages, ", "m26")) &&
                   Catch::Contains("  last run: 8 messages copied ("));
    std::uint64_t size = bytes_of(read_all(source, user(26), password(26)));
    nlohmann::json task = status_of(options);
    CHECK(task["messages_total"] == 12);
    CHECK(task["messages_done"] == 12);
    CHECK(task["bytes_total"] == size);
    CHECK(task["bytes_done"] == size);
    CHECK_THAT(task["message"].get<std::string>(), Catch::StartsWith("8 messages copied ("));

    // Three more at the source: the next run copies them, the totals are the whole mailbox's.
    fill(source, user(26), password(26), numbered("INBOX", 12, 15));
    ProcessResult second = run_mailsync({"apply", "--auto-approve", "config"}, options);
    REQUIRE(second.exit_code == 0);
    size = bytes_of(read_all(source, user(26), password(26)));
    task = status_of(options);
    CHECK(task["messages_total"] == 15);
    CHECK(task["messages_done"] == 15);
    CHECK(task["bytes_total"] == size);
    CHECK(task["bytes_done"] == size);
    CHECK_THAT(task["message"].get<std::string>(), Catch::StartsWith("3 messages copied ("));

    ProcessResult third = run_mailsync({"apply", "--auto-approve", "config"}, options);
    REQUIRE(third.exit_code == 0);
    task = status_of(options);
    CHECK(task["messages_total"] == 15);
    CHECK(task["messages_done"] == 15);
    CHECK(task["message"] == "up to date: nothing left to copy");
    text = run_mailsync({"status", "--config", "config"}, options);
    CHECK_THAT(text.out, Catch::Contains("15/15 messages, ") &&
                             Catch::Contains("  last run: up to date: nothing left to copy"));
}
