// What a state backend stores, one interface for SQLite (`sqlite_state`) and PostgreSQL
// (`postgres_state`): the records a state holds, its key's entries, its lock and its schema.
// The StateStore of state.hpp gives callers the key, the waiting for the lock, and the rest.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/resources.hpp"
#include "state/state_key.hpp"
#include "util/error.hpp"

namespace mailsync {

// Task statuses, as seed 004 names them, and INVITED: a self-service migration whose owner was
// sent a link (issue 22).
enum class TaskStatus { fresh, pending, completed, error, invited };
// "NEW", "PENDING", "COMPLETED", "ERROR", "INVITED"
std::string_view status_name(TaskStatus status);
// The status of its name; NEW for anything unknown.
TaskStatus status_from(std::string_view name);

struct ManagedObject {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::string target_id;
    friend bool operator==(const ManagedObject&, const ManagedObject&) = default;
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
    friend bool operator==(const JournalEntry&, const JournalEntry&) = default;
};

struct RunRecord {
    std::string id;
    std::string command;
    std::string target;
    std::string started_at;
    std::string finished_at;
    std::string status; // "running", "completed", "failed"
    std::vector<JournalEntry> entries;
    friend bool operator==(const RunRecord&, const RunRecord&) = default;
};

// What a completed action changes in the state, written with its journal entry.
struct StateChange {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::optional<std::string> target_id;            // nullopt: no longer managed (deleted)
    std::map<std::string, std::string> fingerprints; // API key → fingerprint written
    std::vector<std::string> cleared;                // API keys whose secret was cleared
    std::string previous_name = {}; // renamed in place: the name the state knew, fingerprints too
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
    friend bool operator==(const MigrationRecord&, const MigrationRecord&) = default;
};

// How far a folder is copied: every source UID up to last_uid is at the destination, as long
// as the folder's UIDVALIDITY is the same.
struct FolderProgress {
    std::int64_t uidvalidity = 0;
    std::int64_t last_uid = 0;
    // The source's HIGHESTMODSEQ (CONDSTORE) up to which flag changes of the messages up to
    // last_uid are at the destination; 0 when unknown, and then flags are compared one by one.
    std::int64_t modseq = 0;
    friend bool operator==(const FolderProgress&, const FolderProgress&) = default;
};

// A mailbox in the workers' queue (a PostgreSQL state): whether it waits for a worker
// ("queued"), was stopped by an operator ("paused", "cancelled") or ended ("done", "failed"),
// and the worker that holds it, or held it last, with its lease.
struct QueueEntry {
    std::string name;
    std::string state;
    std::string holder;     // empty when no worker ever took it
    std::string claimed_at; // when `holder` took it
    bool leased = false;    // the holder's lease has not run out
    std::int64_t attempts = 0;
    friend bool operator==(const QueueEntry&, const QueueEntry&) = default;
};

// A mailbox a worker took: its name, and the worker whose lease ran out before, if any.
struct QueueClaim {
    std::string name;
    std::string taken_from;
};

// What a worker's claim did: the mailbox it took, if one was free, and the mailboxes it
// marked failed because their leases ran out once too often.
struct QueueClaims {
    std::optional<QueueClaim> claim;
    std::vector<std::string> given_up;
};

// Who holds the lock of a state, as its row records it.
struct LockHolder {
    std::string run_id;
    std::int64_t pid = 0;
    std::string host;
    std::string since;
};
// "run ID (pid N on HOST, since TIME)".
std::string describe(const LockHolder& holder);

// One try at the lock: taken, or who holds it. `taken_over` names a dead holder's stale lock.
struct LockAttempt {
    bool taken = false;
    std::string holder;
    std::optional<std::string> taken_over;
};

// A secret sent to an endpoint, and when it was first.
struct BindingRecord {
    std::string secret;
    std::string endpoint;
    std::string bound_at;
    friend bool operator==(const BindingRecord&, const BindingRecord&) = default;
};

// Everything a state holds, for `state migrate`: copied as it is, key entries included.
struct StateContents {
    std::map<std::string, std::string> meta; // schema_version left out
    std::vector<ManagedObject> managed;
    std::map<FingerprintKey, std::string> fingerprints;
    std::vector<RunRecord> runs; // oldest first
    std::vector<MigrationRecord> migrations;
    std::map<std::pair<std::string, std::string>, FolderProgress> folders; // (name, folder)
    std::vector<BindingRecord> bindings;
    friend bool operator==(const StateContents&, const StateContents&) = default;
};

// The version of the state's tables this build writes; a state of a later one is refused.
inline constexpr int state_schema_version = 2;

// The storage of one state.
class StateBackend {
public:
    virtual ~StateBackend() = default;

    // How messages name this state: a path, or a URL with its password hidden.
    virtual const std::string& location() const = 0;

    // The key the state was made with (state_key.hpp's rules), making one for a new state.
    virtual Result<SettledKey> settle_key(const std::optional<StateKey>& given) = 0;
    // Removes the key kept in the state, keeping only `key_check`, without leaving its bytes.
    virtual Result<void> drop_kept_key(const std::string& key_check) = 0;

