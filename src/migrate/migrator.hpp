// Mailbox content migration: scan what a MailboxMigration still has to copy, and copy it, IMAP
// to IMAP, folder by folder, with flags and internal dates, pipelined within a bounded window.
// A message already at the destination (same Message-ID; same size and date when it has none)
// is never copied again, and nothing is ever deleted at the destination.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/resources.hpp"
#include "state/state.hpp"

namespace mailsync {

struct MessageRef {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
};

// A message copied before whose flags differ at the destination: its UID there and the
// source's flags.
struct FlagUpdate {
    std::uint32_t uid = 0;
    std::string flags; // "\\Seen $Label1", sorted
};

struct FolderScan {
    std::string path;             // the source folder, UTF-8, '/' between levels
    std::string destination_path; // after renames
    std::string source_name;      // on the wire
    std::string destination_name; // on the wire
    bool selectable = true;
    bool subscribed = false;
    bool create = false; // missing at the destination
    bool scanned = false;
    std::int64_t uidvalidity = 0;
    std::int64_t last_uid = 0;         // progress from the state (0 when it does not hold)
    std::int64_t modseq = 0;           // the source's HIGHESTMODSEQ the flags are carried up to
    std::int64_t source_modseq = 0;    // the source's HIGHESTMODSEQ at this scan (0: no CONDSTORE)
    std::uint64_t source_messages = 0; // in the folder
    std::uint64_t source_bytes = 0;    // of every message in the folder
    std::uint64_t already_there = 0;   // new since last_uid but found at the destination
    std::vector<MessageRef> todo;      // to copy, by UID
    std::vector<FlagUpdate> flag_updates; // at the destination, for flags changed at the source
    std::uint64_t bytes() const;
};

struct MigrationScan {
    std::vector<FolderScan> folders;
    std::vector<std::string> warnings;
    // Folders of the source left out by default: Gmail's views of the other folders (All
    // Mail, Important, Starred) for a source of type gmail, unless folders.include names them.
    std::vector<std::string> left_out;
    std::uint64_t messages() const; // left to copy
    std::uint64_t flag_updates() const;
    std::uint64_t bytes() const;
    std::size_t to_create() const;
    std::uint64_t source_messages() const; // in the source's folders migrated
    std::uint64_t source_bytes() const;
};

// What a migration reports while it runs; read by the progress display from another thread.
struct MigrationProgress {
    std::atomic<std::uint64_t> messages_done{0};
    std::atomic<std::uint64_t> bytes_done{0};
    std::atomic<std::uint64_t> messages_total{0};
    std::atomic<std::uint64_t> bytes_total{0};
    std::atomic<int> phase{0}; // 0 waiting, 1 scanning, 2 copying, 3 done
    std::mutex mutex;
    std::string folder; // the folder being copied
    // Set from another thread to stop the copy at the next message: an operator paused or
    // cancelled the mailbox, or (a worker) its lease went to another worker, and then this run
    // writes nothing more.
    enum Stop { go = 0, asked = 1, lease_lost = 2 };
    std::atomic<int> stop{go};
    // A worker: the steady clock's time (ticks since its epoch) until which its lease surely
    // holds, counted from before the claim or the last renewal that kept it; 0 without a lease.
    // Past it the copy stops before its next write, as when the lease went to another worker,
    // even if this process was frozen and its renewals never ran.
    std::atomic<std::int64_t> lease_until{0};
    // Stops the copy (as lease_lost) once the lease may have run out; whether it stopped.
    bool lease_ran_out();
};

struct MigrationOutcome {
    TaskStatus status = TaskStatus::fresh;
    std::string message; // the reason of an ERROR, or a summary
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t flags_updated = 0; // messages copied before whose flags were carried again
    std::uint64_t folders_created = 0;
    std::vector<std::string> problems; // per message or folder, with folder and UID
    // Connections lost after the work started and each reconnect tried, in order:
    // "connection lost: ...", "reconnect 1 of 5 failed: ...", "reconnect 2 of 5 succeeded".
    std::vector<std::string> reconnects;
};

// The state, shared by migrations running at once.
class MigrationLedger {
public:
    explicit MigrationLedger(StateStore& state) : m_state(state) {}
    std::map<std::string, FolderProgress> progress(const std::string& name,
                                                   const std::string& identity);
    void save(const MigrationRecord& record);
    void save_folder(const std::string& name, const std::string& folder,
                     const FolderProgress& progress);
    // The task recorded last for this pair of mailboxes, if any.
    std::optional<MigrationRecord> last_record(const std::string& name,
                                               const std::string& identity);
    // The task of a migration that does not run now (queued, or refused before connecting):
    // its status and words, with the mailbox's totals as recorded last.
    MigrationRecord without_run(const MailboxMigration& migration, TaskStatus status,
                                std::string message);
    std::vector<std::string> errors(); // state writes that failed

private:
    StateStore& m_state;
    std::mutex m_mutex;
    std::vector<std::string> m_errors;
};

struct MigrationOptions {
    std::size_t window_messages = 64;       // APPENDs and FETCHes in flight per mailbox
    std::uint64_t window_bytes = 32u << 20; // and their bytes (the runner shares run_window out)
    // Reconnects in a row without a message copied, after a connection lost once the work
    // started; the nth waits n times the delay. A failure of the first connect is final.
    int reconnects = 5;
    std::chrono::milliseconds reconnect_delay{500};
    // --justfolders: create the folder tree at the destination, copy no message.
    bool just_folders = false;
};

// The window a run shares out: each of the mailboxes copied at once takes its part, from 3 MB
// to 32 MB, as the bytes of bodies it asks the source for and the bytes it has appended and the
// destination not yet confirmed. A mailbox holds up to about three windows of bodies (fetched
// and not yet sent; sent and kept until confirmed; their copy in the connection's send
// buffer), so that a run at --parallelism 8 holds about 8 x 3 x 3 MB of them above its base.
inline constexpr std::uint64_t run_window = 24u << 20;
std::uint64_t window_for(std::size_t parallelism);

// "alice@src:993 -> alice@dst:993": the pair of mailboxes that progress is recorded for.
std::string migration_identity(const MailboxMigration& migration);

// Logs in to both sides and lists what is left to copy; writes nothing. Secrets resolved.
std::expected<MigrationScan, std::string>
scan_migration(const MailboxMigration& migration, const Config& config, MigrationLedger& ledger);

// Copies what is missing; records task status and progress in the ledger as it goes.
MigrationOutcome run_migration(const MailboxMigration& migration, const Config& config,
                               MigrationLedger& ledger, MigrationProgress& progress,
                               const MigrationOptions& options = {});

} // namespace mailsync
