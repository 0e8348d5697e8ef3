// The rows a person reads for an action: which field changes, from what to what. A create made
// by this run keeps no rows for its fields: they are its fields under its kind's labels
// (Plan::field_labels), so that a plan of 100,000 creates does not hold every value twice.
#pragma once

#include <cstddef>
#include <functional>

#include "plan/plan.hpp"

namespace mailsync {

// Calls `visit` with each row of `action`, in the order the plan shows them.
void for_each_change(const Plan& plan, const PlannedAction& action,
                     const std::function<void(const FieldChange&)>& visit);

// The rows of `action`, as for_each_change gives them.
std::vector<FieldChange> changes_of(const Plan& plan, const PlannedAction& action);

} // namespace mailsync
