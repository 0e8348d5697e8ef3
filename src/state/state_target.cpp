#include "state/state_target.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "state/state_location.hpp"

namespace mailsync {

namespace fs = std::filesystem;

std::string canonical_target(const std::string& target) {
    std::string bare = target.substr(0, target.find('?'));
    if (bare.starts_with("sqlite:")) {
        std::error_code error;
        fs::path path = fs::weakly_canonical(fs::absolute(bare.substr(7), error), error);
        return "sqlite:" + path.lexically_normal().string();
    }
    while (bare.ends_with('/') && bare.find("://") + 3 < bare.size())
        bare.pop_back();
    return bare;
}

Result<void> check_state_target(StateStore& state, const std::string& state_location,
                                const std::string& target, const std::string& written,
                                StateBinding binding, bool* adopted) {
    // Named in messages without the password a PostgreSQL URL may hold.
    const std::string state_name = redact_state_url(state_location);
    Result<std::optional<std::string>> recorded = state.meta("target");
    Result<std::optional<std::string>> recorded_name = state.meta("target_name");
    if (!recorded || !recorded_name)
        return fail(fmt::format("state {}: cannot read the target it belongs to", state_name));
    std::string canonical = canonical_target(target);
    if (*recorded) {
        if (**recorded == canonical)
            return {};
        // Written alike, the two differ by where they were written from: say where each is.
        std::string theirs = recorded_name->value_or(**recorded);
        std::string ours = written;
        if (theirs == ours) {
            theirs = **recorded;
            ours = canonical;
        }
        return fail(fmt::format("the state {} belongs to {}, not {}; choose the environment's "
                                "state with --env or --state",
                                state_name, theirs, ours));
    }
    if (binding == StateBinding::check_only)
        return {};
    if (adopted != nullptr) {
        Result<std::optional<RunRecord>> last = state.run(std::nullopt);
        *adopted = last && last->has_value();
    }
    if (auto ok = state.set_meta("target", canonical); !ok)
        return ok;
    return state.set_meta("target_name", written);
}

Result<void> check_state_scope(StateStore& state, const std::string& state_location,
                               const std::string& scope, StateBinding binding, bool change) {
    const std::string state_name = redact_state_url(state_location);
    Result<std::optional<std::string>> recorded = state.meta("scope");
    if (!recorded)
        return fail(fmt::format("state {}: cannot read the scope it belongs to", state_name));
    auto named = [](const std::string& value) {
        return value.empty() ? std::string("no scope") : fmt::format("scope '{}'", value);
    };
    if (*recorded && **recorded != scope && !change)
        return fail(fmt::format("the state {} belongs to {}, and this run owns {}; a scope is "
                                "changed on purpose with apply --change-scope, given outside "
                                "the repository",
                                state_name, named(**recorded), named(scope)));
    if (binding == StateBinding::check_only || (*recorded && **recorded == scope))
        return {};
    return state.set_meta("scope", scope);
}

} // namespace mailsync
