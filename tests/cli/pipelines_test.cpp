// The sample pipelines of samples/ci: every mailsync command they run, in their order, against
// sqlite: targets (one per environment), as a pull request from a fork and from the repository,
// a merge to the main branch and a scheduled drift check, for both environments of
// config/mailsync.yaml. Each job gets its settings and secrets from one env file
// (MAILSYNC_ENV_FILE), as the samples' MAILSYNC_SECRETS. The state is a SQLite file per
// environment, or, for the [postgres] case, a namespace per environment in the test cluster
// read by a role that may only read (pull requests, plan, drift) and written by one that may
// write (apply), as docs/ci.md says. tests/ci/ runs the files themselves under real tools.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "support/pipeline_jobs.hpp"
#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"
#include "util/crypto.hpp"

using namespace mailsync::test;

namespace {

const std::vector<std::string> environments{"staging", "production"};

// The CI secret that keys the state's fingerprints.
const std::string state_key = "a-state-key-from-the-ci-secrets-0123456789";

// What the platform's environments give the jobs, per mailsync environment: the state settings
// of the jobs that only read it, and of the ones that write it (in "staging", "production").
struct StateSettings {
    bool sqlite = true;
    std::map<std::string, std::map<std::string, std::string>> read, write;
};

StateSettings sqlite_states() {
    StateSettings settings;
    for (const std::string& env : environments) {
        settings.read[env] = {{"MAILSYNC_STATE", ".mailsync/" + env + ".state.db"}};
        settings.write[env] = settings.read[env];
    }
    return settings;
}

// The settings file the samples expect in config/: the environments they name.
void write_settings(const std::string& config) {
    write_file(config + "/mailsync.yaml", "apiVersion: mailsync/v1\nkind: Settings\n"
                                          "environments:\n  staging: {}\n  production: {}\n");
}

// The platform environment's MAILSYNC_SECRETS as a file of mode 0600: the target of the
// environment, the state, the key and every ${env:...} of the configuration.
std::string write_env_file(const Job& job, const std::string& dir, const StateSettings& state) {
    bool writes = job.environment == job.mailsync_env;
    std::map<std::string, std::string> values = test_secrets();
    values["MAILSYNC_STATE_KEY"] = state_key;
    values["MAILSYNC_TARGET"] = "sqlite:" + dir + "/../target-" + job.mailsync_env + ".db";
    for (const auto& [name, value] : (writes ? state.write : state.read).at(job.mailsync_env))
        values[name] = value;
    std::string text = "# MAILSYNC_SECRETS of " + job.environment + "\n";
    for (const auto& [name, value] : values)
        text += name + "='" + value + "'\n";
    std::string file = dir + "/../" + job.environment + ".env";
    write_file(file, text);
    ::chmod(file.c_str(), 0600);
    return file;
}

// Runs the job's scripts as the pipeline's shell would, in the checkout `dir`, as for a pull
// request from a fork (no secrets, no environment) or not; the result of each.
std::vector<ProcessResult> run_job(const Job& job, const std::string& dir,
                                   const StateSettings& state, bool fork = false,
                                   bool may_fail = false) {
    RunOptions options;
    options.cwd = dir;
    std::string build = std::filesystem::path(MAILSYNC_BIN).parent_path().string();
    options.env["PATH"] = build + ":" + std::getenv("PATH");
    options.env["NO_COLOR"] = "1";
    // The sample configuration's hosts are made up: apply cannot test them live.
    options.env["MAILSYNC_SKIP_LIVE_TESTS"] = "1";
    options.env["GITHUB_OUTPUT"] = dir + "/../github-output";
    options.env["CI_PROJECT_ID"] = "1";
    options.env["CI_MERGE_REQUEST_PROJECT_ID"] = "1";
    options.env["CI_MERGE_REQUEST_SOURCE_PROJECT_ID"] = fork ? "2" : "1";
    for (const auto& [name, value] : test_secrets())
        options.unset_env.push_back(name);
    options.unset_env.push_back("MAILSYNC_GITLAB_TOKEN");
    if (job.mailsync_env.empty())
        options.unset_env.push_back("MAILSYNC_ENV");
    else
        options.env["MAILSYNC_ENV"] = job.mailsync_env;
    if (!job.environment.empty()) {
        CHECK_FALSE(fork); // forks never get an environment's secrets
        options.env["MAILSYNC_ENV_FILE"] = write_env_file(job, dir, state);
    } else {
        options.unset_env.push_back("MAILSYNC_ENV_FILE");
    }
    std::vector<ProcessResult> results;
    for (const Script& script : job.scripts) {
        if ((script.fork == Fork::only && !fork) || (script.fork == Fork::never && fork))
            continue;
        results.push_back(
            run_process({"/bin/bash", "-c", "set -eo pipefail\n" + script.text}, options));
        INFO(job.name << ":\n" << script.text << "\n" << results.back().out << results.back().err);
        if (!may_fail)
            CHECK(results.back().exit_code == 0);
    }
    return results;
}

// The names of a job per environment: GitHub's matrix "plan (staging)", GitLab's "plan:staging".
struct JobNames {
    std::string validate, comment, plan, apply, drift;
    bool github = true;
    std::string of(const std::string& job, const std::string& env) const {
        return github ? job + " (" + env + ")" : job + ":" + env;
    }
};

void run_pipeline(const std::vector<Job>& jobs, const JobNames& names, const StateSettings& state) {
    TempDir dir;
    std::string checkout = dir.file("checkout");
    write_config(checkout + "/config", {2, 3, 1});
    write_settings(checkout + "/config");
    // Only the apply jobs write; every other job that opens the state only reads.
    for (const Job& each : jobs) {
        INFO(each.name);
        if (each.name == names.validate)
            CHECK(each.environment.empty());
        else if (each.name.starts_with(names.apply))
            CHECK(each.environment == each.mailsync_env);
        else
            CHECK(each.environment == each.mailsync_env + "-plan");
    }
    if (!state.sqlite) {
        // The namespaces are made once by the role that writes (docs/ci.md): a plan does it.
        for (const std::string& env : environments) {
            Job first{"first use", {{"mailsync plan config/", Fork::any}}, {}, env, env};
            CHECK(run_job(first, checkout, state).front().exit_code == 0);
        }
    }

    // A pull request from a fork: no secrets, validation still passes.
    for (const ProcessResult& result : run_job(job(jobs, names.validate), checkout, state, true))
        CHECK_THAT(result.out, Catch::Contains("Secrets were not resolved"));

    for (const std::string& env : environments) {
        INFO(env);
        // A pull request of the repository: validated with secrets, the plan as a comment.
        for (const ProcessResult& result :
             run_job(job(jobs, names.of(names.comment, env)), checkout, state))
            CHECK_THAT(result.out, !Catch::Contains("Secrets were not resolved"));
        CHECK(read_file(checkout + "/plan.md")
                  .starts_with("<!-- mailsync plan part 1 of 1 -->\n### mailsync plan: 6 to "
                               "create"));

        // Merged: plan --out, then apply of that plan, the state kept.
        run_job(job(jobs, names.of(names.plan, env)), checkout, state);
        REQUIRE(std::filesystem::exists(checkout + "/plan-" + env + ".json"));
        std::vector<ProcessResult> applied =
            run_job(job(jobs, names.of(names.apply, env)), checkout, state);
        REQUIRE_FALSE(applied.empty());
        CHECK_THAT(applied.front().out, Catch::Contains("Apply complete: 6 created"));
        CHECK_THAT(applied.back().out, Catch::Contains("COMPLETED  create")); // mailsync status
    }
    if (state.sqlite) {
        // The state holds no key: only the CI secret has it.
        std::string file = read_file(checkout + "/.mailsync/production.state.db");
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

    // The scheduled drift check: clean after the apply, drift (exit 2, or GitHub's output)
    // once the two differ, reported as markdown.
    auto drift = [&](const std::string& env) {
        const Job& check = job(jobs, names.of(names.drift, env));
        REQUIRE(check.scripts.size() == 1);
        write_file(checkout + "/../github-output", "");
        ProcessResult result = run_job(check, checkout, state, false, true).front();
        std::string output = read_file(checkout + "/../github-output");
        return names.github && result.exit_code == 0 ? (output == "status=2\n"   ? 2
                                                        : output == "status=0\n" ? 0
                                                                                 : -1)
                                                     : result.exit_code;
    };
    for (const std::string& env : environments)
        CHECK(drift(env) == 0);
    write_config(checkout + "/config", {2, 2, 1});
    for (const std::string& env : environments)
        CHECK(drift(env) == 2);
    CHECK_THAT(read_file(checkout + "/drift.md"), Catch::Contains("to delete"));
}

// Both samples: the state in PostgreSQL from the environment's secrets, no cache or artifact of
// it, the secrets in one env file, the .deb checked, the apply waiting for a held lock.
void check_sample_text(const std::string& file) {
    std::string text = read_file(file);
    CHECK(text.find("actions/cache") == std::string::npos);
    CHECK(text.find("state.db") == std::string::npos);
    CHECK(text.find("releases/download") == std::string::npos);
    CHECK(text.find("mailsync_namespace=production") != std::string::npos);
    CHECK(text.find("MAILSYNC_ENV_FILE") != std::string::npos);
    CHECK(text.find("sha256sum -c -") != std::string::npos);
    CHECK(text.find("mailsync apply --lock-timeout 10m \"plan-$MAILSYNC_ENV.json\"") !=
          std::string::npos);
}

// A PostgreSQL state in a namespace per environment, with two roles as docs/ci.md sets them
// up: one that writes (it makes the namespaces on first use) and one that may only read.
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
    StateSettings settings;
    settings.sqlite = false;
    for (const std::string& env : environments) {
        auto url = [&](const std::string& role) {
            return with_namespace("postgres://" + role + host, env + "_" + id);
        };
        settings.read[env] = {{"MAILSYNC_STATE", url(reader)}, {"PGPASSWORD", "reader-pw"}};
        settings.write[env] = {{"MAILSYNC_STATE", url(writer)}, {"PGPASSWORD", "writer-pw"}};
    }
    return settings;
}

const JobNames github_names{"validate", "plan-comment", "plan", "apply", "drift", true};
const JobNames gitlab_names{"validate", "plan-comment", "plan", "apply", "drift", false};

} // namespace

