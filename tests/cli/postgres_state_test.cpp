// The PostgreSQL state end to end: the lock of a run held by its session (a killed apply frees
// it at once), --lock-timeout, wrong passwords, a server restarting under an apply, and state
// migrate between backends.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/state_under_test.hpp"
#include "support/target_under_test.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

TEST_CASE("with --lock-timeout a second apply waits for the first, then has nothing to do",
          "[cli][apply][lock][postgres]") {
    FOR_EACH_STATE(state);
    TargetUnderTest target("sqlite", state.kind());
    TempDir dir;
    write_config(dir.path(), {});
    Background first = start_mailsync(
        {"apply", "--auto-approve", "--parallelism", "1", "--target", target.slow_writes(30), "."},
        target.in(dir));
    usleep(300'000);
    ProcessResult second =
        run_mailsync({"apply", "--auto-approve", "--lock-timeout", "1m", "."}, target.in(dir));
    CHECK(first.wait() == 0);
    INFO(second.err);
    CHECK(second.exit_code == 0);
    CHECK(second.out.find("No changes.") != std::string::npos);
    CHECK(target.count_objects(dir) == 30);

    ProcessResult bad = run_mailsync({"apply", "--lock-timeout", "soon", "."}, target.in(dir));
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("'soon' is not a duration such as 30s, 5m or 0") != std::string::npos);
}

TEST_CASE("an apply killed with SIGKILL frees the PostgreSQL lock at once",
          "[cli][apply][lock][postgres]") {
    TargetUnderTest target("sqlite", "postgres");
    TempDir dir;
    write_config(dir.path(), {});
    Background first =
        start_mailsync({"apply", "--auto-approve", "--lock-timeout", "1m", "--parallelism", "1",
                        "--target", target.slow_writes(200), "."},
                       target.in(dir));
    // Held: another apply is refused. The asking apply never applies (it is not approved), and
    // the first waits for the lock, so that whichever of them a slow machine starts first, the
    // first ends up holding it; it writes slowly, so that it still holds it when asked.
    RunOptions asking = target.in(dir);
    asking.stdin_text = "no\n";
    ProcessResult held;
    for (int i = 0; i < 100 && held.err.find("is locked by run") == std::string::npos; ++i) {
        usleep(100'000);
        held = run_mailsync({"apply", "."}, asking);
    }
    REQUIRE(held.err.find("(pid " + std::to_string(first.pid) + " on ") != std::string::npos);
    kill(first.pid, SIGKILL);
    first.wait();
    // No force-unlock: the session is gone, so is its lock, once PostgreSQL has seen the
    // connection close (a moment on a loaded machine, which --lock-timeout allows for).
    ProcessResult again =
        run_mailsync({"apply", "--auto-approve", "--lock-timeout", "10s", "."}, target.in(dir));
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("warning: took over the lock of run ") != std::string::npos);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, target.in(dir)).exit_code == 0);
    CHECK(target.count_objects(dir) == 30);
}

TEST_CASE("a wrong PostgreSQL password is a clear error that never shows a password",
          "[cli][postgres]") {
    std::string url = postgres_test_url();
    std::size_t colon = url.find(':', std::string("postgres://").size());
    std::size_t at = url.find('@');
    std::string password = url.substr(colon + 1, at - colon - 1);
    TempDir dir;
    write_config(dir.path(), {});
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    options.env["MAILSYNC_STATE"] = url.substr(0, colon + 1) + "wrong-one" + url.substr(at);
    ProcessResult plan = run_mailsync({"plan", "."}, options);
    CHECK(plan.exit_code == 1);
    CHECK(plan.err.find("error: state postgres://mailsync:***@127.0.0.1:") != std::string::npos);
    CHECK(plan.err.find("password authentication failed") != std::string::npos);
    CHECK(plan.err.find("wrong-one") == std::string::npos);
    CHECK(plan.err.find(password) == std::string::npos);
    CHECK(plan.out.find(password) == std::string::npos);

    options.env["MAILSYNC_STATE"] = "s3://bucket/state";
    ProcessResult scheme = run_mailsync({"plan", "."}, options);
    CHECK(scheme.exit_code == 1);
    CHECK(scheme.err.find("error: the state s3://bucket/state: unknown scheme 's3:'") !=
          std::string::npos);
}

TEST_CASE("a state of another scope or target is refused without showing its password",
          "[cli][postgres]") {
    // A pull request may set scope: or a target in mailsync.yaml; the refusal it provokes
    // must not print the state URL that CI keeps secret.
    std::string url = with_namespace(postgres_test_url(), "refusal_password_test");
    std::size_t colon = url.find(':', std::string("postgres://").size());
    std::string password = url.substr(colon + 1, url.find('@') - colon - 1);
    TempDir dir;
    write_config(dir.path(), {1, 1, 1});
    RunOptions options;
    options.cwd = dir.path();
    options.env = test_secrets();
    options.env["MAILSYNC_STATE"] = url;
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    options.env["MAILSYNC_SCOPE"] = "team-b";
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, options).exit_code == 0);
    write_file(dir.file("mailsync.yaml"), "apiVersion: mailsync/v1\nkind: Settings\nscope: "
                                          "attacker\n");
    options.env.erase("MAILSYNC_SCOPE");
    ProcessResult scope = run_mailsync({"plan", "."}, options);
    CHECK(scope.exit_code == 1);
    CHECK(scope.err.find("belongs to scope 'team-b', and this run owns scope 'attacker'") !=
          std::string::npos);
    CHECK(scope.err.find(password) == std::string::npos);
    CHECK(scope.err.find("mailsync:***@") != std::string::npos);
    options.env["MAILSYNC_SCOPE"] = "team-b";
    ProcessResult target =
        run_mailsync({"plan", "--target", "sqlite:other-target.db", "."}, options);
    CHECK(target.exit_code == 1);
    CHECK(target.err.find("belongs to sqlite:.mailsync/target.db, not sqlite:other-target.db") !=
          std::string::npos);
    CHECK(target.err.find(password) == std::string::npos);
}

