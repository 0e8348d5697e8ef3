#include "trust/review.hpp"

#include <set>

namespace mailsync {

std::vector<SecretRoute> unbound_routes(const Config& config, const TrustPolicy& policy) {
    TrustPolicy recorded = policy;
    recorded.allow_new = false;
    if (!recorded.allowlist && recorded.bound.empty())
        return {};
    std::vector<SecretRoute> out;
    std::set<SecretBinding> seen;
    for (const Refusal& refusal : refused_routes(all_routes(config), recorded)) {
        if (seen.emplace(refusal.route.secret, refusal.route.endpoint.text()).second)
            out.push_back(refusal.route);
    }
    return out;
}

} // namespace mailsync
