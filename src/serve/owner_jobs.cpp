#include "serve/owner_jobs.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "selfservice/invite.hpp"
#include "trust/routes.hpp"

namespace mailsync {

namespace {

const MailboxMigration* find_migration(const Config& config, const std::string& name) {
    for (const MailboxMigration& migration : config.migrations)
        if (migration.meta.name == name)
            return &migration;
    return nullptr;
}

} // namespace

std::vector<Refusal> owner_refusals(const MailboxMigration& migration, const Config& config,
                                    const TrustPolicy& policy) {
    std::vector<SecretRoute> routes = migration_routes(migration, config);
    const std::string& client = migration.source.auth->self_service->client;
    if (const OAuth2Client* found = client.empty() ? nullptr : config.find_client(client)) {
        std::vector<SecretRoute> secret = client_routes(*found);
        routes.insert(routes.end(), secret.begin(), secret.end());
    }
    return refused_routes(routes, policy);
}

OwnerJobs::OwnerJobs(const Config& config, const TrustPolicy& policy, SharedState& shared,
                     CredentialVault& vault, StateStore& ledger_state, std::size_t parallelism)
    : m_config(config), m_policy(policy), m_shared(shared), m_vault(vault), m_ledger(ledger_state),
      m_parallelism(std::max<std::size_t>(parallelism, 1)) {
    for (std::size_t i = 0; i < m_parallelism; ++i)
        m_threads.emplace_back([this] { work(); });
}

OwnerJobs::~OwnerJobs() {
    stop();
}

void OwnerJobs::note(std::string problem) {
    std::lock_guard lock(m_mutex);
    m_problems.push_back(std::move(problem));
}

std::vector<std::string> OwnerJobs::take_problems() {
    std::vector<std::string> ledger = m_ledger.errors();
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    out.swap(m_problems);
    for (std::size_t i = std::min(m_ledger_reported, ledger.size()); i < ledger.size(); ++i)
        out.push_back(ledger[i]);
    m_ledger_reported = ledger.size();
    return out;
}

void OwnerJobs::resume() {
    Result<std::vector<MigrationRecord>> records;
    {
        std::lock_guard lock(m_shared.mutex);
        records = m_shared.state.migrations();
    }
    if (!records) {
        note(records.error().message);
        return;
    }
    for (const MailboxMigration& migration : m_config.migrations) {
        if (!is_self_service(migration))
            continue;
        Result<bool> held = [&] {
            std::lock_guard lock(m_shared.mutex);
            return m_vault.holds(migration.meta.name);
        }();
        bool completed = std::ranges::any_of(*records, [&](const MigrationRecord& record) {
            return record.name == migration.meta.name && record.status == TaskStatus::completed &&
                   record.identity == migration_identity(migration);
        });
        if (held && *held && !completed)
            submit(migration.meta.name);
    }
}

void OwnerJobs::submit(const std::string& name) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || !m_busy.insert(name).second)
            return;
        m_queue.push_back(name);
    }
    m_wake.notify_one();
}

bool OwnerJobs::busy(const std::string& name) {
    std::lock_guard lock(m_mutex);
    return m_busy.contains(name);
}

std::optional<LiveProgress> OwnerJobs::live(const std::string& name) {
    std::lock_guard lock(m_mutex);
    auto found = m_running.find(name);
    if (found == m_running.end())
        return std::nullopt;
    const MigrationProgress& progress = *found->second;
    return LiveProgress{progress.messages_done, progress.messages_total, progress.bytes_done,
                        progress.bytes_total};
}

void OwnerJobs::stop() {
    // The signal's waiter and the main thread both stop the server: one at a time, or both
    // would join the same threads.
    std::lock_guard stopping(m_stop_mutex);
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping && m_threads.empty())
            return;
        m_stopping = true;
        m_queue.clear();
        // As a worker whose lease went elsewhere: the copy ends before its next write and
        // records nothing more, so that the migration stays PENDING for the next start.
        for (auto& [name, progress] : m_running)
            progress->stop = MigrationProgress::lease_lost;
    }
    m_wake.notify_all();
    for (std::thread& thread : m_threads)
        if (thread.joinable())
            thread.join();
    m_threads.clear();
}

void OwnerJobs::work() {
    while (true) {
        std::string name;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping)
                return;
            name = std::move(m_queue.front());
            m_queue.pop_front();
        }
        if (const MailboxMigration* migration = find_migration(m_config, name)) {
            try {
                run_one(*migration);
            } catch (const std::exception& error) {
                note(fmt::format("{}: the copy stopped on an internal error: {}", name,
                                 error.what()));
            }
        }
        std::lock_guard lock(m_mutex);
        m_busy.erase(name);
        m_running.erase(name);
    }
}

