// The runner: threads that take a mailbox from the queue, check where its secrets may go, and
// run its migration, until the queue has none left.
#include "migrate/runner.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "trust/routes.hpp"

namespace mailsync {

void share_out(std::size_t count, std::size_t parallelism,
               const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++)
            work(i);
    };
    std::vector<std::jthread> threads;
    std::size_t workers = std::max<std::size_t>(1, std::min(parallelism, count));
    for (std::size_t i = 1; i < workers; ++i)
        threads.emplace_back(worker);
    worker();
}

std::optional<std::size_t> EveryMailbox::next() {
    std::size_t index = m_next++;
    if (index >= m_count)
        return std::nullopt;
    return index;
}

MigrationRunner::MigrationRunner(const std::vector<const MailboxMigration*>& list,
                                 const Config& config, StateStore& state, const TrustPolicy& policy,
                                 MigrationOptions options)
    : m_config(config), m_policy(policy), m_options(options), m_ledger(state) {
    for (const MailboxMigration* migration : list) {
        auto run = std::make_unique<MailboxRun>();
        run->migration = migration;
        m_runs.push_back(std::move(run));
    }
}

void MigrationRunner::mark_queued() {
    for (auto& run : m_runs)
        if (!is_self_service(*run->migration)) // its NEW or INVITED record stays
            m_ledger.save(m_ledger.without_run(*run->migration, TaskStatus::fresh, "queued"));
}

std::uint64_t window_for(std::size_t parallelism) {
    return std::clamp<std::uint64_t>(run_window / std::max<std::size_t>(parallelism, 1), 3u << 20,
                                     32u << 20);
}

void MigrationRunner::run(MailboxQueue& queue, std::size_t parallelism) {
    m_options.window_bytes = window_for(parallelism);
    auto thread = [&](std::size_t) {
        while (std::optional<std::size_t> index = queue.next()) {
            MailboxRun& run = *m_runs.at(*index);
            run.started = std::chrono::steady_clock::now();
            run.running = true;
            std::vector<Refusal> refusals =
                refused_routes(migration_routes(*run.migration, m_config), m_policy);
            if (is_self_service(*run.migration)) {
                // Nothing gives the owner's credentials yet: the record (NEW or INVITED) stays.
                run.outcome.status = TaskStatus::fresh;
                run.outcome.message = "waiting for its owner (self-service): no credentials "
                                      "yet, so nothing was copied";
            } else if (refusals.empty()) {
                run.outcome =
                    run_migration(*run.migration, m_config, m_ledger, run.progress, m_options);
            } else {
                run.outcome.status = TaskStatus::error;
                run.outcome.message =
                    fmt::format("{}; {}", refusal_text(refusals.front()), refusals.front().hint);
                m_ledger.save(
                    m_ledger.without_run(*run.migration, TaskStatus::error, run.outcome.message));
            }
            run.finished = true;
            queue.finished(*index, run);
        }
    };
    share_out(std::max<std::size_t>(parallelism, 1), parallelism, thread);
}

} // namespace mailsync
