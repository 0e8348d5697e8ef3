// A migration worker: one of any number, on any machines, sharing a PostgreSQL state. It takes
// queued mailboxes from the state's queue (SELECT ... FOR UPDATE SKIP LOCKED), holds each by a
// lease it renews while copying, and runs up to `parallelism` at once through the runner. A
// worker that dies stops renewing; once its lease runs out another worker takes the mailbox and
// goes on from the UID progress recorded, the scan's dedupe keeping the repeat from duplicating.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "migrate/runner.hpp"

namespace mailsync {

struct WorkerOptions {
    std::string id; // names the worker in the state: "host:pid", or --worker-id
    std::chrono::seconds lease{60};
    // A mailbox whose worker's lease ran out this many times (its workers died or froze while
    // copying it) is not taken again: it ends "failed" until `mailsync migrate retry`.
    std::int64_t max_attempts = 5;
    std::size_t parallelism = 4;
    // How long a worker with nothing to take waits before asking again, while other workers
    // still hold mailboxes whose leases may run out.
    std::chrono::milliseconds poll{1000};
};

// The state's queue as the runner's: claims, renews the leases of the mailboxes it holds (and
// stops the copy of one it lost, paused or cancelled), and gives each back when it ends.
class ClaimedMailboxes final : public MailboxQueue {
public:
    ClaimedMailboxes(MigrationRunner& runner, StateStore& state, WorkerOptions options);
    ~ClaimedMailboxes() override;

    // Enters the runner's mailboxes that are not in the queue yet; an error for a SQLite state.
    Result<void> enqueue();
    std::optional<std::size_t> next() override;
    void finished(std::size_t index, const MailboxRun& run) override;
    // Problems met on the way (a failed claim, renewal or release), for a warning.
    std::vector<std::string> problems();

private:
    void renew_leases();
    // Records a mailbox the claim marked failed (too many leases ran out) as ERROR.
    void give_up(const std::string& name);
    // Until when a lease asked for at `asked` surely holds, by this machine's steady clock:
    // the lease less a tenth, for the clocks' rates and the time the answer took.
    std::int64_t lease_end(std::chrono::steady_clock::time_point asked) const;

    MigrationRunner& m_runner;
    StateStore& m_state;
    WorkerOptions m_options;
    std::vector<std::string> m_names;
    std::map<std::string, std::size_t> m_index;
    std::mutex m_mutex;
    std::map<std::string, std::size_t> m_held; // name → index, while running here
    std::condition_variable m_ended;           // a mailbox here ended: another may be free
    std::vector<std::string> m_problems;
    std::atomic<bool> m_closing{false};
    std::jthread m_renewer;
};

// "host:pid": a worker's default id.
std::string default_worker_id();

} // namespace mailsync
