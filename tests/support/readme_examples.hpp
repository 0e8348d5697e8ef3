// The README's examples, so that tests run them as written: every command line of its ```sh
// blocks, and the `$ (cd FOLDER && mailsync ...)` lines of its ```console transcripts.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace mailsync::test {

struct ReadmeCommand {
    std::size_t block = 0;          // which code block, counting from 0
    std::size_t line = 0;           // its line in README.md
    std::string text;               // the command as written, its trailing comment left out
    std::vector<std::string> words; // split as sh splits it: quotes removed, nothing expanded
};

// The lines that start with "mailsync ", "export " or "$ " in README.md's code blocks.
std::vector<ReadmeCommand> readme_commands();

// The commands of the block that holds `marker` (a command's text), in order.
std::vector<ReadmeCommand> readme_block_of(const std::string& marker);

// What the README writes where only a real server would do, and the tests' stand-in for it (its
// https://cloud.example.com for the tests' fixture, and the like).
using Placeholders = std::map<std::string, std::string>;

// The arguments of a `mailsync` command, after its first word, with placeholders stood in for.
std::vector<std::string> arguments(const ReadmeCommand& command, const Placeholders& placeholders);

// `VAR=VALUE ...` of an `export` line, with placeholders in values stood in for.
std::map<std::string, std::string> exported(const ReadmeCommand& command,
                                            const Placeholders& placeholders);

// What a README command must show when run.
using ReadmeCheck = std::function<void(const ProcessResult&)>;

// Runs the block that holds `marker` as written, in `options.cwd`: its `export` lines set
// variables in `options.env`, and each mailsync command runs and goes to its check in `checks`.
// A command without a check, or a check whose command the block lacks, fails the test.
void run_readme_block(const std::string& marker, const Placeholders& placeholders,
                      RunOptions& options, const std::map<std::string, ReadmeCheck>& checks);

// Whether a test of that name exists: a TEST_CASE or an add_test in tests/.
bool test_exists(const std::string& name);

} // namespace mailsync::test