TEST_CASE("state migrate SQLite → PostgreSQL → SQLite, and plan still shows no changes",
          "[cli][state][postgres]") {
    StateUnderTest postgres("postgres");
    TargetUnderTest target("sqlite");
    TempDir dir;
    write_config(dir.path(), {});
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, target.in(dir)).exit_code == 0);
    std::string url = postgres.location(dir);
    ProcessResult there = run_mailsync({"state", "migrate", "--to", url}, target.in(dir));
    INFO(there.err);
    REQUIRE(there.exit_code == 0);
    CHECK(there.out.starts_with("Copied the state .mailsync/state.db to " + postgres.describe(dir) +
                                " and read it back: the same.\n"));
    CHECK(there.out.find("30 managed objects") != std::string::npos);
    CHECK(there.out.find(postgres_test_url()) == std::string::npos);

    RunOptions in_postgres = target.in(dir);
    in_postgres.env["MAILSYNC_STATE"] = url;
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, in_postgres).exit_code == 0);
    ProcessResult shown = run_mailsync({"state", "show"}, in_postgres);
    INFO(shown.err);
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find("managed objects: 30") != std::string::npos);
    ProcessResult again = run_mailsync({"state", "migrate", "--to", url}, target.in(dir));
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("is not empty (30 managed objects, 1 runs)") != std::string::npos);

    ProcessResult back = run_mailsync({"state", "migrate", "--to", "sqlite:back.db"}, in_postgres);
    INFO(back.err);
    REQUIRE(back.exit_code == 0);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "--state", "back.db", "."}, target.in(dir))
              .exit_code == 0);
}

TEST_CASE("PostgreSQL restarting under an apply: the run fails clearly, the next converges",
          "[cli][apply][faults][postgres]") {
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755); // the cluster's own user walks into it
    std::string fixture = MAILSYNC_SOURCE_DIR "/tests/fixtures/postgres";
    std::string cluster = dir.file("cluster");
    REQUIRE(run_process({fixture, "start", cluster}).exit_code == 0);
    std::string url = read_file(cluster + "/url");
    url.pop_back();
    TargetUnderTest target("sqlite");
    write_config(dir.path(), {});
    RunOptions options = target.in(dir);
    options.env["MAILSYNC_STATE"] = url;
    ProcessResult failed;
    std::thread apply([&] {
        failed = run_mailsync({"apply", "--auto-approve", "--parallelism", "1", "--target",
                               target.slow_writes(40), "."},
                              options);
    });
    usleep(600'000);
    CHECK(run_process({fixture, "restart", cluster}).exit_code == 0);
    apply.join();
    CHECK(failed.exit_code == 1);
    INFO(failed.err);
    CHECK(failed.err.find("the connection to PostgreSQL was lost") != std::string::npos);
    CHECK(failed.err.find(url) == std::string::npos);
    ProcessResult again = run_mailsync({"apply", "--auto-approve", "."}, options);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, options).exit_code == 0);
    CHECK(target.count_objects(dir) == 30);
    run_process({fixture, "stop", cluster});
}

TEST_CASE("a PostgreSQL state named in mailsync.yaml is used only with its host allowed",
          "[cli][state][postgres][untrusted]") {
    StateUnderTest postgres("postgres");
    TargetUnderTest target("sqlite");
    TempDir dir;
    write_config(dir.path(), {});
    // postgres://mailsync:PASSWORD@HOST... → the password apart, as PGPASSWORD.
    std::string url = postgres.location(dir);
    std::size_t user = url.find("://") + 3, colon = url.find(':', user), at = url.find('@');
    REQUIRE(colon < at);
    std::string password = url.substr(colon + 1, at - colon - 1);
    std::string bare = url.substr(0, colon) + url.substr(at);
    auto settings = [&](const std::string& state) {
        write_file(dir.file("mailsync.yaml"), "apiVersion: mailsync/v1\nkind: Settings\n"
                                              "defaultEnvironment: ci\nenvironments:\n  ci:\n"
                                              "    state: " +
                                                  state + "\n");
    };
    RunOptions options = target.in(dir);
    options.unset_env = {"MAILSYNC_STATE", "MAILSYNC_ALLOWED_HOSTS"};
    options.env["PGPASSWORD"] = password;

    settings(url);
    ProcessResult written = run_mailsync({"plan", "."}, options);
    CHECK(written.exit_code == 1);
    CHECK(written.err.find("holds a password, a secret written in the repository") !=
          std::string::npos);
    CHECK(written.err.find(password) == std::string::npos);

    settings(bare);
    ProcessResult refused = run_mailsync({"plan", "."}, options);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("mailsync.yaml:6:12: error: the state ") != std::string::npos);
    CHECK(refused.err.find("MAILSYNC_ALLOWED_HOSTS is not set") != std::string::npos);

    options.unset_env = {"MAILSYNC_STATE"};
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "127.0.0.1";
    ProcessResult allowed = run_mailsync({"plan", "."}, options);
    INFO(allowed.err);
    CHECK(allowed.exit_code == 0);
    CHECK(allowed.out.find("Environment ci:") == 0);
}
