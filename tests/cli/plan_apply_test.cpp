// plan and apply end to end, against the embedded sqlite: target and the https one alike.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/target_under_test.hpp"

using namespace mailsync::test;

namespace {

nlohmann::json status_json(const TargetUnderTest& target, const TempDir& dir) {
    ProcessResult status = run_mailsync({"status", "--format", "json"}, target.in(dir));
    REQUIRE(status.exit_code == 0);
    return nlohmann::json::parse(status.out);
}

} // namespace

TEST_CASE("plan, apply, and plan again shows no changes", "[cli][apply][postgres]") {
    FOR_EACH_TARGET_AND_STATE(target);
    TempDir dir;
    write_config(dir.path(), {});
    ProcessResult before = run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir));
    CHECK(before.exit_code == 2);
    CHECK(before.out.ends_with("Plan: 30 to create, 0 to update, 0 to delete, 0 unchanged.\n"));
    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "."}, target.in(dir));
    CHECK(apply.exit_code == 0);
    CHECK(apply.out.ends_with(
        "Apply complete: 30 created, 0 updated, 0 deleted, 0 failed, 0 skipped.\n"));
    ProcessResult after = run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir));
    CHECK(after.exit_code == 0);
    CHECK(after.out.ends_with("No changes. The target matches the configuration.\n"));
    CHECK(target.count_objects(dir) == 30);
}

TEST_CASE("the journal puts each OAuth2 client before its connections", "[cli][apply]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    write_config(dir.path(), {});
    REQUIRE(run_mailsync({"apply", "--auto-approve", "--parallelism", "8", "."}, target.in(dir))
                .exit_code == 0);
    nlohmann::json status = status_json(target, dir);
    CHECK(status["run"]["status"] == "completed");
    CHECK(status["counts"]["COMPLETED"] == 30);
    std::map<std::string, std::string> client_finished;
    for (const auto& task : status["tasks"]) {
        if (task["kind"] == "OAuth2Client")
            client_finished[task["name"]] = task["finished_at"];
    }
    REQUIRE(client_finished.size() == 3);
    // Accounts box-N with N % 3 != 0 use client-(N % 3).
    for (const auto& task : status["tasks"]) {
        std::string name = task["name"];
        if (task["kind"] != "MailAccount" || std::stoi(name.substr(4)) % 3 == 0)
            continue;
        std::string client = "client-" + std::to_string(std::stoi(name.substr(4)) % 3);
        INFO(name << " after " << client);
        CHECK(task["started_at"].get<std::string>() >= client_finished[client]);
    }
}

TEST_CASE("changing one field plans exactly one update", "[cli][apply]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    write_config(dir.path(), {});
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, target.in(dir)).exit_code == 0);
    std::string yaml = read_file(dir.file("config.yaml"));
    std::size_t at = yaml.find("host: imap1.example.com");
    yaml.replace(at, std::string("host: imap1.example.com").size(), "host: imap9.example.com");
    write_file(dir.file("config.yaml"), yaml);
    ProcessResult plan = run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir));
    CHECK(plan.exit_code == 2);
    CHECK(plan.out == "Target " + target.describe() + " (mapping server-to-cloud), state " +
                          target.state() +
                          "\n\n"
                          "  ~ MailAccount box-1\n"
                          "      Host: \"imap1.example.com\" → \"imap9.example.com\"\n\n"
                          "Plan: 0 to create, 1 to update, 0 to delete, 29 unchanged.\n"
                          "\nSecrets that would go to servers they have not been sent to before "
                          "(check these hosts):\n"
                          "  MailAccount 'box-1': an access token from "
                          "spec.auth.oauth2.refreshToken ${env:TEST_REFRESH_TOKEN} → "
                          "imap://imap9.example.com:993\n"
                          "  MailAccount 'box-1': an access token from OAuth2Client 'client-1' "
                          "spec.clientSecret ${env:TEST_CLIENT_SECRET} → "
                          "imap://imap9.example.com:993\n");
}

