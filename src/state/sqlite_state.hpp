// The state in a SQLite file (the default, `.mailsync/state.db`): made 0600 in a 0700 folder,
// opened without following symbolic links (`state_file`), its records (`sqlite_state`).
#pragma once

#include <memory>

#include "state/state_backend.hpp"
#include "util/sqlite.hpp"

namespace mailsync {

class SqliteState final : public StateBackend {
public:
    // Opens or creates the state file, refusing links, with its tables made or upgraded.
    static Result<std::unique_ptr<SqliteState>> open(const std::string& path);

    const std::string& location() const override { return m_db.path(); }
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
    Result<StateContents> contents() override;
    Result<void> replace_contents(const StateContents& contents) override;

private:
    explicit SqliteState(sql::Database db) : m_db(std::move(db)) {}
    Result<void> set_status(const std::string& run_id, int seq, TaskStatus status,
                            const std::string& message, bool finished);
    Result<std::vector<JournalEntry>> journal(const std::string& run_id);

    sql::Database m_db;
};

} // namespace mailsync
