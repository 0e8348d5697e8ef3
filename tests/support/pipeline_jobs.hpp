// The jobs of the sample pipelines (samples/ci) as the platforms would run them: GitHub's matrix
// expanded, GitLab's `extends` merged, each with the scripts that call mailsync.
#pragma once

#include <string>
#include <vector>

namespace mailsync::test {

// A script a job runs, and for which pull requests: all, only forks', or all but forks'.
enum class Fork { any, only, never };
struct Script {
    std::string text;
    Fork fork = Fork::any;
};

struct Job {
    std::string name;                  // "plan (production)", "plan:production"
    std::vector<Script> scripts;       // those that run mailsync (not the install steps)
    std::vector<std::string> commands; // their mailsync command lines, continuations joined
    std::string environment;           // the platform's environment, matrix values put in
    std::string mailsync_env;          // MAILSYNC_ENV, from the file's or the job's variables
};

// The lines of a shell script that run mailsync, appended to `into`; false when there are none.
bool add_commands(const std::string& script, std::vector<std::string>& into);

// The jobs of a GitHub Actions workflow, one per matrix value of `environment`.
std::vector<Job> github_jobs(const std::string& file);

// The jobs of a .gitlab-ci.yml (hidden ones left out), `extends` merged.
std::vector<Job> gitlab_jobs(const std::string& file);

// The job named `name`; fails the test if there is none.
const Job& job(const std::vector<Job>& jobs, const std::string& name);

} // namespace mailsync::test
