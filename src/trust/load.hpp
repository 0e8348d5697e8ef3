// The trust policy of a run, from what is given outside the repository: the allowlist in the
// environment, the bindings an apply recorded in the state.
#pragma once

#include <string>

#include "config/secrets.hpp"
#include "state/state.hpp"
#include "trust/policy.hpp"

namespace mailsync {

// MAILSYNC_ALLOWED_HOSTS through `env`, when set and not empty.
Result<std::optional<HostAllowlist>> allowlist_from(const EnvLookup& env);

// With an allowlist, it alone decides. Without one, the bindings recorded in `state` (none when
// it is null) and `allow_new`.
Result<TrustPolicy> trust_policy(const EnvLookup& env, StateStore* state, bool allow_new);

// The same for a command that does not write the state: the state at `state_path` is read when
// it exists and never created; a missing state binds nothing.
Result<TrustPolicy> trust_policy(const EnvLookup& env, const std::string& state_path,
                                 bool allow_new);

// The warning for --allow-new-endpoints given while an allowlist decides alone.
inline constexpr const char* allow_new_ignored =
    "warning: --allow-new-endpoints has no effect while MAILSYNC_ALLOWED_HOSTS is set: the list "
    "alone decides where secrets may go";

} // namespace mailsync
