// The view of live connection tests, shared by `test`, `validate --live` and `apply`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "probe/probe.hpp"
#include "trust/policy.hpp"

namespace mailsync::cli {

// The flags of a live test run.
struct LiveOptions {
    int parallelism = 16;
    std::string deadline; // a duration such as 2m; empty: none
    bool verbose = false;
    // Send secrets to endpoints no apply has recorded (a trusted checkout only).
    bool allow_new_endpoints = false;
};

// Adds --parallelism, --deadline, --verbose and --allow-new-endpoints.
void add_live_options(CLI::App& command, LiveOptions& options);

// Runs the tests with a progress line on a terminal; problems with the flags are printed and
// nullopt returned. A resource whose secrets `policy` does not let go where the test would send
// them is not tested: its row fails in phase `refused`, saying why and how to allow it.
std::optional<std::vector<ProbeResult>>
run_live_tests(const Config& config, const LiveOptions& options, const TrustPolicy& policy,
               std::function<bool(Kind, const std::string&)> selected);

// The policy of `test` and `validate --live`: MAILSYNC_ALLOWED_HOSTS, or the endpoints recorded
// in the state at `state_path`; problems are printed and nullopt returned.
std::optional<TrustPolicy> live_trust_policy(const LiveOptions& options,
                                             const std::string& state_path);

// The results as a table (with hints and, with --verbose, the traces on stderr).
void print_probe_table(const std::vector<ProbeResult>& results, const LiveOptions& options,
                       const Context& context);
// The results as JSON: {"format_version", "passed", "failed", "results": [...]}.
nlohmann::ordered_json probe_json(const std::vector<ProbeResult>& results, bool with_trace);

bool all_passed(const std::vector<ProbeResult>& results);

} // namespace mailsync::cli
