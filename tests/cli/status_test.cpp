// `status --runs` lists the past runs with what `status --run ID` needs: their ids, times and
// results, in text and JSON.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

std::string account(const std::string& name) {
    return "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: " + name +
           "\nspec:\n  protocol: imap\n  host: imap.example.com\n  username: " + name +
           "@example.com\n  auth:\n    password: ${env:SUPPORT_PASSWORD}\n---\n";
}

} // namespace

TEST_CASE("status --runs lists each run's id, times and result, and --run ID shows that run",
          "[cli][status]") {
    TempDir dir;
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SUPPORT_PASSWORD", "pw-status-test"}};
    write_file(dir.file("config/a.yaml"), account("first"));
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config"}, options).exit_code == 0);
    // The second run fails its one write.
    write_file(dir.file("config/a.yaml"), account("first") + account("second"));
    ProcessResult failed = run_mailsync({"apply", "--auto-approve", "--target",
                                         "sqlite:config/.mailsync/target.db?fail-write=1",
                                         "--state", "config/.mailsync/state.db", "config"},
                                        options);
    REQUIRE(failed.exit_code == 1);

    ProcessResult runs = run_mailsync({"status", "--runs", "--config", "config"}, options);
    CHECK(runs.exit_code == 0);
    std::istringstream lines(runs.out);
    std::string header;
    std::getline(lines, header);
    CHECK(header == "Runs in config/.mailsync/state.db, newest first:");
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> row;
        for (std::string word; words >> word;)
            row.push_back(word);
        rows.push_back(row);
    }
    // id, command, result, started → finished, target
    REQUIRE(rows.size() == 2);
    REQUIRE(rows[0].size() == 7);
    REQUIRE(rows[1].size() == 7);
    CHECK(rows[0][1] == "apply");
    CHECK(rows[0][2] == "failed");
    CHECK(rows[1][2] == "completed");
    CHECK(rows[1][3] <= rows[1][5]);
    CHECK(rows[1][5] <= rows[0][3]);

    // The older run, by the id the list shows.
    ProcessResult older =
        run_mailsync({"status", "--run", rows[1][0], "--config", "config"}, options);
    CHECK(older.exit_code == 0);
    CHECK(older.out.starts_with("Run " + rows[1][0] + ": apply on sqlite:"));
    CHECK(older.out.find(", completed.\n  COMPLETED  create  MailAccount/first\n1 task: 1 "
                         "COMPLETED.\n") != std::string::npos);
    ProcessResult newer =
        run_mailsync({"status", "--run", rows[0][0], "--config", "config"}, options);
    CHECK(newer.out.find(", failed.\n  ERROR      create  MailAccount/second  injected failure") !=
          std::string::npos);

    // The JSON list carries the same ids.
    ProcessResult json =
        run_mailsync({"status", "--runs", "--format", "json", "--config", "config"}, options);
    auto listed = nlohmann::json::parse(json.out)["runs"];
    REQUIRE(listed.size() == 2);
    CHECK(listed[1]["id"] == rows[1][0]);
    CHECK(listed[1]["status"] == "completed");
    CHECK(listed[0]["status"] == "failed");
    ProcessResult by_json = run_mailsync({"status", "--run", listed[0]["id"].get<std::string>(),
                                          "--format", "json", "--config", "config"},
                                         options);
    CHECK(nlohmann::json::parse(by_json.out)["run"]["id"] == listed[0]["id"]);

    ProcessResult limited =
        run_mailsync({"status", "--runs", "--limit", "1", "--config", "config"}, options);
    CHECK(std::count(limited.out.begin(), limited.out.end(), '\n') == 2);
}
