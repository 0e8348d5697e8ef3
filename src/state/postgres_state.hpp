// The state in PostgreSQL (postgres:// or postgresql://): one PostgreSQL schema per namespace
// (`mailsync_NAME`), made and upgraded on first use (`postgres_schema`); locked by an advisory
// lock held by the session, so that a killed run frees it at once (`postgres_lock`); its
// records, one round trip per call where one statement can do it (`postgres_state`); the
// migration workers' queue with its leases (`postgres_queue`).
#pragma once

#include <memory>
#include <mutex>

#include "state/pg.hpp"
#include "state/state_backend.hpp"
#include "state/state_location.hpp"

namespace mailsync {

class PostgresState final : public StateBackend {
public:
    // Connects, then makes the namespace's tables or upgrades them; refuses a newer schema.
    static Result<std::unique_ptr<PostgresState>> open(const StateLocation& location);

    const std::string& location() const override { return m_location; }
    Result<SettledKey> settle_key(const std::optional<StateKey>& given) override;
    Result<void> drop_kept_key(const std::string& key_check) override;
    Result<std::optional<std::string>> meta(const std::string& key) override;
    Result<void> set_meta(const std::string& key, const std::string& value) override;
    Result<std::vector<std::pair<std::string, std::string>>>
    meta_with_prefix(const std::string& prefix) override;
    Result<bool> replace_meta(const std::string& key, const std::string& expected,
                              const std::string& value) override;
    Result<std::vector<ManagedObject>> managed() override;
    Result<std::map<FingerprintKey, std::string>> fingerprints() override;
    Result<LockAttempt> try_lock(const LockHolder& me) override;
    Result<void> unlock(const std::string& run_id) override;
    Result<std::optional<std::string>> force_unlock() override;
    Result<void> start_run(const std::string& run_id, const std::string& command,
                           const std::string& target,
                           const std::vector<JournalEntry>& entries) override;
    Result<void> mark_pending(const std::string& run_id, int seq) override;
    Result<void> mark_completed(const std::string& run_id, int seq, const StateChange& change,
                                const std::string& message) override;
    Result<void> mark_error(const std::string& run_id, int seq,
                            const std::string& message) override;
    Result<void> finish_run(const std::string& run_id, const std::string& status) override;
    Result<std::optional<RunRecord>> run(const std::optional<std::string>& run_id) override;
    Result<std::vector<RunRecord>> runs(std::size_t limit) override;
    Result<std::vector<MigrationRecord>> migrations() override;
    Result<void> save_migration(const MigrationRecord& record) override;
    Result<std::map<std::string, FolderProgress>>
    folder_progress(const std::string& name, const std::string& identity) override;
    Result<void> save_folder_progress(const std::string& name, const std::string& folder,
                                      const FolderProgress& progress) override;
    Result<std::set<std::pair<std::string, std::string>>> secret_bindings() override;
    Result<void>
    bind_secrets(const std::vector<std::pair<std::string, std::string>>& bindings) override;
    Result<void> enqueue(const std::vector<std::string>& names) override;
    Result<QueueClaims> claim(const std::vector<std::string>& names, const std::string& holder,
                              std::chrono::seconds lease, std::int64_t max_attempts) override;
    Result<std::vector<std::string>> renew(const std::string& holder, std::chrono::seconds lease,
                                           const std::vector<std::string>& names) override;
    void fence_migrations(const std::string& holder) override;
    Result<void> release(const std::string& name, const std::string& holder,
                         const std::string& state) override;
    Result<std::size_t> queued(const std::vector<std::string>& names) override;
    Result<std::vector<QueueEntry>> queue() override;
    Result<std::vector<std::string>> control(const std::vector<std::string>& names,
                                             const std::string& action) override;
    Result<StateContents> contents() override;
    Result<void> replace_contents(const StateContents& contents) override;

private:
    PostgresState(pg::Connection db, std::string location, std::string schema)
        : m_db(std::move(db)), m_location(std::move(location)), m_schema(std::move(schema)) {}
    // Makes or upgrades the schema; called once by open.
    Result<void> prepare_schema();
    // The two keys of the namespace's advisory locks: the run's, and the schema setup's.
    std::pair<std::int32_t, std::int32_t> lock_key(bool setup) const;
    // The key of the entries stored now.
    Result<KeyDecision> decide_key(const std::optional<StateKey>& given);
    Result<void> set_status(const std::string& run_id, int seq, TaskStatus status,
                            const std::string& message, bool finished);
    Result<std::vector<JournalEntry>> journal(const std::string& run_id);

    pg::Connection m_db;
    std::string m_location; // the URL, password hidden
    std::string m_schema;   // mailsync_NAME
    std::string m_fence;    // a worker's id: migration writes need its lease (fence_migrations)
    // libpq connections are not for two threads at once; the executor's threads share this one.
    std::recursive_mutex m_mutex;
};

} // namespace mailsync