TEST_CASE("a failure on any write, then a re-run, converges without duplicates",
          "[cli][apply][faults][postgres]") {
    FOR_EACH_TARGET_AND_STATE(target);
    for (int k = 1; k <= 30; ++k) {
        // Over https or with the PostgreSQL state, the clients' writes and a spread of the
        // connections' ones.
        if ((target.https() || target.postgres_state()) && k > 4 && k % 5 != 0)
            continue;
        DYNAMIC_SECTION("write " << k << " fails") {
            TempDir dir;
            write_config(dir.path(), {});
            auto [faulty, words] = target.failing_write(k);
            ProcessResult failed =
                run_mailsync({"apply", "--auto-approve", "--target", faulty, "."}, target.in(dir));
            CHECK(failed.exit_code == 1);
            CHECK(failed.err.find(words) != std::string::npos);
            nlohmann::json status = status_json(target, dir);
            CHECK(status["run"]["status"] == "failed");
            int injected = 0, skipped = 0;
            for (const auto& task : status["tasks"]) {
                std::string message = task["message"];
                if (task["status"] == "ERROR" && message.find(words) != std::string::npos)
                    ++injected;
                else if (task["status"] == "ERROR" && message.starts_with("skipped: "))
                    ++skipped;
                else
                    CHECK(task["status"] == "COMPLETED");
            }
            CHECK(injected == 1);
            // A failed client takes its connections with it; nothing else is skipped.
            CHECK(skipped + injected + status["counts"].value("COMPLETED", 0) == 30);

            ProcessResult again = run_mailsync({"apply", "--auto-approve", "."}, target.in(dir));
            CHECK(again.exit_code == 0);
            CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir)).exit_code ==
                  0);
            CHECK(target.count_objects(dir) == 30);
        }
    }
}

TEST_CASE("an apply killed at any point converges on the next run",
          "[cli][apply][faults][postgres]") {
    FOR_EACH_TARGET_AND_STATE(target);
    std::srand(20261121);
    for (int run = 0; run < (target.https() || target.postgres_state() ? 10 : 20); ++run) {
        DYNAMIC_SECTION("kill " << run) {
            TempDir dir;
            write_config(dir.path(), {});
            Background apply = start_mailsync({"apply", "--auto-approve", "--parallelism", "2",
                                               "--target", target.slow_writes(4), "."},
                                              target.in(dir));
            int delay_ms = 5 + std::rand() % 80;
            usleep(static_cast<useconds_t>(delay_ms) * 1000);
            kill(apply.pid, SIGKILL);
            apply.wait();
            ProcessResult again = run_mailsync({"apply", "--auto-approve", "."}, target.in(dir));
            INFO(again.err);
            CHECK(again.exit_code == 0);
            CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir)).exit_code ==
                  0);
            CHECK(target.count_objects(dir) == 30);
        }
    }
}

TEST_CASE("two applies at once: one wins, the other fails naming the lock holder",
          "[cli][apply][lock][postgres]") {
    FOR_EACH_TARGET_AND_STATE(target);
    TempDir dir;
    write_config(dir.path(), {});
    std::vector<std::string> slow{
        "apply", "--auto-approve", "--parallelism", "1", "--target", target.slow_writes(30), "."};
    Background first = start_mailsync(slow, target.in(dir));
    usleep(300'000);
    ProcessResult second = run_mailsync(slow, target.in(dir));
    int first_exit = first.wait();
    CHECK(first_exit == 0);
    CHECK(second.exit_code == 1);
    CHECK(second.err.find("error: the state " + target.describe_state(dir) +
                          " is locked by run ") != std::string::npos);
    CHECK(second.err.find("(pid " + std::to_string(first.pid) + " on ") != std::string::npos);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir)).exit_code == 0);
    CHECK(target.count_objects(dir) == 30);
}