TEST_CASE("the GitHub Actions sample pipeline's commands run against a sqlite target",
          "[cli][ci]") {
    std::string file = MAILSYNC_SOURCE_DIR "/samples/ci/github-actions.yml";
    std::vector<Job> jobs = github_jobs(file);
    CHECK(job(jobs, "validate").commands ==
          std::vector<std::string>{"mailsync validate --no-secrets --env staging config/",
                                   "mailsync validate --no-secrets --env production config/"});
    CHECK(job(jobs, "plan-comment (production)").commands ==
          std::vector<std::string>{"mailsync validate config/",
                                   "mailsync plan --format markdown --split config/ > plan.md"});
    CHECK(job(jobs, "apply (production)").commands ==
          std::vector<std::string>{"mailsync apply --lock-timeout 10m \"plan-$MAILSYNC_ENV.json\"",
                                   "mailsync status --config config/"});
    check_sample_text(file);
    run_pipeline(jobs, github_names, sqlite_states());
}

TEST_CASE("the GitLab CI sample pipeline's commands run against a sqlite target", "[cli][ci]") {
    std::string file = MAILSYNC_SOURCE_DIR "/samples/ci/gitlab-ci.yml";
    std::vector<Job> jobs = gitlab_jobs(file);
    CHECK(job(jobs, "validate").commands ==
          std::vector<std::string>{"mailsync validate --no-secrets --env staging config/",
                                   "mailsync validate --no-secrets --env production config/"});
    CHECK(job(jobs, "apply:production").commands ==
          std::vector<std::string>{"mailsync apply --lock-timeout 10m \"plan-$MAILSYNC_ENV.json\"",
                                   "mailsync status --config config/"});
    std::string text = read_file(file);
    CHECK(text.find("$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_MERGE_REQUEST_PROJECT_ID") !=
          std::string::npos);
    CHECK(text.find("x-next-page") != std::string::npos);
    check_sample_text(file);
    run_pipeline(jobs, gitlab_names, sqlite_states());
}

TEST_CASE("the sample pipelines run with the state in PostgreSQL, pull requests only reading it",
          "[cli][ci][postgres]") {
    std::string sample = GENERATE(as<std::string>{}, "github-actions", "gitlab-ci");
    INFO(sample);
    std::string file = MAILSYNC_SOURCE_DIR "/samples/ci/" + sample + ".yml";
    if (sample == "github-actions")
        run_pipeline(github_jobs(file), github_names, postgres_roles());
    else
        run_pipeline(gitlab_jobs(file), gitlab_names, postgres_roles());
}
