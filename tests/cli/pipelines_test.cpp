// The sample pipelines of samples/ci: every mailsync command they run, in their order, against a
// sqlite: target, as a pull request, a merge to the main branch and a scheduled drift check.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/temp_dir.hpp"

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
};

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
    for (const auto& entry : YAML::LoadFile(file)["jobs"]) {
        Job job{entry.first.as<std::string>(), {}, {}};
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
    for (const auto& entry : YAML::LoadFile(file)) {
        if (!entry.second.IsMap() || !entry.second["script"])
            continue;
        Job job{entry.first.as<std::string>(), {}, {}};
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

// Runs the job's scripts as the pipeline's shell would, in the checkout `dir`, as for a pull
// request from a fork (no secrets; GitLab's project ids differ) or not; the exit code of each.
std::vector<ProcessResult> run_job(const Job& job, const std::string& dir, bool fork = false) {
    RunOptions options;
    options.cwd = dir;
    std::string build = std::filesystem::path(MAILSYNC_BIN).parent_path().string();
    options.env["PATH"] = build + ":" + std::getenv("PATH");
    options.env["NO_COLOR"] = "1";
    options.env["MAILSYNC_STATE"] = ".mailsync/state.db";
    options.env["MAILSYNC_TARGET"] = "sqlite:" + dir + "/../target.db";
    // The sample configuration's hosts are made up: apply cannot test them live.
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    options.env["CI_PROJECT_ID"] = "1";
    options.env["CI_MERGE_REQUEST_SOURCE_PROJECT_ID"] = fork ? "2" : "1";
    std::map<std::string, std::string> secrets = test_secrets();
    secrets["MAILSYNC_STATE_KEY"] = state_key;
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
        CHECK(results.back().exit_code != 1);
    }
    return results;
}

void run_pipeline(const std::vector<Job>& jobs, const std::string& pr_job,
                  const std::string& comment_job, const std::string& plan_job,
                  const std::string& apply_job) {
    TempDir dir;
    std::string checkout = dir.file("checkout");
    write_config(checkout + "/config", {2, 3, 1});

    // A pull request from a fork: no secrets, validation still passes.
    std::vector<ProcessResult> fork = run_job(job(jobs, pr_job), checkout, true);
    REQUIRE(fork.size() == 1);
    CHECK(fork.front().exit_code == 0);
    CHECK_THAT(fork.front().out, Catch::Contains("Secrets were not resolved"));

    // A pull request of the repository: validated with secrets, the plan as a comment.
    for (const ProcessResult& result : run_job(job(jobs, pr_job), checkout)) {
        CHECK(result.exit_code == 0);
        CHECK_THAT(result.out, !Catch::Contains("Secrets were not resolved"));
    }
    if (!comment_job.empty())
        run_job(job(jobs, comment_job), checkout);
    std::string comment = read_file(checkout + "/plan.md");
    CHECK(comment.starts_with("<!-- mailsync plan part 1 of 1 -->\n### mailsync plan: 6 to "
                              "create"));

    // Merged: plan --out, then apply of that plan, the state kept.
    for (const ProcessResult& result : run_job(job(jobs, plan_job), checkout))
        CHECK(result.exit_code == 0);
    REQUIRE(std::filesystem::exists(checkout + "/plan.json"));
    std::vector<ProcessResult> applied = run_job(job(jobs, apply_job), checkout);
    REQUIRE_FALSE(applied.empty());
    CHECK(applied.front().exit_code == 0);
    CHECK_THAT(applied.front().out, Catch::Contains("Apply complete: 6 created"));
    CHECK(std::filesystem::exists(checkout + "/.mailsync/state.db"));
    // The state, kept where pull requests can read it, holds no key: only the CI secret has it.
    std::string state = read_file(checkout + "/.mailsync/state.db");
    CHECK(state.find(state_key) == std::string::npos);
    CHECK(state.find("hmac_key") == std::string::npos);

    // The scheduled drift check: clean after the apply, exit 2 once the two differ.
    const Job& drift = job(jobs, "drift");
    REQUIRE(drift.scripts.size() == 1);
    CHECK(run_job(drift, checkout).front().exit_code == 0);
    write_config(checkout + "/config", {2, 2, 1});
    ProcessResult drifted = run_job(drift, checkout).front();
    CHECK(drifted.exit_code == 2);
    CHECK_THAT(drifted.out, Catch::Contains("to delete"));
}

} // namespace

TEST_CASE("the GitHub Actions sample pipeline's commands run against a sqlite target",
          "[cli][ci]") {
    std::vector<Job> jobs = github_jobs(MAILSYNC_SOURCE_DIR "/samples/ci/github-actions.yml");
    CHECK(job(jobs, "pull-request").commands ==
          std::vector<std::string>{"mailsync validate --no-secrets config/",
                                   "mailsync validate config/",
                                   "mailsync plan --format markdown --split config/ > plan.md"});
    CHECK(YAML::LoadFile(MAILSYNC_SOURCE_DIR
                         "/samples/ci/github-actions.yml")["env"]["MAILSYNC_STATE_KEY"]
              .as<std::string>() == "${{ secrets.MAILSYNC_STATE_KEY }}");
    run_pipeline(jobs, "pull-request", "", "plan", "apply");
}

TEST_CASE("the GitLab CI sample pipeline's commands run against a sqlite target", "[cli][ci]") {
    std::vector<Job> jobs = gitlab_jobs(MAILSYNC_SOURCE_DIR "/samples/ci/gitlab-ci.yml");
    CHECK(job(jobs, "validate").commands ==
          std::vector<std::string>{"mailsync validate --no-secrets config/",
                                   "mailsync validate config/"});
    CHECK(job(jobs, "apply").commands ==
          std::vector<std::string>{"mailsync apply plan.json", "mailsync status"});
    CHECK(read_file(MAILSYNC_SOURCE_DIR "/samples/ci/gitlab-ci.yml")
              .find("#   MAILSYNC_STATE_KEY     the key of the state's secret fingerprints") !=
          std::string::npos);
    run_pipeline(jobs, "validate", "plan-comment", "plan", "apply");
}
