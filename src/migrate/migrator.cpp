// Running a migration: log in, scan, copy folder by folder, and reconnect when a connection
// is lost after the work started; the task's record written as it goes.
#include "migrate/migrator.hpp"

#include <thread>

#include <fmt/format.h>

#include "migrate/job.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

// The task as status shows it: what every run copied, and what is left.
MigrationRecord record_of(const MailboxMigration& migration, TaskStatus status, std::string message,
                          const MigrationProgress& progress,
                          std::pair<std::int64_t, std::int64_t> before) {
    MigrationRecord record;
    record.name = migration.meta.name;
    record.identity = migration_identity(migration);
    record.status = status;
    record.message = std::move(message);
    record.messages_done = before.first + static_cast<std::int64_t>(progress.messages_done.load());
    record.bytes_done = before.second + static_cast<std::int64_t>(progress.bytes_done.load());
    record.messages_total =
        before.first + static_cast<std::int64_t>(progress.messages_total.load());
    record.bytes_total = before.second + static_cast<std::int64_t>(progress.bytes_total.load());
    return record;
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
    auto before = ledger.copied_before(migration.meta.name, migration_identity(migration));
    ledger.save(record_of(migration, TaskStatus::pending, "scanning", progress, before));
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
    for (;;) {
        MigrationJob job(migration, config, ledger, options, &progress);
        std::expected<void, StepError> result = job.open();
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
            ledger.save(record_of(migration, TaskStatus::pending, "copying", progress, before));
            for (FolderScan& folder : scan->folders) {
                result = job.copy(folder, outcome);
                if (!result)
                    break;
                ledger.save(record_of(migration, TaskStatus::pending, "copying", progress, before));
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
            outcome.message =
                outcome.messages == 0
                    ? std::string("up to date: nothing left to copy")
                    : fmt::format("{} message{} copied ({})", outcome.messages,
                                  outcome.messages == 1 ? "" : "s", human_size(outcome.bytes));
        }
    }
    ledger.save(record_of(migration, outcome.status, outcome.message, progress, before));
    return outcome;
}

} // namespace mailsync