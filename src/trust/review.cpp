#include "trust/review.hpp"

#include <set>

namespace mailsync {

std::vector<SecretRoute> unbound_routes(const Config& config, const TrustPolicy& policy,
                                        const std::set<std::pair<Kind, std::string>>* only) {
    TrustPolicy recorded = policy;
    recorded.allow_new = false;
    if (!recorded.allowlist && recorded.bound.empty())
        return {};
    std::vector<SecretRoute> out;
    std::set<SecretBinding> seen;
    for_each_route(config, [&](SecretRoute&& route) {
        if (only != nullptr && !only->contains({route.kind, route.name}))
            return;
        std::optional<Refusal> refusal = refusal_of(route, recorded);
        if (refusal && seen.emplace(route.secret, route.endpoint.text()).second)
            out.push_back(std::move(route));
    });
    return out;
}

} // namespace mailsync
