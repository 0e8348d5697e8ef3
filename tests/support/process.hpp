// Running the mailsync binary from tests and capturing what it prints.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mailsync::test {

struct ProcessResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

struct RunOptions {
    std::string cwd = MAILSYNC_SOURCE_DIR;
    std::map<std::string, std::string> env; // added to (or replacing in) the current environment
    std::vector<std::string> unset_env;
    std::string stdin_text;
    // Whether apply runs its live connection tests: most tests apply made-up hosts, so the
    // helpers below set MAILSYNC_SKIP_LIVE_TESTS unless this is true.
    bool live_tests = false;
};

// Runs a program with arguments (no shell), waits, and returns its exit code and output.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// A process started in the background, its output discarded.
struct Background {
    int pid = -1;
    // Waits for it to end; its exit code, or 128 + signal.
    int wait();
};
// Any program, in the background, its output discarded.
Background start_process(const std::vector<std::string>& argv, const RunOptions& options = {});
Background start_mailsync(const std::vector<std::string>& args, const RunOptions& options = {});
// Stops a process started here: SIGTERM, up to two seconds for it to end, then SIGKILL.
void stop_process(int pid);
// The built mailsync in the background, its stdout and stderr written to files that the test
// reads while it runs.
Background start_mailsync_to_files(const std::vector<std::string>& args,
                                   const std::string& out_file, const std::string& err_file,
                                   const RunOptions& options = {});

// The port `mailsync serve` writes to `out_file` once it listens ("serving on
// http[s]://127.0.0.1:PORT"), waiting up to 10 s; 0 when it never does.
int wait_for_serving(const std::string& out_file);

// Runs the built mailsync binary with NO_COLOR set.
ProcessResult run_mailsync(const std::vector<std::string>& args, const RunOptions& options = {});

// The whole text of a file, or an empty string.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

} // namespace mailsync::test
