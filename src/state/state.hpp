// The state: what the target cannot tell. Which objects mailsync manages, keyed fingerprints of
// the secrets it last wrote, the journal of every run, and the lock. One StateStore over a
// backend (state_backend.hpp): a SQLite file or a PostgreSQL namespace.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/secret.hpp"
#include "state/state_backend.hpp"
#include "state/state_key.hpp"
#include "util/error.hpp"

namespace mailsync {

class StateStore {
public:
    // Opens or creates the state at `location` (a path, sqlite:PATH, or postgres://...), with
    // the key of MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE when one is set.
    static Result<StateStore> open(const std::string& location);
    // The same with the key given: nullopt for the key kept in the state (a new state makes one).
    static Result<StateStore> open(const std::string& location, const std::optional<StateKey>& key);

    // How messages name the state: its path, or its URL with the password hidden.
    const std::string& path() const { return m_backend->location(); }

    // HMAC-SHA256 of a secret under this state's key.
    std::string fingerprint(const SecretValue& value) const;

    // Whether the key is kept outside the state (MAILSYNC_STATE_KEY, MAILSYNC_STATE_KEY_FILE).
    bool key_is_external() const { return m_key_external; }
    // Writes the key kept in the state to the new file `out` (mode 0600) and removes it from the
    // state, which from then on opens only with that key given from outside.
    Result<void> export_key(const std::string& out);

    // A value of the state's meta table, or nullopt; and setting one.
    Result<std::optional<std::string>> meta(const std::string& key) { return m_backend->meta(key); }
    Result<void> set_meta(const std::string& key, const std::string& value) {
        return m_backend->set_meta(key, value);
    }
    // The values whose keys start with `prefix`.
    Result<std::vector<std::pair<std::string, std::string>>>
    meta_with_prefix(const std::string& prefix) {
        return m_backend->meta_with_prefix(prefix);
    }
    // Sets a value only while it is `expected`; whether it was.
    Result<bool> replace_meta(const std::string& key, const std::string& expected,
                              const std::string& value) {
        return m_backend->replace_meta(key, expected, value);
    }

    Result<std::vector<ManagedObject>> managed() { return m_backend->managed(); }
    Result<std::map<FingerprintKey, std::string>> fingerprints() {
        return m_backend->fingerprints();
    }

    // Takes the lock for a run, or fails naming the holder, after waiting up to `wait` for it
    // (polling). A stale lock (its holder gone) is taken over; `taken_over` then names it.
    Result<void> lock(const std::string& run_id, std::string* taken_over = nullptr,
                      std::chrono::milliseconds wait = {});
    Result<void> unlock(const std::string& run_id) { return m_backend->unlock(run_id); }
    // Clears any lock; returns who held it, or nullopt when there was none.
    Result<std::optional<std::string>> force_unlock() { return m_backend->force_unlock(); }

    // A run and its journal: every entry starts NEW.
    Result<void> start_run(const std::string& run_id, const std::string& command,
                           const std::string& target, const std::vector<JournalEntry>& entries) {
        return m_backend->start_run(run_id, command, target, entries);
    }
    Result<void> mark_pending(const std::string& run_id, int seq) {
        return m_backend->mark_pending(run_id, seq);
    }
    Result<void> mark_completed(const std::string& run_id, int seq, const StateChange& change,
                                const std::string& message) {
        return m_backend->mark_completed(run_id, seq, change, message);
    }
    Result<void> mark_error(const std::string& run_id, int seq, const std::string& message) {
        return m_backend->mark_error(run_id, seq, message);
    }
    Result<void> finish_run(const std::string& run_id, const std::string& status) {
        return m_backend->finish_run(run_id, status);
    }

    // The newest run, or the one with this id; nullopt when there is none.
    Result<std::optional<RunRecord>> run(const std::optional<std::string>& run_id) {
        return m_backend->run(run_id);
    }

    // The newest runs first, at most `limit`, without their journals.
    Result<std::vector<RunRecord>> runs(std::size_t limit) { return m_backend->runs(limit); }

    // Mailbox migrations: their task and their folders' progress.
    Result<std::vector<MigrationRecord>> migrations() { return m_backend->migrations(); }
    Result<void> save_migration(const MigrationRecord& record) {
        return m_backend->save_migration(record);
    }
    // The folders' progress of a migration, empty when it was recorded for another identity.
    Result<std::map<std::string, FolderProgress>> folder_progress(const std::string& name,
                                                                  const std::string& identity) {
        return m_backend->folder_progress(name, identity);
    }
    Result<void> save_folder_progress(const std::string& name, const std::string& folder,
                                      const FolderProgress& progress) {
        return m_backend->save_folder_progress(name, folder, progress);
    }

    // The migration workers' queue (PostgreSQL only; state_backend.hpp says what each does).
    Result<void> enqueue(const std::vector<std::string>& names) {
        return m_backend->enqueue(names);
    }
    Result<QueueClaims> claim(const std::vector<std::string>& names, const std::string& holder,
                              std::chrono::seconds lease, std::int64_t max_attempts = 5) {
        return m_backend->claim(names, holder, lease, max_attempts);
    }
    void fence_migrations(const std::string& holder) { m_backend->fence_migrations(holder); }
    Result<std::vector<std::string>> renew(const std::string& holder, std::chrono::seconds lease,
                                           const std::vector<std::string>& names) {
        return m_backend->renew(holder, lease, names);
    }
    Result<void> release(const std::string& name, const std::string& holder,
                         const std::string& state) {
        return m_backend->release(name, holder, state);
    }
    Result<std::size_t> queued(const std::vector<std::string>& names) {
        return m_backend->queued(names);
    }
    Result<std::vector<QueueEntry>> queue() { return m_backend->queue(); }
    Result<std::vector<std::string>> control(const std::vector<std::string>& names,
                                             const std::string& action) {
        return m_backend->control(names, action);
    }

    // Which secrets an apply has sent to which endpoints: (secret identity, endpoint) pairs, the
    // trust model's record (trust/policy). Binding is idempotent.
    Result<std::set<std::pair<std::string, std::string>>> secret_bindings() {
        return m_backend->secret_bindings();
    }
    Result<void> bind_secrets(const std::vector<std::pair<std::string, std::string>>& bindings) {
        return m_backend->bind_secrets(bindings);
    }

    // The backend, for what is not a caller's business: copying a state (state_migrate).
    StateBackend& backend() { return *m_backend; }

private:
    StateStore(std::unique_ptr<StateBackend> backend, SettledKey key)
        : m_backend(std::move(backend)), m_key(std::move(key.value)), m_key_external(key.external) {
    }

    std::unique_ptr<StateBackend> m_backend;
    std::string m_key;
    bool m_key_external = false;
};

// A new run id: time-ordered and unique ("20261121T221500Z-3f9a").
std::string new_run_id();

// The default state file.
inline constexpr const char* default_state = ".mailsync/state.db";

} // namespace mailsync
