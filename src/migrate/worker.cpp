// The worker's side of the queue: claiming, renewing the leases every third of their length,
// and giving mailboxes back.
#include "migrate/worker.hpp"

#include <thread>
#include <unistd.h>

#include <fmt/format.h>

namespace mailsync {

std::string default_worker_id() {
    return fmt::format("{}:{}", state_host_name(), static_cast<long>(getpid()));
}

ClaimedMailboxes::ClaimedMailboxes(MigrationRunner& runner, StateStore& state,
                                   WorkerOptions options)
    : m_runner(runner), m_state(state), m_options(std::move(options)) {
    m_state.fence_migrations(m_options.id);
    for (std::size_t i = 0; i < runner.runs().size(); ++i) {
        const std::string& name = runner.runs()[i]->migration->meta.name;
        m_names.push_back(name);
        m_index[name] = i;
    }
    m_renewer = std::jthread([this](std::stop_token stop) {
        auto every = std::max<std::chrono::milliseconds>(m_options.lease / 3,
                                                         std::chrono::milliseconds(200));
        while (!stop.stop_requested()) {
            auto until = std::chrono::steady_clock::now() + every;
            while (!stop.stop_requested() && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (!stop.stop_requested())
                renew_leases();
        }
    });
}

ClaimedMailboxes::~ClaimedMailboxes() {
    m_renewer.request_stop();
    if (m_renewer.joinable())
        m_renewer.join();
}

Result<void> ClaimedMailboxes::enqueue() {
    return m_state.enqueue(m_names);
}

std::int64_t ClaimedMailboxes::lease_end(std::chrono::steady_clock::time_point asked) const {
    auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(m_options.lease);
    return (asked + (lease - lease / 10)).time_since_epoch().count();
}

std::optional<std::size_t> ClaimedMailboxes::next() {
    while (!m_closing) {
        auto asked = std::chrono::steady_clock::now();
        Result<QueueClaims> claimed =
            m_state.claim(m_names, m_options.id, m_options.lease, m_options.max_attempts);
        if (!claimed) {
            std::lock_guard lock(m_mutex);
            m_problems.push_back(fmt::format("taking a mailbox: {}", claimed.error().message));
            m_closing = true;
            return std::nullopt;
        }
        for (const std::string& name : claimed->given_up)
            give_up(name);
        if (claimed->claim) {
            const QueueClaim& claim = *claimed->claim;
            std::size_t index = m_index.at(claim.name);
            std::lock_guard lock(m_mutex);
            // Our own lease ran out while another of our threads still copies the mailbox (a
            // renewal missed): the claim renewed it; a second copy of it must not start.
            if (m_held.contains(claim.name))
                continue;
            // A run of it here before has ended (finished() let it go last): start afresh.
            MailboxRun& run = *m_runner.runs()[index];
            run.taken_from = claim.taken_from;
            run.finished = false;
            run.outcome = {};
            MigrationProgress& progress = run.progress;
            progress.messages_done = 0;
            progress.bytes_done = 0;
            progress.messages_total = 0;
            progress.bytes_total = 0;
            progress.phase = 0;
            progress.stop = MigrationProgress::go;
            progress.lease_until = lease_end(asked);
            m_held[claim.name] = index;
            return index;
        }
        // None free now: done when none is queued any more, else one may be freed by a lease
        // that runs out.
        Result<std::size_t> waiting = m_state.queued(m_names);
        if (!waiting) {
            std::lock_guard lock(m_mutex);
            m_problems.push_back(
                fmt::format("counting queued mailboxes: {}", waiting.error().message));
            m_closing = true;
            return std::nullopt;
        }
        if (*waiting == 0)
            return std::nullopt;
        // Asks again after the poll, or as soon as a mailbox copied here ends.
        std::unique_lock lock(m_mutex);
        m_ended.wait_for(lock, m_options.poll);
    }
    return std::nullopt;
}

void ClaimedMailboxes::finished(std::size_t index, const MailboxRun& run) {
    const std::string& name = m_names.at(index);
    // The run is read and given back before the mailbox leaves m_held: until then no thread
    // here claims it again (and reuses the run). Then another may be free, or none be queued.
    int stop = run.progress.stop;
    // A pause or cancel stays; a lease lost goes back as queued too, which changes nothing once
    // another worker holds it (a release is the holder's) and frees at once one this worker
    // let run out by its own clock.
    std::string state = stop != MigrationProgress::go                 ? "queued"
                        : run.outcome.status == TaskStatus::completed ? "done"
                                                                      : "failed";
    Result<void> released = m_state.release(name, m_options.id, state);
    std::lock_guard lock(m_mutex);
    if (!released)
        m_problems.push_back(fmt::format("giving {} back: {}", name, released.error().message));
    m_held.erase(name);
    m_ended.notify_all();
}

void ClaimedMailboxes::give_up(const std::string& name) {
    std::string why = fmt::format(
        "given up after {} attempts whose leases ran out (the workers died or froze while "
        "copying it); 'mailsync migrate retry {}' queues it again",
        m_options.max_attempts, name);
    MigrationLedger ledger(m_state);
    ledger.save(ledger.without_run(*m_runner.runs().at(m_index.at(name))->migration,
                                   TaskStatus::error, why));
    std::lock_guard lock(m_mutex);
    m_problems.push_back(fmt::format("{}: {}", name, why));
    for (const std::string& error : ledger.errors())
        m_problems.push_back(fmt::format("recording {}: {}", name, error));
}

void ClaimedMailboxes::renew_leases() {
    std::map<std::string, std::size_t> held;
    {
        std::lock_guard lock(m_mutex);
        held = m_held;
    }
    if (held.empty())
        return;
    // Only the mailboxes copied here now, and only leases not run out: one this worker lost by
    // its own clock is given back, not kept for ever.
    std::vector<std::string> names;
    for (const auto& [name, index] : held)
        names.push_back(name);
    auto asked = std::chrono::steady_clock::now();
    Result<std::vector<std::string>> kept = m_state.renew(m_options.id, m_options.lease, names);
    if (!kept) {
        // The lease runs on until its end; the next renewal may succeed before.
        std::lock_guard lock(m_mutex);
        m_problems.push_back(fmt::format("renewing the leases: {}", kept.error().message));
        return;
    }
    std::map<std::string, std::string> states;
    for (const auto& [name, index] : held) {
        if (std::find(kept->begin(), kept->end(), name) != kept->end()) {
            m_runner.runs()[index]->progress.lease_until = lease_end(asked);
            continue;
        }
        // Not ours any more: paused or cancelled by an operator, or taken by another worker.
        if (states.empty())
            if (Result<std::vector<QueueEntry>> queue = m_state.queue())
                for (const QueueEntry& entry : *queue)
                    states[entry.name] = entry.holder == m_options.id ? entry.state : "taken";
        auto found = states.find(name);
        bool asked = found != states.end() && found->second != "taken";
        m_runner.runs()[index]->progress.stop =
            asked ? MigrationProgress::asked : MigrationProgress::lease_lost;
    }
}

std::vector<std::string> ClaimedMailboxes::problems() {
    std::lock_guard lock(m_mutex);
    return m_problems;
}

} // namespace mailsync
