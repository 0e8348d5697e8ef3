#include "state/state_migrate.hpp"

#include <algorithm>
#include <unistd.h>

#include <fmt/format.h>

namespace mailsync {

namespace {

bool holds_records(const StateContents& contents) {
    return !contents.managed.empty() || !contents.fingerprints.empty() || !contents.runs.empty() ||
           !contents.migrations.empty() || !contents.folders.empty() || !contents.bindings.empty();
}

// The same contents in one order, whichever backend listed them.
StateContents normalized(StateContents contents) {
    auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
    std::ranges::sort(contents.managed, [](const ManagedObject& a, const ManagedObject& b) {
        return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
    });
    std::ranges::sort(contents.runs, [](const RunRecord& a, const RunRecord& b) {
        return std::tie(a.started_at, a.id) < std::tie(b.started_at, b.id);
    });
    std::ranges::sort(contents.migrations, by_name);
    std::ranges::sort(contents.bindings, [](const BindingRecord& a, const BindingRecord& b) {
        return std::tie(a.secret, a.endpoint) < std::tie(b.secret, b.endpoint);
    });
    return contents;
}

MigrateSummary summarize(const StateContents& contents) {
    MigrateSummary out;
    out.managed = contents.managed.size();
    out.fingerprints = contents.fingerprints.size();
    out.runs = contents.runs.size();
    for (const RunRecord& run : contents.runs)
        out.journal += run.entries.size();
    out.migrations = contents.migrations.size();
    out.folders = contents.folders.size();
    out.bindings = contents.bindings.size();
    return out;
}

// Copies with both locks held.
Result<MigrateSummary> copy(StateBackend& source, StateBackend& destination, bool force) {
    Result<StateContents> contents = source.contents();
    if (!contents)
        return std::unexpected(contents.error());
    Result<StateContents> there = destination.contents();
    if (!there)
        return std::unexpected(there.error());
    if (holds_records(*there) && !force) {
        MigrateSummary held = summarize(*there);
        return fail(fmt::format("the state {} is not empty ({} managed objects, {} runs); "
                                "migrate copies into an empty state only, or replaces what it "
                                "holds with --force",
                                destination.location(), held.managed, held.runs));
    }
    if (auto ok = destination.replace_contents(*contents); !ok)
        return std::unexpected(ok.error());
    Result<StateContents> copied = destination.contents();
    if (!copied)
        return std::unexpected(copied.error());
    StateContents expected = normalized(*contents);
    StateContents found = normalized(*copied);
    if (!(expected == found)) {
        MigrateSummary want = summarize(expected);
        MigrateSummary got = summarize(found);
        return fail(fmt::format("the copy in {} differs from {} when read back ({} managed "
                                "objects and {} runs copied, {} and {} read); the source is "
                                "unchanged",
                                destination.location(), source.location(), want.managed, want.runs,
                                got.managed, got.runs));
    }
    MigrateSummary summary = summarize(found);
    summary.from = source.location();
    summary.to = destination.location();
    return summary;
}

} // namespace

Result<MigrateSummary> migrate_state(StateStore& from, const std::string& to, bool force,
                                     std::chrono::milliseconds wait) {
    Result<std::unique_ptr<StateBackend>> destination = open_state_backend(to);
    if (!destination)
        return std::unexpected(destination.error());
    if ((*destination)->location() == from.path())
        return fail(
            fmt::format("the state {} is the one to copy; give --to another state", from.path()));
    std::string run_id = new_run_id();
    if (auto locked = from.lock(run_id, nullptr, wait); !locked)
        return std::unexpected(locked.error());
    LockHolder me{run_id, static_cast<std::int64_t>(getpid()), state_host_name(), state_time_now()};
    Result<LockAttempt> held = (*destination)->try_lock(me);
    Result<MigrateSummary> result =
        !held ? Result<MigrateSummary>(std::unexpected(held.error()))
        : !held->taken
            ? Result<MigrateSummary>(fail(fmt::format("the state {} is locked by {}",
                                                      (*destination)->location(), held->holder)))
            : copy(from.backend(), **destination, force);
    if (held && held->taken)
        (void)(*destination)->unlock(run_id);
    (void)from.unlock(run_id);
    return result;
}

} // namespace mailsync
