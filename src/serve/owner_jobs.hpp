// The copies `mailsync serve` runs: self-service migrations whose owner handed over credentials
// that work, `parallelism` at once, each with the credential opened from the vault just before
// it starts. A COMPLETED copy wipes the credential; so does its expiry. A server stopped or
// killed mid-copy leaves the migration PENDING with its credential, and the next start resumes
// it from the progress recorded.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "migrate/migrator.hpp"
#include "serve/credentials.hpp"
#include "trust/policy.hpp"

namespace mailsync {

// What the trust model refuses of a self-service migration: its owner's routes (the source, the
// OAuth2Client's token endpoint and sign-in page), its destination's secrets and the client's
// secret. Nothing of the owner's is taken or sent while any is refused.
std::vector<Refusal> owner_refusals(const MailboxMigration& migration, const Config& config,
                                    const TrustPolicy& policy);

// The state shared by the server's threads: one connection, one at a time.
struct SharedState {
    StateStore& state;
    std::mutex mutex;
};

// How far a running copy is, read while it goes.
struct LiveProgress {
    std::uint64_t messages_done = 0;
    std::uint64_t messages_total = 0;
    std::uint64_t bytes_done = 0;
    std::uint64_t bytes_total = 0;
};

class OwnerJobs {
public:
    // `ledger_state` is a connection of its own for the copies' records; `shared` is the
    // server's, which holds the vault's records.
    OwnerJobs(const Config& config, const TrustPolicy& policy, SharedState& shared,
              CredentialVault& vault, StateStore& ledger_state, std::size_t parallelism);
    ~OwnerJobs();
    OwnerJobs(const OwnerJobs&) = delete;
    OwnerJobs& operator=(const OwnerJobs&) = delete;

    // Queues every self-service migration that holds a credential and is not COMPLETED.
    void resume();
    // Queues one (again); a migration queued or running already is left as it is.
    void submit(const std::string& name);
    // Whether it is queued or running here.
    bool busy(const std::string& name);
    std::optional<LiveProgress> live(const std::string& name);
    // Stops the running copies where they are (their records stay PENDING) and the threads.
    void stop();
    // Wipes the credentials that expired, and marks their migrations ERROR, and those of
    // migrations no longer configured; ends the owner sessions that expired. The number wiped.
    std::size_t sweep_expired();
    // Problems that are nobody's request's (failed state writes, a vault that does not open),
    // each once: those since the last call.
    std::vector<std::string> take_problems();

private:
    void work();
    void run_one(const MailboxMigration& migration);
    void record(const MailboxMigration& migration, TaskStatus status, std::string message);
    void note(std::string problem);
    void sweep_sessions(std::int64_t now);

    const Config& m_config;
    const TrustPolicy& m_policy;
    SharedState& m_shared;
    CredentialVault& m_vault;
    MigrationLedger m_ledger;
    std::mutex m_mutex;
    std::mutex m_stop_mutex; // held by stop() throughout
    std::condition_variable m_wake;
    std::deque<std::string> m_queue;
    std::set<std::string> m_busy;
    std::map<std::string, std::shared_ptr<MigrationProgress>> m_running;
    std::vector<std::string> m_problems;
    bool m_stopping = false;
    std::size_t m_parallelism = 1;
    std::size_t m_ledger_reported = 0; // the ledger's errors take_problems() has given
    std::vector<std::thread> m_threads;
};

} // namespace mailsync
