// Running mailbox migrations, several at once: the runner behind `apply` (every mailbox of the
// configuration, in order, on this machine) and behind workers (mailboxes claimed from a
// shared PostgreSQL state, worker.hpp). Displays read each mailbox's run while it goes.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrate/migrator.hpp"
#include "trust/policy.hpp"

namespace mailsync {

// Runs `work(i)` for i in [0, count), `parallelism` at once.
void share_out(std::size_t count, std::size_t parallelism,
               const std::function<void(std::size_t)>& work);

// One mailbox of a run, as a display reads it while it goes.
struct MailboxRun {
    const MailboxMigration* migration = nullptr;
    MigrationProgress progress;
    std::chrono::steady_clock::time_point started;
    std::atomic<bool> running{false};
    std::atomic<bool> finished{false};
    bool reported = false; // a display's own mark
    MigrationOutcome outcome;
    std::string taken_from; // a worker: the worker whose lease on it ran out
};

// Where the runner's threads take their next mailbox: the index in the runner's list, or
// nullopt when none is left for this run.
class MailboxQueue {
public:
    virtual ~MailboxQueue() = default;
    virtual std::optional<std::size_t> next() = 0;
    // The mailbox of `index` ended.
    virtual void finished(std::size_t index, const MailboxRun& run) = 0;
};

// Every mailbox once, in the list's order.
class EveryMailbox final : public MailboxQueue {
public:
    explicit EveryMailbox(std::size_t count) : m_count(count) {}
    std::optional<std::size_t> next() override;
    void finished(std::size_t, const MailboxRun&) override {}

private:
    std::size_t m_count;
    std::atomic<std::size_t> m_next{0};
};

class MigrationRunner {
public:
    MigrationRunner(const std::vector<const MailboxMigration*>& list, const Config& config,
                    StateStore& state, const TrustPolicy& policy, MigrationOptions options);

    // Records every mailbox as queued (NEW) before any starts: apply, which runs them all.
    void mark_queued();
    // Takes mailboxes from `queue` until it has none, `parallelism` at once; a mailbox whose
    // secrets the policy does not let go to its servers ends in ERROR without connecting.
    void run(MailboxQueue& queue, std::size_t parallelism);

    std::vector<std::unique_ptr<MailboxRun>>& runs() { return m_runs; }
    // State writes that failed, for a warning.
    std::vector<std::string> state_errors() { return m_ledger.errors(); }

private:
    const Config& m_config;
    const TrustPolicy& m_policy;
    MigrationOptions m_options;
    MigrationLedger m_ledger;
    std::vector<std::unique_ptr<MailboxRun>> m_runs;
};

} // namespace mailsync
