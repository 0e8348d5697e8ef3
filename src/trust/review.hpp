// What a reviewer of a change should see of the trust model: the secrets a configuration would
// send to endpoints not bound yet.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "trust/policy.hpp"

namespace mailsync {

// The routes of `config` that `policy` does not bind, one per secret and endpoint, ignoring
// allow_new (which only says this run may bind them). Before any apply has recorded a binding,
// and without an allowlist, every route is new and the plan's creates show every host already,
// so none is listed.
// `only`, when given, keeps the routes of those resources (KIND, name): a run narrowed by
// --select lists what it would send, not what the rest of the configuration would.
std::vector<SecretRoute>
unbound_routes(const Config& config, const TrustPolicy& policy,
               const std::set<std::pair<Kind, std::string>>* only = nullptr);

} // namespace mailsync