    // A value of the state's meta table, or nullopt; and setting one.
    virtual Result<std::optional<std::string>> meta(const std::string& key) = 0;
    virtual Result<void> set_meta(const std::string& key, const std::string& value) = 0;
    // Every (key, value) of the meta table whose key starts with `prefix`, in key order.
    virtual Result<std::vector<std::pair<std::string, std::string>>>
    meta_with_prefix(const std::string& prefix) = 0;
    // Sets `key` to `value` only while it holds `expected` (one statement, so that of two
    // processes at once only one succeeds); whether it did.
    virtual Result<bool> replace_meta(const std::string& key, const std::string& expected,
                                      const std::string& value) = 0;

    virtual Result<std::vector<ManagedObject>> managed() = 0;
    virtual Result<std::map<FingerprintKey, std::string>> fingerprints() = 0;

    // One try at the lock for a run; the lock row names `me` when taken.
    virtual Result<LockAttempt> try_lock(const LockHolder& me) = 0;
    virtual Result<void> unlock(const std::string& run_id) = 0;
    // Clears any lock; returns who held it, or nullopt when there was none.
    virtual Result<std::optional<std::string>> force_unlock() = 0;

    virtual Result<void> start_run(const std::string& run_id, const std::string& command,
                                   const std::string& target,
                                   const std::vector<JournalEntry>& entries) = 0;
    virtual Result<void> mark_pending(const std::string& run_id, int seq) = 0;
    virtual Result<void> mark_completed(const std::string& run_id, int seq,
                                        const StateChange& change, const std::string& message) = 0;
    virtual Result<void> mark_error(const std::string& run_id, int seq,
                                    const std::string& message) = 0;
    virtual Result<void> finish_run(const std::string& run_id, const std::string& status) = 0;
    // The newest run, or the one with this id; nullopt when there is none.
    virtual Result<std::optional<RunRecord>> run(const std::optional<std::string>& run_id) = 0;
    // The newest runs first, at most `limit`, without their journals.
    virtual Result<std::vector<RunRecord>> runs(std::size_t limit) = 0;

    virtual Result<std::vector<MigrationRecord>> migrations() = 0;
    virtual Result<void> save_migration(const MigrationRecord& record) = 0;
    virtual Result<std::map<std::string, FolderProgress>>
    folder_progress(const std::string& name, const std::string& identity) = 0;
    virtual Result<void> save_folder_progress(const std::string& name, const std::string& folder,
                                              const FolderProgress& progress) = 0;

    virtual Result<std::set<std::pair<std::string, std::string>>> secret_bindings() = 0;
    virtual Result<void>
    bind_secrets(const std::vector<std::pair<std::string, std::string>>& bindings) = 0;

    // The workers' queue (migrate/worker). Only a PostgreSQL state has one: the others answer
    // every call with the error of `queue_unsupported`.
    // Adds the mailboxes not in the queue yet, as queued.
    virtual Result<void> enqueue(const std::vector<std::string>& names);
    // Takes one queued mailbox of `names` whose lease is free or ran out, for `lease`; none
    // when none is free now. A mailbox whose lease ran out after `max_attempts` claims is not
    // taken again but marked failed (given_up).
    virtual Result<QueueClaims> claim(const std::vector<std::string>& names,
                                      const std::string& holder, std::chrono::seconds lease,
                                      std::int64_t max_attempts);
    // Extends the leases `holder` has on the queued mailboxes of `names` that have not run out;
    // the names it still holds.
    virtual Result<std::vector<std::string>> renew(const std::string& holder,
                                                   std::chrono::seconds lease,
                                                   const std::vector<std::string>& names);
    // From now on, this connection writes a migration's record and progress only while
    // `holder` holds the mailbox's lease: the writes of a worker that lost it (frozen, or cut
    // off from the state, while another took over) change nothing. No-op without a queue.
    virtual void fence_migrations(const std::string& holder) { (void)holder; }
    // Gives a mailbox back: "done", "failed" or "queued" when it is still queued (a pause or a
    // cancel made meanwhile stays), its lease ended.
    virtual Result<void> release(const std::string& name, const std::string& holder,
                                 const std::string& state);
    // How many of `names` are queued, taken or not.
    virtual Result<std::size_t> queued(const std::vector<std::string>& names);
    virtual Result<std::vector<QueueEntry>> queue();
    // retry (anything not queued), pause (queued), resume (paused) or cancel (queued or
    // paused) the named mailboxes; those it changed.
    virtual Result<std::vector<std::string>> control(const std::vector<std::string>& names,
                                                     const std::string& action);

    // Everything the state holds, and replacing it all in one transaction.
    virtual Result<StateContents> contents() = 0;
    virtual Result<void> replace_contents(const StateContents& contents) = 0;
};

// Opens the backend of a location, making its tables on first use and upgrading older ones;
// refuses a state whose schema is newer than this build's, before writing anything.
Result<std::unique_ptr<StateBackend>> open_state_backend(const std::string& location);

// The refusal of the workers' queue by a state that has none (SQLite).
Error queue_unsupported(const std::string& location);

// The time now as the state writes it: "2026-11-21T22:15:00.123Z".
std::string state_time_now();

// This host's name, for the lock row.
std::string state_host_name();

// The refusal of a state whose schema is newer than this build's.
std::string newer_schema(const std::string& where, int version);

} // namespace mailsync
