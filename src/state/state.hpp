// The state: what the target cannot tell. Which objects mailsync manages, keyed fingerprints of
// the secrets it last wrote, the journal of every run, and the lock.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/resources.hpp"
#include "model/secret.hpp"
#include "state/state_key.hpp"
#include "util/error.hpp"
#include "util/sqlite.hpp"

namespace mailsync {

// Task statuses, as seed 004 names them.
enum class TaskStatus { fresh, pending, completed, error };
std::string_view status_name(TaskStatus status); // "NEW", "PENDING", "COMPLETED", "ERROR"

struct ManagedObject {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::string target_id;
};

// (kind, name, API key) → fingerprint.
using FingerprintKey = std::tuple<Kind, std::string, std::string>;

struct JournalEntry {
    int seq = 0;
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::string action; // "create", "update", "delete"
    TaskStatus status = TaskStatus::fresh;
    std::string message;
    std::string started_at;
    std::string finished_at;
};

struct RunRecord {
    std::string id;
    std::string command;
    std::string target;
    std::string started_at;
    std::string finished_at;
    std::string status; // "running", "completed", "failed"
    std::vector<JournalEntry> entries;
};

// What a completed action changes in the state, written with its journal entry.
struct StateChange {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::optional<std::string> target_id;            // nullopt: no longer managed (deleted)
    std::map<std::string, std::string> fingerprints; // API key → fingerprint written
    std::vector<std::string> cleared;                // API keys whose secret was cleared
};

// A MailboxMigration's task, as `status` shows it.
struct MigrationRecord {
    std::string name;
    std::string identity; // "user@host:port -> user@host:port": progress holds for this pair
    TaskStatus status = TaskStatus::fresh;
    std::string message;
    std::int64_t messages_done = 0;
    std::int64_t bytes_done = 0;
    std::int64_t messages_total = 0;
    std::int64_t bytes_total = 0;
    std::string updated_at;
};

// How far a folder is copied: every source UID up to last_uid is at the destination, as long
// as the folder's UIDVALIDITY is the same.
struct FolderProgress {
    std::int64_t uidvalidity = 0;
    std::int64_t last_uid = 0;
};

class StateStore {
public:
    // Opens or creates the state file (mode 0600, its folder 0700), refusing symbolic links,
    // with the key of MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE when one is set.
    static Result<StateStore> open(const std::string& path);
    // The same with the key given: nullopt for the key kept in the state (a new state makes one).
    static Result<StateStore> open(const std::string& path, const std::optional<StateKey>& key);

    const std::string& path() const { return m_db.path(); }

    // HMAC-SHA256 of a secret under this state's key.
    std::string fingerprint(const SecretValue& value) const;

    // Whether the key is kept outside the state (MAILSYNC_STATE_KEY, MAILSYNC_STATE_KEY_FILE).
    bool key_is_external() const { return m_key_external; }
    // Writes the key kept in the state to the new file `out` (mode 0600) and removes it from the
    // state, which from then on opens only with that key given from outside.
    Result<void> export_key(const std::string& out);

    Result<std::vector<ManagedObject>> managed();
    Result<std::map<FingerprintKey, std::string>> fingerprints();

    // Takes the lock for a run, or fails naming the holder. A lock left by a process that is
    // gone from this host is taken over; `taken_over` then names it.
    Result<void> lock(const std::string& run_id, std::string* taken_over = nullptr);
    Result<void> unlock(const std::string& run_id);
    // Clears any lock; returns who held it, or nullopt when there was none.
    Result<std::optional<std::string>> force_unlock();

    // A run and its journal: every entry starts NEW.
    Result<void> start_run(const std::string& run_id, const std::string& command,
                           const std::string& target, const std::vector<JournalEntry>& entries);
    Result<void> mark_pending(const std::string& run_id, int seq);
    Result<void> mark_completed(const std::string& run_id, int seq, const StateChange& change,
                                const std::string& message);
    Result<void> mark_error(const std::string& run_id, int seq, const std::string& message);
    Result<void> finish_run(const std::string& run_id, const std::string& status);

    // The newest run, or the one with this id; nullopt when there is none.
    Result<std::optional<RunRecord>> run(const std::optional<std::string>& run_id);

    // The newest runs first, at most `limit`, without their journals.
    Result<std::vector<RunRecord>> runs(std::size_t limit);

    // Mailbox migrations: their task and their folders' progress.
    Result<std::vector<MigrationRecord>> migrations();
    Result<void> save_migration(const MigrationRecord& record);
    // The folders' progress of a migration, empty when it was recorded for another identity.
    Result<std::map<std::string, FolderProgress>> folder_progress(const std::string& name,
                                                                  const std::string& identity);
    Result<void> save_folder_progress(const std::string& name, const std::string& folder,
                                      const FolderProgress& progress);

    // Which secrets an apply has sent to which endpoints: (secret identity, endpoint) pairs, the
    // trust model's record (trust/policy). Binding is idempotent.
    Result<std::set<std::pair<std::string, std::string>>> secret_bindings();
    Result<void> bind_secrets(const std::vector<std::pair<std::string, std::string>>& bindings);

    // A value of the state's meta table (such as the target it belongs to), or nullopt.
    Result<std::optional<std::string>> meta(const std::string& key);
    // Sets a value of the meta table.
    Result<void> set_meta(const std::string& key, const std::string& value);

private:
    StateStore(sql::Database db, std::string key, bool key_external)
        : m_db(std::move(db)), m_key(std::move(key)), m_key_external(key_external) {}
    Result<void> set_status(const std::string& run_id, int seq, TaskStatus status,
                            const std::string& message, bool finished);

    sql::Database m_db;
    std::string m_key;
    bool m_key_external = false;
};

// A new run id: time-ordered and unique ("20261121T221500Z-3f9a").
std::string new_run_id();

// The default state file.
inline constexpr const char* default_state = ".mailsync/state.db";

} // namespace mailsync
