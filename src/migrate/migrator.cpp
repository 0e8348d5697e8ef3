// Running a migration: log in, scan, copy folder by folder, and reconnect when a connection
// is lost after the work started; the task's record written as it goes.
#include "migrate/migrator.hpp"

#include <thread>

#include <fmt/format.h>

#include "migrate/job.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

// The task as status shows it: the mailbox's totals — the messages and bytes of the source's
// folders migrated, and how many of them are at the destination — and what this run did.
class TaskRecord {
public:
    TaskRecord(const MailboxMigration& migration, std::optional<MigrationRecord> last) {
        // Until this run has scanned, the totals are those recorded last.
        if (last)
            m_record = std::move(*last);
        m_record.name = migration.meta.name;
        m_record.identity = migration_identity(migration);
    }

    // The totals from a scan: what the source holds, less what is left to copy, is there.
    void scanned(const MigrationScan& scan, const MigrationProgress& progress) {
        m_scan = Counts{scan.source_messages(), scan.source_bytes(),    scan.messages(),
                        scan.bytes(),           progress.messages_done, progress.bytes_done};
    }

    MigrationRecord make(TaskStatus status, std::string message,
                         const MigrationProgress& progress) const {
        MigrationRecord record = m_record;
        record.status = status;
        record.message = std::move(message);
        if (m_scan) {
            const Counts& c = *m_scan;
            record.messages_total = static_cast<std::int64_t>(c.messages);
            record.bytes_total = static_cast<std::int64_t>(c.bytes);
            record.messages_done =
                there(c.messages, c.messages_left, progress.messages_done - c.messages_copied);
            record.bytes_done = there(c.bytes, c.bytes_left, progress.bytes_done - c.bytes_copied);
        }
        return record;
    }

private:
    struct Counts {
        std::uint64_t messages = 0, bytes = 0;               // at the source
        std::uint64_t messages_left = 0, bytes_left = 0;     // to copy when scanned
        std::uint64_t messages_copied = 0, bytes_copied = 0; // by this run when scanned
    };

    static std::int64_t there(std::uint64_t total, std::uint64_t left, std::uint64_t copied) {
        std::uint64_t missing = left > copied ? left - copied : 0;
        return static_cast<std::int64_t>(total > missing ? total - missing : 0);
    }

    MigrationRecord m_record;
    std::optional<Counts> m_scan;
};

// What the state keeps as the run's words: a completed run's summary, or the reason of an
// error after what was copied before it.
std::string recorded_message(const MigrationOutcome& outcome) {
    if (outcome.status != TaskStatus::error || outcome.messages == 0)
        return outcome.message;
    return fmt::format("{} message{} copied ({}); {}", outcome.messages,
                       outcome.messages == 1 ? "" : "s", human_size(outcome.bytes),
                       outcome.message);
}

// What a completed run did: the messages copied and the flags carried, or the folders made.
std::string completed_message(const MigrationOutcome& outcome, const MigrationOptions& options) {
    if (options.just_folders)
        return fmt::format("folder tree only (--justfolders): {} created",
                           outcome.folders_created == 1
                               ? std::string("1 folder")
                               : fmt::format("{} folders", outcome.folders_created));
    std::string flags =
        outcome.flags_updated == 0
            ? std::string()
            : fmt::format("flags of {} message{} carried again", outcome.flags_updated,
                          outcome.flags_updated == 1 ? "" : "s");
    if (outcome.messages == 0)
        return flags.empty() ? std::string("up to date: nothing left to copy")
                             : "up to date: " + flags;
    return fmt::format("{} message{} copied ({}){}", outcome.messages,
                       outcome.messages == 1 ? "" : "s", human_size(outcome.bytes),
                       flags.empty() ? "" : "; " + flags);
}

} // namespace

std::expected<MigrationScan, std::string>
scan_migration(const MailboxMigration& migration, const Config& config, MigrationLedger& ledger) {
    MigrationOptions options;
    MigrationJob job(migration, config, ledger, options, nullptr);
    if (auto ok = job.open(); !ok) {
        job.close();
        return std::unexpected(ok.error().message);
    }
    auto scan = job.scan();
    job.close();
    if (!scan)
        return std::unexpected(scan.error().message);
    return std::move(*scan);
}

