// Apply: walks a plan's actions in dependency order, several at once, journalling every step.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "state/state.hpp"
#include "target/target.hpp"

namespace mailsync {

enum class Outcome { completed, failed, skipped, unchanged };

struct ActionResult {
    Outcome outcome = Outcome::unchanged;
    std::string message;
};

struct ApplyReport {
    std::vector<ActionResult> results; // one per plan action
    std::size_t created = 0, updated = 0, deleted = 0, adopted = 0, failed = 0, skipped = 0;
    std::string state_error; // the state could not record the end of the run
    bool ok() const { return failed == 0 && skipped == 0 && state_error.empty(); }
};

struct ApplyOptions {
    std::size_t parallelism = 10;
    // Called as each action starts (PENDING) and ends (COMPLETED or ERROR).
    std::function<void(const PlannedAction&, TaskStatus, const std::string& message)> progress;
};

// Runs the plan against the target. `secrets` holds the values to write by (kind, name, key);
// `ids` maps "OAuth2Client/name" to the target id of clients that exist already. The run and
// its journal are recorded in `state` under `run_id`, which the caller has locked.
ApplyReport execute_plan(const Plan& plan, const std::map<FingerprintKey, SecretValue>& secrets,
                         std::map<std::string, std::string> ids, Target& target, StateStore& state,
                         const std::string& run_id, const ApplyOptions& options);

// The summary line: "3 created, 1 updated, 0 deleted, 1 failed, 2 skipped".
std::string describe(const ApplyReport& report);

} // namespace mailsync
