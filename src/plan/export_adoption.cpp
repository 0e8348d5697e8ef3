#include "plan/export_adoption.hpp"

#include <algorithm>

#include "plan/export.hpp"

namespace mailsync {

std::map<std::string, std::string>
adopted_fingerprints(const WrittenResource& resource, const std::vector<ManagedObject>& managed,
                     const std::map<FingerprintKey, std::string>& held,
                     std::set<FingerprintKey>& kept) {
    // Fingerprints are kept by (kind, name): they belong to this object only if the state
    // manages this very object under that name.
    bool same_object = std::any_of(managed.begin(), managed.end(), [&](const ManagedObject& o) {
        return o.kind == resource.kind && o.name == resource.name &&
               o.target_id == resource.target_id;
    });
    std::map<std::string, std::string> out;
    for (const SecretVariable& secret : resource.secrets) {
        if (!secret.set)
            continue;
        FingerprintKey key{resource.kind, resource.name, secret.key};
        if (same_object && held.contains(key))
            kept.insert(key);
        else
            out[secret.key] = exported_fingerprint;
    }
    return out;
}

namespace {

// adopt_exported once the lock is held; the state is read under it, so that no apply writes a
// fingerprint between reading and recording.
Result<std::set<FingerprintKey>> adopt_locked(StateStore& state, const std::string& run_id,
                                              const std::vector<WrittenResource>& resources,
                                              const std::string& target) {
    Result<std::vector<ManagedObject>> managed = state.managed();
    if (!managed)
        return std::unexpected(managed.error());
    Result<std::map<FingerprintKey, std::string>> held = state.fingerprints();
    if (!held)
        return std::unexpected(held.error());
    std::vector<JournalEntry> entries;
    for (std::size_t i = 0; i < resources.size(); ++i)
        entries.push_back({static_cast<int>(i), resources[i].kind, resources[i].name, "adopt",
                           TaskStatus::fresh, "", "", ""});
    if (auto started = state.start_run(run_id, "export", target, entries); !started)
        return std::unexpected(started.error());
    std::set<FingerprintKey> kept;
    Result<void> ok;
    for (std::size_t i = 0; ok && i < resources.size(); ++i) {
        const WrittenResource& resource = resources[i];
        StateChange change{resource.kind,
                           resource.name,
                           resource.target_id,
                           adopted_fingerprints(resource, *managed, *held, kept),
                           {}};
        ok = state.mark_completed(run_id, static_cast<int>(i), change, "exported");
    }
    (void)state.finish_run(run_id, ok ? "completed" : "failed");
    if (!ok)
        return std::unexpected(ok.error());
    return kept;
}

} // namespace

Result<std::set<FingerprintKey>> adopt_exported(StateStore& state,
                                                const std::vector<WrittenResource>& resources,
                                                const std::string& target,
                                                std::chrono::milliseconds wait) {
    std::string run_id = new_run_id();
    if (auto locked = state.lock(run_id, nullptr, wait); !locked)
        return std::unexpected(locked.error());
    Result<std::set<FingerprintKey>> kept = adopt_locked(state, run_id, resources, target);
    (void)state.unlock(run_id);
    return kept;
}

} // namespace mailsync
