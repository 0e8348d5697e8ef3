// The migration workers' queue in PostgreSQL: a worker takes a mailbox with SELECT ... FOR
// UPDATE SKIP LOCKED, so that workers taking at once never wait for each other nor take the
// same one, and holds it by a lease it renews; a mailbox whose lease ran out (its worker died)
// is taken by the next worker that asks. Leases count by the server's clock.
#include <map>

#include <fmt/format.h>

#include "state/postgres_state.hpp"

namespace mailsync {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

std::string seconds(std::chrono::seconds lease) {
    return std::to_string(lease.count());
}

} // namespace

Result<void> PostgresState::enqueue(const std::vector<std::string>& names) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows =
        m_db.query("INSERT INTO migration_queue (name, state) SELECT n, 'queued' FROM "
                   "unnest($1::text[]) AS n ON CONFLICT (name) DO NOTHING",
                   {pg::array_literal(names)});
    if (!rows)
        return std::unexpected(rows.error());
    return {};
}

Result<QueueClaims> PostgresState::claim(const std::vector<std::string>& names,
                                         const std::string& holder, std::chrono::seconds lease,
                                         std::int64_t max_attempts) {
    Lock guard(m_mutex);
    QueueClaims out;
    // Leases that ran out once too often: their workers died or froze each time (a message
    // that brings a worker down, say); they end failed rather than take down every worker.
    // Attempts count the first claim and each one of a lease that ran out, not the claims
    // after a pause or a release.
    Result<pg::Rows> given_up = m_db.query(
        "UPDATE migration_queue SET state = 'failed', lease_until = NULL, holder = $3 WHERE "
        "name = ANY($1::text[]) AND state = 'queued' AND lease_until < now() AND attempts >= "
        "$2::int AND holder <> $3 RETURNING name",
        {pg::array_literal(names), std::to_string(max_attempts), holder});
    if (!given_up)
        return std::unexpected(given_up.error());
    for (int i = 0; i < given_up->size(); ++i)
        out.given_up.push_back(given_up->text(i, 0));
    Result<pg::Rows> rows = m_db.query(
        "WITH free AS (SELECT name, holder, lease_until FROM migration_queue WHERE name = "
        "ANY($1::text[]) AND state = 'queued' AND (lease_until IS NULL OR lease_until < now()) "
        "ORDER BY name LIMIT 1 FOR UPDATE SKIP LOCKED) UPDATE migration_queue q SET holder = $2, "
        "claimed_at = $3, lease_until = now() + make_interval(secs => $4::int), attempts = CASE "
        "WHEN free.lease_until IS NOT NULL OR q.attempts = 0 THEN q.attempts + 1 ELSE "
        "q.attempts END FROM free WHERE q.name = free.name RETURNING q.name, CASE WHEN "
        "free.lease_until IS NULL THEN '' ELSE free.holder END",
        {pg::array_literal(names), holder, state_time_now(), seconds(lease)});
    if (!rows)
        return std::unexpected(rows.error());
    if (rows->size() > 0)
        out.claim = QueueClaim{rows->text(0, 0), rows->text(0, 1)};
    return out;
}

Result<std::vector<std::string>> PostgresState::renew(const std::string& holder,
                                                      std::chrono::seconds lease,
                                                      const std::vector<std::string>& names) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query(
        "UPDATE migration_queue SET lease_until = now() + make_interval(secs => $2::int) WHERE "
        "holder = $1 AND state = 'queued' AND lease_until > now() AND name = ANY($3::text[]) "
        "RETURNING name",
        {holder, seconds(lease), pg::array_literal(names)});
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<std::string> out;
    for (int i = 0; i < rows->size(); ++i)
        out.push_back(rows->text(i, 0));
    return out;
}

Result<void> PostgresState::release(const std::string& name, const std::string& holder,
                                    const std::string& state) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query(
        "UPDATE migration_queue SET lease_until = NULL, state = CASE WHEN state = 'queued' THEN "
        "$3 ELSE state END WHERE name = $1 AND holder = $2",
        {name, holder, state});
    if (!rows)
        return std::unexpected(rows.error());
    return {};
}

Result<std::size_t> PostgresState::queued(const std::vector<std::string>& names) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query(
        "SELECT count(*) FROM migration_queue WHERE name = ANY($1::text[]) AND state = 'queued'",
        {pg::array_literal(names)});
    if (!rows)
        return std::unexpected(rows.error());
    return static_cast<std::size_t>(rows->integer(0, 0));
}

Result<std::vector<QueueEntry>> PostgresState::queue() {
    Lock guard(m_mutex);
    Result<pg::Rows> rows =
        m_db.query("SELECT name, state, holder, claimed_at, coalesce(lease_until > now(), false), "
                   "attempts FROM migration_queue ORDER BY name COLLATE \"C\"");
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<QueueEntry> out;
    for (int i = 0; i < rows->size(); ++i)
        out.push_back({rows->text(i, 0), rows->text(i, 1), rows->text(i, 2), rows->text(i, 3),
                       rows->text(i, 4) == "t", rows->integer(i, 5)});
    return out;
}

Result<std::vector<std::string>> PostgresState::control(const std::vector<std::string>& names,
                                                        const std::string& action) {
    // Each action: the state it sets and the states it changes.
    static const std::map<std::string, std::pair<std::string, std::string>> actions = {
        {"retry", {"queued", "{paused,cancelled,done,failed}"}},
        {"pause", {"paused", "{queued}"}},
        {"resume", {"queued", "{paused}"}},
        {"cancel", {"cancelled", "{queued,paused}"}},
    };
    auto found = actions.find(action);
    if (found == actions.end())
        return fail(fmt::format("unknown queue action '{}'", action));
    Lock guard(m_mutex);
    // A mailbox no worker has seen yet enters the queue in the state asked for, retry as queued.
    // A retry counts its attempts from zero again.
    Result<pg::Rows> rows = m_db.query(
        "INSERT INTO migration_queue (name, state) SELECT n, $2 FROM unnest($1::text[]) AS n ON "
        "CONFLICT (name) DO UPDATE SET state = EXCLUDED.state, attempts = CASE WHEN $4 THEN 0 "
        "ELSE migration_queue.attempts END WHERE migration_queue.state = ANY($3::text[]) "
        "RETURNING name",
        {pg::array_literal(names), found->second.first, found->second.second,
         action == "retry" ? "true" : "false"});
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<std::string> out;
    for (int i = 0; i < rows->size(); ++i)
        out.push_back(rows->text(i, 0));
    return out;
}

} // namespace mailsync
