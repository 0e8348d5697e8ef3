// A saved plan checked against one made afresh: `apply PLANFILE` re-derives the plan from the
// configuration and the target, and executes the fresh plan only when the saved one says exactly
// the same. Nothing of the file (actions, fields, collections, paths) is executed as written.
#pragma once

#include <string>
#include <vector>

#include "model/mapping.hpp"
#include "plan/diff.hpp"
#include "plan/plan.hpp"
#include "util/error.hpp"

namespace mailsync {

// Every way `saved` differs from `fresh` (made now from the same configuration paths and
// selection against `snapshot`), one sentence each; empty when the saved plan still holds.
// Compares the target, the configuration files, every object the target holds, and each action
// with its fields, secret fingerprints and dependencies; a collection that is not the profile's
// is a difference whatever the fresh plan says.
std::vector<std::string> saved_plan_differences(const Plan& saved, const Plan& fresh,
                                                const TargetSnapshot& snapshot,
                                                const MappingProfile& profile);

// Where `apply PLANFILE` reads the configuration: the paths named after PLANFILE, else the
// plan's own paths when each is relative and inside the current folder (a plan file never
// chooses to read configuration from elsewhere).
Result<std::vector<std::string>> saved_plan_config_paths(const Plan& saved,
                                                         const std::vector<std::string>& given);

} // namespace mailsync
