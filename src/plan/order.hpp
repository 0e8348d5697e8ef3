// The order of a plan's actions: creates and updates after the clients they refer to, deletes
// last, connections before the clients they used; and the deletes that cannot be done.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "model/mapping.hpp"
#include "plan/diff.hpp"
#include "plan/plan.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// The keys of a kind whose values are references to OAuth2 clients.
std::set<std::string> reference_keys(const KindMapping& mapping);

// The resource a `{"$ref": "Kind/name"}` names.
std::string referenced_name(const nlohmann::json& value);

// Links the actions (depends_on) and reorders them level by level; a delete of a client that a
// connection staying in the target still uses, or a cycle, goes to `diagnostics`.
void order_actions(Plan& plan, const MappingProfile& profile, const TargetSnapshot& snapshot,
                   Diagnostics& diagnostics);

} // namespace mailsync
