// The MailboxMigration part of plan, apply and status: scans, copies with a progress display,
// and the task table.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "migrate/migrator.hpp"
#include "migrate/runner.hpp"
#include "trust/policy.hpp"

namespace mailsync::cli {

struct MigrationPlanEntry {
    const MailboxMigration* migration = nullptr;
    bool scanned = false; // false: not asked to log in (plan without --scan-migrations)
    std::optional<MigrationScan> scan;
    std::string error;                     // when the scan failed or was refused
    std::optional<MigrationRecord> record; // the state's task, when not scanned
};

// The migrations that `--select` leaves: all without a selection, else those it names as
// MailboxMigration/NAME (none when it names only other kinds); names not declared go to
// `unknown`.
std::vector<const MailboxMigration*> selected_migrations(const Config& config,
                                                         const std::vector<std::string>& select,
                                                         std::vector<std::string>& unknown);

// Scans every migration, `parallelism` at once, when `policy` is given and lets its secrets go
// to both servers (a refused one gets the refusal as its error); without a policy nothing is
// scanned and each entry shows the state's record.
std::vector<MigrationPlanEntry> plan_migrations(const std::vector<const MailboxMigration*>& list,
                                                const Config& config, StateStore& state,
                                                std::size_t parallelism, const TrustPolicy* policy);
std::string render_migration_plan(const std::vector<MigrationPlanEntry>& entries, bool color);
nlohmann::ordered_json migration_plan_json(const std::vector<MigrationPlanEntry>& entries);
// Whether apply would copy or create something: scanned, messages or folders left (or the scan
// failed); not scanned, the last run did not complete.
bool migration_pending(const MigrationPlanEntry& entry);
bool migrations_pending(const std::vector<MigrationPlanEntry>& entries);

// One migration's result, for apply --format json.
struct MigrationRunResult {
    std::string name;
    MigrationOutcome outcome;
};

// Runs `work` (which runs `runner`) under the live display: a line per mailbox as it ends,
// on a terminal the mailboxes being copied, and a summary. With `results`, each migration's
// outcome is added there and nothing is printed. True when none that ran failed.
bool show_migrations(MigrationRunner& runner, const std::function<void()>& work,
                     const std::string& header, const Context& context,
                     std::vector<MigrationRunResult>* results);

// apply: copies every mailbox of `list` on this machine, `parallelism` at once, through the
// runner; true when every migration completed. A migration whose secrets `policy` does not let
// go to its servers ends in ERROR without connecting.
bool run_migrations(const std::vector<const MailboxMigration*>& list, const Config& config,
                    StateStore& state, std::size_t parallelism, const TrustPolicy& policy,
                    const Context& context, std::vector<MigrationRunResult>* results = nullptr,
                    const MigrationOptions& options = {});
nlohmann::ordered_json migration_results_json(const std::vector<MigrationRunResult>& results);

// The migrations' task table for `status`, with the workers' queue of a PostgreSQL state
// (empty for another): which worker holds which mailbox and since when, or its pause.
void print_migration_status(const std::vector<MigrationRecord>& records,
                            const std::vector<QueueEntry>& queue = {});
nlohmann::ordered_json migration_status_json(const std::vector<MigrationRecord>& records,
                                             const std::vector<QueueEntry>& queue = {});

} // namespace mailsync::cli
