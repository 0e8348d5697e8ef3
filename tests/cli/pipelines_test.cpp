// The sample pipelines of samples/ci: every mailsync command they run, in their order, against a
// sqlite: target, as a pull request, a merge to the main branch and a scheduled drift check, in
// the environment the samples name (config/mailsync.yaml). The state is a SQLite file, or, for
// the [postgres] case, a namespace in the test cluster read by a role that may only read
// (pull requests, plan, drift) and written by one that may write (apply), as docs/ci.md says.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"
#include "util/crypto.hpp"

using namespace mailsync::test;

namespace {

// A script a job runs, and for which pull requests: all, only forks', or all but forks'.
enum class Fork { any, only, never };
struct Script {
    std::string text;
    Fork fork = Fork::any;
};

struct Job {
    std::string name;
    std::vector<Script> scripts;       // those that run mailsync (not the install steps)
    std::vector<std::string> commands; // their mailsync command lines, continuations joined
    std::string environment;           // the platform's environment (GitHub, GitLab)
    std::string mailsync_env;          // MAILSYNC_ENV, from the file's or the job's variables
};

// The platform environment a job names: `environment: NAME` or `environment: {name: NAME}`.
std::string environment_of(const YAML::Node& job) {
    YAML::Node node = job["environment"];
    if (!node)
        return "";
    return node.IsMap() ? node["name"].as<std::string>() : node.as<std::string>();
}

std::string mailsync_env_of(const YAML::Node& file_vars, const YAML::Node& job_vars) {
    if (job_vars && job_vars["MAILSYNC_ENV"])
        return job_vars["MAILSYNC_ENV"].as<std::string>();
    return file_vars && file_vars["MAILSYNC_ENV"] ? file_vars["MAILSYNC_ENV"].as<std::string>()
                                                  : "";
}

// The lines of a shell script that run mailsync; false when there are none.
bool add_commands(const std::string& script, std::vector<std::string>& into) {
    std::size_t before = into.size();
    std::string joined;
    std::size_t start = 0;
    while (start < script.size()) {
        std::size_t end = script.find('\n', start);
        std::string line = script.substr(start, end == std::string::npos ? end : end - start);
        start = end == std::string::npos ? script.size() : end + 1;
        std::size_t first = line.find_first_not_of(" \t");
        line = first == std::string::npos ? "" : line.substr(first);
        if (!joined.empty() || line.starts_with("mailsync ")) {
            bool continued = line.ends_with("\\");
            joined += continued ? line.substr(0, line.size() - 1) : line;
            if (!continued) {
                into.push_back(joined);
                joined.clear();
            }
        }
    }
    return into.size() > before;
}

std::vector<Job> github_jobs(const std::string& file) {
    std::vector<Job> jobs;
    YAML::Node root = YAML::LoadFile(file);
    for (const auto& entry : root["jobs"]) {
        Job job{entry.first.as<std::string>(),
                {},
                {},
                environment_of(entry.second),
                mailsync_env_of(root["env"], entry.second["env"])};
        for (const auto& step : entry.second["steps"]) {
            if (!step["run"] || !add_commands(step["run"].as<std::string>(), job.commands))
                continue;
            Script script{step["run"].as<std::string>(), Fork::any};
            std::string condition = step["if"] ? step["if"].as<std::string>() : "";
            if (condition.find("head.repo.fork") != std::string::npos)
                script.fork = condition.find('!') != std::string::npos ? Fork::never : Fork::only;
            job.scripts.push_back(std::move(script));
        }
        jobs.push_back(std::move(job));
    }
    return jobs;
}

std::vector<Job> gitlab_jobs(const std::string& file) {
    std::vector<Job> jobs;
    YAML::Node root = YAML::LoadFile(file);
    for (const auto& entry : root) {
        if (!entry.second.IsMap() || !entry.second["script"])
            continue;
        Job job{entry.first.as<std::string>(),
                {},
                {},
                environment_of(entry.second),
                mailsync_env_of(root["variables"], entry.second["variables"])};
        for (const auto& line : entry.second["script"]) {
            if (add_commands(line.as<std::string>(), job.commands))
                job.scripts.push_back({line.as<std::string>(), Fork::any});
        }
        jobs.push_back(std::move(job));
    }
    return jobs;
}

const Job& job(const std::vector<Job>& jobs, const std::string& name) {
    for (const Job& candidate : jobs) {
        if (candidate.name == name)
            return candidate;
    }
    FAIL("no job " << name);
    return jobs.front();
}

// The CI secret that keys the state's fingerprints.
const std::string state_key = "a-state-key-from-the-ci-secrets-0123456789";

// What the platform's environments give the jobs: the state (and PGPASSWORD) of the jobs that
// only read it, and of the one that writes it (the job in the environment "production").
struct StateSettings {
    std::map<std::string, std::string> read{{"MAILSYNC_STATE", ".mailsync/state.db"}};
    std::map<std::string, std::string> write{{"MAILSYNC_STATE", ".mailsync/state.db"}};
};

// The settings file the samples expect in config/: the environments they name.
void write_settings(const std::string& config) {
    write_file(config + "/mailsync.yaml", "apiVersion: mailsync/v1\nkind: Settings\n"
                                          "environments:\n  staging: {}\n  production: {}\n");
}

// Runs the job's scripts as the pipeline's shell would, in the checkout `dir`, as for a pull
// request from a fork (no secrets; GitLab's project ids differ) or not; the exit code of each.
std::vector<ProcessResult> run_job(const Job& job, const std::string& dir,
                                   const StateSettings& state, bool fork = false,
                                   bool may_fail = false) {
    RunOptions options;
    options.cwd = dir;
    std::string build = std::filesystem::path(MAILSYNC_BIN).parent_path().string();
    options.env["PATH"] = build + ":" + std::getenv("PATH");
    options.env["NO_COLOR"] = "1";
    options.env["MAILSYNC_TARGET"] = "sqlite:" + dir + "/../target.db";
    // Every job that runs mailsync names the environment of config/mailsync.yaml.
    CHECK(job.mailsync_env == "production");
    options.env["MAILSYNC_ENV"] = job.mailsync_env;
    // The sample configuration's hosts are made up: apply cannot test them live.
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    options.env["CI_PROJECT_ID"] = "1";
    options.env["CI_MERGE_REQUEST_SOURCE_PROJECT_ID"] = fork ? "2" : "1";
    std::map<std::string, std::string> secrets = test_secrets();
    secrets["MAILSYNC_STATE_KEY"] = state_key;
    for (const auto& [name, value] : job.environment == "production" ? state.write : state.read)
        secrets[name] = value;
    for (const auto& [name, value] : secrets) {
        if (fork)
            options.unset_env.push_back(name);
        else
            options.env[name] = value;
    }
    std::vector<ProcessResult> results;
    for (const Script& script : job.scripts) {
        if ((script.fork == Fork::only && !fork) || (script.fork == Fork::never && fork))
            continue;
        results.push_back(
            run_process({"/bin/bash", "-c", "set -eo pipefail\n" + script.text}, options));
        INFO(job.name << ":\n" << script.text << "\n" << results.back().out << results.back().err);
        if (!may_fail)
            CHECK(results.back().exit_code != 1);
    }
    return results;
}

void run_pipeline(const std::vector<Job>& jobs, const std::string& pr_job,
                  const std::string& comment_job, const std::string& plan_job,
                  const std::string& apply_job, const StateSettings& state = {}) {
    TempDir dir;
    std::string checkout = dir.file("checkout");
    write_config(checkout + "/config", {2, 3, 1});
    write_settings(checkout + "/config");
    bool sqlite = state.write.at("MAILSYNC_STATE") == ".mailsync/state.db";
    // Only the apply job writes the state; every other job that opens it only reads.
    for (const Job& each : jobs) {
        INFO(each.name);
        CHECK(each.environment == (each.name == apply_job ? "production"
                                   : each.name == pr_job && pr_job == "validate"
                                       ? ""
                                       : "production-plan"));
    }
    if (!sqlite) {
        // The namespace is made once by the role that writes (docs/ci.md): a plan does it.
        Job first{
            "first use", {{"mailsync plan config/", Fork::any}}, {}, "production", "production"};
        CHECK(run_job(first, checkout, state).front().exit_code == 0);
    }

    // A pull request from a fork: no secrets, validation still passes.
    std::vector<ProcessResult> fork = run_job(job(jobs, pr_job), checkout, state, true);
    REQUIRE(fork.size() == 1);
    CHECK(fork.front().exit_code == 0);
    CHECK_THAT(fork.front().out, Catch::Contains("Secrets were not resolved"));

    // A pull request of the repository: validated with secrets, the plan as a comment.
    for (const ProcessResult& result : run_job(job(jobs, pr_job), checkout, state)) {
        CHECK(result.exit_code == 0);
        CHECK_THAT(result.out, !Catch::Contains("Secrets were not resolved"));
    }
    if (!comment_job.empty())
        run_job(job(jobs, comment_job), checkout, state);
    std::string comment = read_file(checkout + "/plan.md");
    CHECK(comment.starts_with("<!-- mailsync plan part 1 of 1 -->\n### mailsync plan: 6 to "
                              "create"));

    // Merged: plan --out, then apply of that plan, the state kept.
    for (const ProcessResult& result : run_job(job(jobs, plan_job), checkout, state))
        CHECK(result.exit_code == 0);
    REQUIRE(std::filesystem::exists(checkout + "/plan.json"));
    std::vector<ProcessResult> applied = run_job(job(jobs, apply_job), checkout, state);
    REQUIRE_FALSE(applied.empty());
    CHECK(applied.front().exit_code == 0);
    CHECK_THAT(applied.front().out, Catch::Contains("Apply complete: 6 created"));
    CHECK_THAT(applied.back().out, Catch::Contains("COMPLETED  create")); // mailsync status
    if (sqlite) {
        // The state holds no key: only the CI secret has it.
        std::string file = read_file(checkout + "/.mailsync/state.db");
        CHECK(file.find(state_key) == std::string::npos);
        CHECK(file.find("hmac_key") == std::string::npos);
    } else {
        // The role of the read-only jobs cannot write the state.
        Job writes{"apply as a pull request",
                   {{"mailsync apply --auto-approve config/", Fork::any}},
                   {},
                   "production-plan",
                   "production"};
        write_config(checkout + "/config", {2, 3, 0});
        ProcessResult refused = run_job(writes, checkout, state, false, true).front();
        CHECK(refused.exit_code == 1);
        CHECK_THAT(refused.err, Catch::Contains("permission denied"));
        write_config(checkout + "/config", {2, 3, 1});
    }

    // The scheduled drift check: clean after the apply, exit 2 once the two differ.
    const Job& drift = job(jobs, "drift");
    REQUIRE(drift.scripts.size() == 1);
    CHECK(run_job(drift, checkout, state).front().exit_code == 0);
    write_config(checkout + "/config", {2, 2, 1});
    ProcessResult drifted = run_job(drift, checkout, state).front();
    CHECK(drifted.exit_code == 2);
    CHECK_THAT(drifted.out, Catch::Contains("to delete"));
}

// The state of both samples: in PostgreSQL from the environment's secrets, no cache or artifact
// of it, the apply waiting for a held lock.
void check_state_settings(const std::string& file) {
    std::string text = read_file(file);
    CHECK(text.find("actions/cache") == std::string::npos);
    CHECK(text.find("state.db") == std::string::npos);
    CHECK(text.find("job=apply") == std::string::npos);
    CHECK(text.find("mailsync_namespace=production") != std::string::npos);
    CHECK(text.find("mailsync apply --lock-timeout 10m plan.json") != std::string::npos);
}

// A PostgreSQL state in a namespace of its own, with two roles as docs/ci.md sets them up: one
// that writes (it makes the namespace on first use) and one that may only read.
StateSettings postgres_roles() {
    std::string admin = postgres_test_url();
    std::string id = "ci" + mailsync::to_hex(mailsync::random_bytes(5));
    std::string writer = "mailsync_apply_" + id, reader = "mailsync_plan_" + id;
    std::string sql = fmt::format(
        "CREATE ROLE {0} LOGIN PASSWORD 'writer-pw'; CREATE ROLE {1} LOGIN PASSWORD 'reader-pw';"
        "GRANT CREATE ON DATABASE mailsync TO {0};"
        "ALTER DEFAULT PRIVILEGES FOR ROLE {0} GRANT USAGE ON SCHEMAS TO {1};"
        "ALTER DEFAULT PRIVILEGES FOR ROLE {0} GRANT SELECT ON TABLES TO {1};",
        writer, reader);
    ProcessResult made =
        run_process({"/usr/bin/psql", admin, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    // postgres://mailsync:PASSWORD@HOST:PORT/mailsync → postgres://ROLE@HOST:PORT/mailsync
    std::string host = admin.substr(admin.find('@'));
    auto url = [&](const std::string& role) {
        return with_namespace("postgres://" + role + host, "production_" + id);
    };
    StateSettings settings;
    settings.read = {{"MAILSYNC_STATE", url(reader)}, {"PGPASSWORD", "reader-pw"}};
    settings.write = {{"MAILSYNC_STATE", url(writer)}, {"PGPASSWORD", "writer-pw"}};
    return settings;
}

} // namespace

TEST_CASE("the GitHub Actions sample pipeline's commands run against a sqlite target",
          "[cli][ci]") {
    std::vector<Job> jobs = github_jobs(MAILSYNC_SOURCE_DIR "/samples/ci/github-actions.yml");
    CHECK(job(jobs, "pull-request").commands ==
          std::vector<std::string>{"mailsync validate --no-secrets config/",
                                   "mailsync validate config/",
                                   "mailsync plan --format markdown --split config/ > plan.md"});
    CHECK(job(jobs, "apply").commands ==
          std::vector<std::string>{"mailsync apply --lock-timeout 10m plan.json",
                                   "mailsync status --config config/"});
    YAML::Node file = YAML::LoadFile(MAILSYNC_SOURCE_DIR "/samples/ci/github-actions.yml");
    CHECK(file["env"]["MAILSYNC_STATE_KEY"].as<std::string>() ==
          "${{ secrets.MAILSYNC_STATE_KEY }}");
    for (const char* name : {"pull-request", "plan", "apply", "drift"})
        CHECK(file["jobs"][name]["env"]["MAILSYNC_STATE"].as<std::string>() ==
              "${{ secrets.MAILSYNC_STATE }}");
    check_state_settings(MAILSYNC_SOURCE_DIR "/samples/ci/github-actions.yml");
    run_pipeline(jobs, "pull-request", "", "plan", "apply");
}

TEST_CASE("the GitLab CI sample pipeline's commands run against a sqlite target", "[cli][ci]") {
    std::vector<Job> jobs = gitlab_jobs(MAILSYNC_SOURCE_DIR "/samples/ci/gitlab-ci.yml");
    CHECK(job(jobs, "validate").commands ==
          std::vector<std::string>{"mailsync validate --no-secrets config/",
                                   "mailsync validate config/"});
    CHECK(job(jobs, "apply").commands ==
          std::vector<std::string>{"mailsync apply --lock-timeout 10m plan.json",
                                   "mailsync status --config config/"});
    CHECK(read_file(MAILSYNC_SOURCE_DIR "/samples/ci/gitlab-ci.yml")
              .find("#   MAILSYNC_STATE_KEY     the key of the state's secret fingerprints") !=
          std::string::npos);
    check_state_settings(MAILSYNC_SOURCE_DIR "/samples/ci/gitlab-ci.yml");
    run_pipeline(jobs, "validate", "plan-comment", "plan", "apply");
}

TEST_CASE("the sample pipelines run with the state in PostgreSQL, pull requests only reading it",
          "[cli][ci][postgres]") {
    std::string sample = GENERATE(as<std::string>{}, "github-actions", "gitlab-ci");
    INFO(sample);
    std::string file = MAILSYNC_SOURCE_DIR "/samples/ci/" + sample + ".yml";
    if (sample == "github-actions")
        run_pipeline(github_jobs(file), "pull-request", "", "plan", "apply", postgres_roles());
    else
        run_pipeline(gitlab_jobs(file), "validate", "plan-comment", "plan", "apply",
                     postgres_roles());
}
