// Running `mailsync test` on a configuration of the live fixtures and reading its results.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace mailsync::test {

struct Outcome {
    ProcessResult process;
    nlohmann::json results; // name → result object
};

// `mailsync test --format json` on `yaml` with the fixture's secrets (and `env`); every result
// is checked against schemas/test.schema.json.
Outcome run_test(const std::string& yaml, std::vector<std::string> args = {},
                 std::map<std::string, std::string> env = {});

// `mailsync test` with the text table on `yaml`.
ProcessResult run_test_table(const std::string& yaml);

// What the run printed, for a failing check's message.
std::string summary(const Outcome& outcome);

void require_ok(const Outcome& outcome, const std::string& name);
void require_failure(const Outcome& outcome, const std::string& name, const std::string& phase,
                     const std::string& message_part, const std::string& hint_part);

} // namespace mailsync::test