MigrationOutcome run_migration(const MailboxMigration& migration, const Config& config,
                               MigrationLedger& ledger, MigrationProgress& progress,
                               const MigrationOptions& options) {
    MigrationOutcome outcome;
    progress.phase = 1;
    TaskRecord task(migration,
                    ledger.last_record(migration.meta.name, migration_identity(migration)));
    ledger.save(task.make(TaskStatus::pending, "scanning", progress));
    // Reconnects are for connections lost once the work started (both logins done): a refusal
    // or a failed login at the first connect is final for this run.
    bool started = false;
    int tries = 0;                   // reconnects since the last message copied
    std::uint64_t copied_at_try = 0; // outcome.messages when that series began
    auto give_up = [&](const std::string& error) {
        outcome.status = TaskStatus::error;
        outcome.message = tries == 0 ? error
                                     : fmt::format("{} (gave up after {} reconnect{} without "
                                                   "progress)",
                                                   error, tries, tries == 1 ? "" : "s");
    };
    bool first_retried = false;
    for (;;) {
        MigrationJob job(migration, config, ledger, options, &progress);
        std::expected<void, StepError> result = job.open();
        if (!result && !started && result.error().broke && !first_retried &&
            progress.stop == MigrationProgress::go) {
            // Not refused and not a NO: the server's side broke off (its login process died,
            // say). One more try; a second failure is final as any first connect's is.
            job.close();
            first_retried = true;
            outcome.reconnects.push_back(fmt::format(
                "the first connection broke ({}); tried once more", result.error().message));
            std::this_thread::sleep_for(options.reconnect_delay);
            continue;
        }
        if (!result && started && result.error().dropped) {
            job.close();
            outcome.reconnects.push_back(fmt::format("reconnect {} of {} failed: {}", tries,
                                                     options.reconnects, result.error().message));
            if (tries >= options.reconnects) {
                give_up(result.error().message);
                break;
            }
            ++tries;
            std::this_thread::sleep_for(options.reconnect_delay * tries);
            continue;
        }
        if (result && started)
            outcome.reconnects.push_back(
                fmt::format("reconnect {} of {} succeeded", tries, options.reconnects));
        bool reconnect_allowed = result.has_value();
        started = started || result.has_value();
        std::optional<MigrationScan> scan;
        if (result) {
            auto scanned = job.scan();
            if (scanned)
                scan = std::move(*scanned);
            else
                result = std::unexpected(scanned.error());
        }
        if (scan) {
            // What this run copied so far (none at the first scan) and what is left.
            progress.messages_total = progress.messages_done + scan->messages();
            progress.bytes_total = progress.bytes_done + scan->bytes();
            progress.phase = 2;
            task.scanned(*scan, progress);
            if (!job.stopped())
                ledger.save(task.make(TaskStatus::pending, "copying", progress));
            for (FolderScan& folder : scan->folders) {
                if (std::optional<StepError> stop = job.stopped()) {
                    result = std::unexpected(*stop);
                    break;
                }
                result = job.copy(folder, outcome);
                if (std::optional<StepError> stop = job.stopped(); stop && !result)
                    result = std::unexpected(*stop); // its words rather than the write's
                if (!result)
                    break;
                if (!job.stopped())
                    ledger.save(task.make(TaskStatus::pending, "copying", progress));
            }
        }
        job.close();
        if (result)
            break;
        if (!reconnect_allowed || !result.error().dropped) {
            outcome.status = TaskStatus::error;
            outcome.message = result.error().message;
            break;
        }
        // Lost after the work started: reconnect and go on from the progress recorded, unless
        // the reconnects since the last message copied are used up.
        if (outcome.messages > copied_at_try) {
            tries = 0;
            copied_at_try = outcome.messages;
        }
        outcome.reconnects.push_back(fmt::format("connection lost: {}", result.error().message));
        if (tries >= options.reconnects) {
            give_up(result.error().message);
            break;
        }
        ++tries;
        std::this_thread::sleep_for(options.reconnect_delay * tries);
    }
    progress.phase = 3;
    if (outcome.status != TaskStatus::error) {
        const std::vector<std::string>& refused = outcome.problems;
        if (!refused.empty()) {
            outcome.status = TaskStatus::error;
            outcome.message = fmt::format("{} message{} not copied: {}", refused.size(),
                                          refused.size() == 1 ? "" : "s", join(refused, "; "));
        } else {
            outcome.status = TaskStatus::completed;
            outcome.message = completed_message(outcome, options);
        }
    }
    // A worker whose lease went to another writes nothing more: the record is the other's now.
    progress.lease_ran_out();
    if (progress.stop != MigrationProgress::lease_lost)
        ledger.save(task.make(outcome.status, recorded_message(outcome), progress));
    return outcome;
}

} // namespace mailsync