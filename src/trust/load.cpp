#include "trust/load.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "state/state_location.hpp"

namespace mailsync {

Result<std::optional<HostAllowlist>> allowlist_from(const EnvLookup& env) {
    std::optional<std::string> text = env ? env(allowed_hosts_variable) : std::nullopt;
    if (!text || text->find_first_not_of(" \t\r\n,") == std::string::npos)
        return std::optional<HostAllowlist>();
    Result<HostAllowlist> list = HostAllowlist::parse(*text);
    if (!list)
        return std::unexpected(list.error());
    return std::optional<HostAllowlist>(std::move(*list));
}

Result<TrustPolicy> trust_policy(const EnvLookup& env, StateStore* state, bool allow_new) {
    TrustPolicy policy;
    Result<std::optional<HostAllowlist>> allowlist = allowlist_from(env);
    if (!allowlist)
        return std::unexpected(allowlist.error());
    policy.allowlist = std::move(*allowlist);
    policy.allow_new = allow_new;
    if (policy.allowlist || state == nullptr)
        return policy;
    Result<std::set<SecretBinding>> bound = state->secret_bindings();
    if (!bound)
        return fail(fmt::format("cannot read the endpoints recorded in the state {}: {}",
                                state->path(), bound.error().message));
    policy.bound = std::move(*bound);
    return policy;
}

Result<TrustPolicy> trust_policy(const EnvLookup& env, const std::string& state_path,
                                 bool allow_new) {
    Result<std::optional<HostAllowlist>> allowlist = allowlist_from(env);
    if (!allowlist)
        return std::unexpected(allowlist.error());
    // A file that is not there yet records nothing; a database is asked.
    std::error_code error;
    Result<StateLocation> location = parse_state_location(state_path);
    bool file = !location || location->kind == StateBackendKind::sqlite;
    if (*allowlist ||
        (file && !std::filesystem::exists(location ? location->address : state_path, error)))
        return trust_policy(env, nullptr, allow_new);
    Result<StateStore> state = StateStore::open(state_path);
    if (!state)
        return std::unexpected(state.error());
    return trust_policy(env, &*state, allow_new);
}

} // namespace mailsync