TEST_CASE("a saved plan applies when a plan made now is the same, else refuses", "[cli][apply]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    write_config(dir.path(), {1, 2, 0});
    REQUIRE(run_mailsync({"plan", "--out", "plan.json", "."}, target.in(dir)).exit_code == 0);
    ProcessResult applied = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(applied.exit_code == 0);
    CHECK(applied.out.ends_with("Apply complete: 3 created, 0 updated, 0 deleted, 0 failed, "
                                "0 skipped.\n"));

    // The configuration changes after the plan.
    write_config(dir.path(), {1, 3, 0});
    REQUIRE(run_mailsync({"plan", "--out", "plan.json", "."}, target.in(dir)).exit_code == 0);
    write_config(dir.path(), {1, 4, 0});
    ProcessResult config_moved = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(config_moved.exit_code == 1);
    CHECK(config_moved.err == "error: the saved plan plan.json is stale; a plan made now differs:\n"
                              "  - config file \"./config.yaml\" changed since the plan\n"
                              "  - MailAccount \"box-3\": saved plan says no action, now create\n"
                              "Nothing was written. Run mailsync plan again and review it.\n");

    // A secret changes after the plan.
    write_config(dir.path(), {1, 3, 0});
    REQUIRE(run_mailsync({"plan", "--out", "plan.json", "."}, target.in(dir)).exit_code == 0);
    RunOptions rotated = target.in(dir);
    rotated.env["TEST_REFRESH_TOKEN"] = "rotated";
    ProcessResult secret_moved = run_mailsync({"apply", "plan.json"}, rotated);
    CHECK(secret_moved.exit_code == 1);
    CHECK(secret_moved.err == "error: the saved plan plan.json is stale; a plan made now differs:\n"
                              "  - MailAccount \"box-1\": saved plan says no change, now update\n"
                              "  - MailAccount \"box-2\": secret Refresh Token: its fingerprint "
                              "differs (the secret changed since the plan)\n"
                              "Nothing was written. Run mailsync plan again and review it.\n");

    // The target changes after the plan: another apply got there first.
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, target.in(dir)).exit_code == 0);
    ProcessResult target_moved = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(target_moved.exit_code == 1);
    CHECK(target_moved.err.find(
              "  - MailAccount \"box-2\" appeared in the target since the plan\n") !=
          std::string::npos);
    CHECK(target_moved.err.find("  - MailAccount \"box-2\": saved plan says create, now no "
                                "change\n") != std::string::npos);
}

TEST_CASE("apply without a terminal needs --auto-approve", "[cli][apply]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    write_config(dir.path(), {1, 1, 0});
    ProcessResult result = run_mailsync({"apply", "."}, target.in(dir));
    CHECK(result.exit_code == 1);
    CHECK(result.err == "error: apply asks for confirmation on a terminal; without one, pass "
                        "--auto-approve\n");
    CHECK(target.count_objects(dir) == 0);
}

TEST_CASE("plan formats: json with a format_version, markdown split in parts", "[cli][plan]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    write_config(dir.path(), {5, 300, 0});
    ProcessResult json = run_mailsync({"plan", "--format", "json", "."}, target.in(dir));
    REQUIRE(json.exit_code == 0);
    auto parsed = nlohmann::json::parse(json.out);
    CHECK(parsed["kind"] == "mailsync-plan");
    CHECK(parsed["format_version"] == 3);
    CHECK(parsed["summary"]["create"] == 305);
    ProcessResult markdown =
        run_mailsync({"plan", "--format", "markdown", "--split", "."}, target.in(dir));
    REQUIRE(markdown.exit_code == 0);
    CHECK(markdown.out.starts_with("<!-- mailsync plan part 1 of "));
    CHECK(markdown.out.find("<!-- mailsync plan part 2 of ") != std::string::npos);
}

TEST_CASE("status before any run, force-unlock with no lock", "[cli][status]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    ProcessResult status = run_mailsync({"status"}, target.in(dir));
    CHECK(status.exit_code == 0);
    CHECK(
        status.out.starts_with("No runs recorded: there is no state at " + target.state() + ".\n"));
    CHECK_FALSE(std::filesystem::exists(dir.file(".mailsync/state.db"))); // none made
    ProcessResult unlock = run_mailsync({"force-unlock"}, target.in(dir));
    CHECK(unlock.exit_code == 0);
    CHECK(unlock.out == "The state " + target.state() + " was not locked.\n");
    CHECK(run_mailsync({"status", "--run", "nope"}, target.in(dir)).exit_code == 1);
}

TEST_CASE("the .mailsync folder an apply makes keeps itself out of version control",
          "[cli][apply]") {
    TempDir dir;
    write_config(dir.file("config"), {1, 2, 1});
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    options.unset_env = {"MAILSYNC_TARGET", "MAILSYNC_STATE"};
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config"}, options).exit_code == 0);
    CHECK(read_file(dir.file("config/.mailsync/.gitignore")).ends_with("\n*\n"));
    // git, when there is one, sees the configuration and nothing of the state.
    if (run_process({"/usr/bin/git", "init", "-q", dir.path()}).exit_code == 0) {
        RunOptions in_repo;
        in_repo.cwd = dir.path();
        ProcessResult listed = run_process(
            {"/usr/bin/git", "status", "--porcelain", "--untracked-files=all"}, in_repo);
        CHECK(listed.out == "?? config/config.yaml\n");
    }
}