void OwnerJobs::record(const MailboxMigration& migration, TaskStatus status, std::string message) {
    m_ledger.save(m_ledger.without_run(migration, status, std::move(message)));
}

void OwnerJobs::run_one(const MailboxMigration& migration) {
    const std::string& name = migration.meta.name;
    Result<std::optional<OwnerCredential>> credential = [&] {
        std::lock_guard lock(m_shared.mutex);
        return m_vault.read(name);
    }();
    if (!credential) {
        note(credential.error().message);
        record(migration, TaskStatus::error, credential.error().message);
        return;
    }
    if (!*credential)
        return; // wiped meanwhile (expired, or the owner's session replaced it)
    auto wipe = [&] {
        std::lock_guard lock(m_shared.mutex);
        if (Result<void> wiped = m_vault.wipe(name); !wiped)
            note(wiped.error().message);
    };
    if ((*credential)->expires_at <= unix_now()) {
        wipe();
        return record(migration, TaskStatus::error,
                      "the owner's credentials expired before the copy was done; invite the "
                      "owner again (mailsync invite)");
    }
    if ((*credential)->bound_to != source_binding(migration, m_config, (*credential)->kind)) {
        wipe();
        return record(migration, TaskStatus::error,
                      "the source changed since its owner handed over the credentials, so they "
                      "were not sent to it; invite the owner again (mailsync invite)");
    }
    MailboxMigration owned =
        with_owner_credential(migration, **credential, migration.source.auth->self_service->client);
    std::vector<Refusal> refusals = owner_refusals(migration, m_config, m_policy);
    if (!refusals.empty())
        return record(migration, TaskStatus::error,
                      fmt::format("{}; {}", refusal_text(refusals.front()), refusals.front().hint));
    auto progress = std::make_shared<MigrationProgress>();
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return;
        m_running[name] = progress;
    }
    MigrationOptions options;
    options.window_bytes = window_for(m_parallelism);
    MigrationOutcome outcome = run_migration(owned, m_config, m_ledger, *progress, options);
    if (outcome.status == TaskStatus::completed && progress->stop == MigrationProgress::go)
        wipe();
}

std::size_t OwnerJobs::sweep_expired() {
    // Every credential record, not only the configuration's: one of a migration since removed
    // or renamed is wiped at once, since nothing will ever copy with it.
    constexpr std::string_view prefix = "credential:";
    Result<std::vector<std::pair<std::string, std::string>>> records = [&] {
        std::lock_guard lock(m_shared.mutex);
        return m_shared.state.meta_with_prefix(std::string(prefix));
    }();
    if (!records) {
        note(records.error().message);
        return 0;
    }
    std::size_t wiped = 0;
    std::int64_t now = unix_now();
    for (const auto& entry : *records) {
        const std::string& key = entry.first;
        const std::string& value = entry.second;
        std::string name = key.substr(prefix.size());
        if (value.empty() || busy(name))
            continue;
        const MailboxMigration* migration = find_migration(m_config, name);
        bool orphan = migration == nullptr || !is_self_service(*migration);
        std::optional<std::int64_t> expires = credential_expiry(value);
        if (!orphan && expires && *expires > now)
            continue;
        // Only the record read: one the owner gave meanwhile stays.
        Result<bool> gone = false;
        {
            std::lock_guard lock(m_shared.mutex);
            gone = m_shared.state.replace_meta(key, value, "");
        }
        if (!gone) {
            note(gone.error().message);
            continue;
        }
        if (!*gone)
            continue;
        ++wiped;
        if (orphan)
            note(fmt::format("wiped the owner's credentials kept for '{}', which the "
                             "configuration no longer declares as a self-service migration",
                             name));
        else
            record(*migration, TaskStatus::error,
                   "the owner's credentials expired before the copy was done; invite the owner "
                   "again (mailsync invite)");
    }
    sweep_sessions(now);
    return wiped;
}

void OwnerJobs::sweep_sessions(std::int64_t now) {
    Result<std::vector<std::pair<std::string, std::string>>> sessions = [&] {
        std::lock_guard lock(m_shared.mutex);
        return m_shared.state.meta_with_prefix("owner-session:");
    }();
    if (!sessions)
        return note(sessions.error().message);
    for (const auto& [key, value] : *sessions) {
        nlohmann::json record = nlohmann::json::parse(value, nullptr, false);
        bool live = record.is_object() && record.contains("expires_at") &&
                    record["expires_at"].is_number_integer() &&
                    record["expires_at"].get<std::int64_t>() > now;
        if (value.empty() || live)
            continue;
        std::lock_guard lock(m_shared.mutex);
        if (Result<void> ended = m_shared.state.set_meta(key, ""); !ended)
            note(ended.error().message);
    }
}

} // namespace mailsync
