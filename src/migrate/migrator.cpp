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
    int attempts = 0;
    std::uint64_t copied_before = 0;
    bool first = true;
    for (;;) {
        MigrationJob job(migration, config, ledger, options, &progress);
        std::expected<void, StepError> result = job.open();
        std::optional<MigrationScan> scan;
        if (result) {
            auto scanned = job.scan();
            if (scanned)
                scan = std::move(*scanned);
            else
                result = std::unexpected(scanned.error());
        }
        if (scan) {
            if (first) {
                progress.messages_total = scan->messages();
                progress.bytes_total = scan->bytes();
                first = false;
            } else {
                // After a reconnect the totals are what was copied plus what is left.
                progress.messages_total = progress.messages_done + scan->messages();
                progress.bytes_total = progress.bytes_done + scan->bytes();
            }
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
        if (!result.error().dropped) {
            outcome.status = TaskStatus::error;
            outcome.message = result.error().message;
            break;
        }
        // A dropped connection: reconnect and go on from the progress recorded, unless several
        // attempts in a row copied nothing.
        if (outcome.messages == copied_before)
            ++attempts;
        else
            attempts = 1;
        copied_before = outcome.messages;
        outcome.problems.push_back(fmt::format("reconnected after: {}", result.error().message));
        if (attempts > options.reconnects) {
            outcome.status = TaskStatus::error;
            outcome.message = fmt::format("{} (gave up after {} reconnects)",
                                          result.error().message, options.reconnects);
            break;
        }
        std::this_thread::sleep_for(options.reconnect_delay * attempts);
    }
    progress.phase = 3;
    std::vector<std::string> refused;
    for (const std::string& problem : outcome.problems)
        if (!problem.starts_with("reconnected after: "))
            refused.push_back(problem);
    if (outcome.status != TaskStatus::error) {
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