// The plan's section on secrets going to endpoints not bound yet (trust/review), as text and JSON.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/plan.hpp"
#include "trust/policy.hpp"

namespace mailsync::cli {

// What a run narrowed by --select covers: its plan's resources and its migrations; nullopt when
// nothing is selected (all of the configuration).
std::optional<std::set<std::pair<Kind, std::string>>>
covered_by_selection(const Plan& plan, const std::vector<const MailboxMigration*>& migrations,
                     bool selected);

// "Secrets that would go to servers they have not been sent to before ...", or nothing.
std::string render_new_routes(const std::vector<SecretRoute>& routes, const TrustPolicy& policy);

// The same as `new_secret_endpoints` of plan.schema.json.
nlohmann::ordered_json new_routes_json(const std::vector<SecretRoute>& routes);

} // namespace mailsync::cli
