#include "cli/endpoints.hpp"

#include <fmt/format.h>

namespace mailsync::cli {

std::optional<std::set<std::pair<Kind, std::string>>>
covered_by_selection(const Plan& plan, const std::vector<const MailboxMigration*>& migrations,
                     bool selected) {
    if (!selected)
        return std::nullopt;
    std::set<std::pair<Kind, std::string>> covered;
    for (const PlannedAction& action : plan.actions)
        covered.emplace(action.kind, action.name);
    for (const MailboxMigration* migration : migrations)
        covered.emplace(Kind::mailbox_migration, migration->meta.name);
    return covered;
}

std::string render_new_routes(const std::vector<SecretRoute>& routes, const TrustPolicy& policy) {
    if (routes.empty())
        return {};
    std::string out = policy.allowlist
                          ? fmt::format("\nSecrets whose servers are not in {} (live tests and "
                                        "migrations refuse to send them):\n",
                                        allowed_hosts_variable)
                          : "\nSecrets that would go to servers they have not been sent to "
                            "before (check these hosts):\n";
    for (const SecretRoute& route : routes)
        out += fmt::format("  {} '{}': {} {} → {}\n", kind_name(route.kind), route.name,
                           route.field, route.reference, route.endpoint.text());
    return out;
}

nlohmann::ordered_json new_routes_json(const std::vector<SecretRoute>& routes) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const SecretRoute& route : routes)
        out.push_back({{"kind", kind_name(route.kind)},
                       {"name", route.name},
                       {"field", route.field},
                       {"secret", route.reference},
                       {"endpoint", route.endpoint.text()}});
    return out;
}

} // namespace mailsync::cli
