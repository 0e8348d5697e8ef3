#include "state/state_summary.hpp"

namespace mailsync {

Result<StateSummary> summarize_state(StateStore& state, std::size_t runs) {
    StateSummary out;
    Result<std::optional<std::string>> target = state.meta("target");
    Result<std::optional<std::string>> name = state.meta("target_name");
    Result<std::vector<ManagedObject>> managed = state.managed();
    Result<std::vector<RunRecord>> last = state.runs(runs);
    Result<std::vector<MigrationRecord>> migrations = state.migrations();
    Result<std::set<std::pair<std::string, std::string>>> bindings = state.secret_bindings();
    if (!target)
        return std::unexpected(target.error());
    if (!name)
        return std::unexpected(name.error());
    if (!managed)
        return std::unexpected(managed.error());
    if (!last)
        return std::unexpected(last.error());
    if (!migrations)
        return std::unexpected(migrations.error());
    if (!bindings)
        return std::unexpected(bindings.error());
    out.target_full = *target;
    out.target = *name ? *name : *target;
    out.key_source = state.key_is_external() ? "external" : "state";
    for (const ManagedObject& object : *managed)
        ++out.managed[std::string(kind_name(object.kind))];
    out.last_runs = std::move(*last);
    for (const MigrationRecord& migration : *migrations)
        ++out.migrations[std::string(status_name(migration.status))];
    out.secret_bindings = bindings->size();
    return out;
}

} // namespace mailsync
