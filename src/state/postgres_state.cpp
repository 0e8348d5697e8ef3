// The records of the PostgreSQL state: each call one statement, one round trip, where it can
// (a completed action's managed object, fingerprints and journal entry in one). The journal's
// writes during a run are sent without waiting for their answer, which the next call reads: the
// round trip overlaps the target's write, and a failed write fails every later call.
#include "state/postgres_state.hpp"

#include <fmt/format.h>

namespace mailsync {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

// ORDER BY as SQLite sorts text (bytes), whatever the database's collation.
constexpr const char* bytes = "COLLATE \"C\"";

Result<void> done(const Result<pg::Rows>& rows) {
    if (!rows)
        return std::unexpected(rows.error());
    return {};
}

} // namespace

Result<std::vector<ManagedObject>> PostgresState::managed() {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query(fmt::format(
        "SELECT kind, name, target_id FROM managed ORDER BY kind {0}, name {0}", bytes));
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<ManagedObject> out;
    out.reserve(static_cast<std::size_t>(rows->size()));
    for (int i = 0; i < rows->size(); ++i)
        if (std::optional<Kind> kind = parse_kind(rows->text(i, 0)))
            out.push_back({*kind, rows->text(i, 1), rows->text(i, 2)});
    return out;
}

Result<std::map<FingerprintKey, std::string>> PostgresState::fingerprints() {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query("SELECT kind, name, field, fingerprint FROM fingerprints");
    if (!rows)
        return std::unexpected(rows.error());
    std::map<FingerprintKey, std::string> out;
    for (int i = 0; i < rows->size(); ++i)
        if (std::optional<Kind> kind = parse_kind(rows->text(i, 0)))
            out[{*kind, rows->text(i, 1), rows->text(i, 2)}] = rows->text(i, 3);
    return out;
}

Result<void> PostgresState::start_run(const std::string& run_id, const std::string& command,
                                      const std::string& target,
                                      const std::vector<JournalEntry>& entries) {
    Lock guard(m_mutex);
    std::vector<std::string> seqs, kinds, names, actions;
    for (const JournalEntry& entry : entries) {
        seqs.push_back(std::to_string(entry.seq));
        kinds.emplace_back(kind_name(entry.kind));
        names.push_back(entry.name);
        actions.push_back(entry.action);
    }
    return done(m_db.query(
        "WITH run AS (INSERT INTO runs (id, command, target, started_at, status) VALUES ($1, $2, "
        "$3, $4, 'running')) INSERT INTO journal (run_id, seq, kind, name, action, status) "
        "SELECT $1, e.seq, e.kind, e.name, e.action, 'NEW' FROM unnest($5::int[], $6::text[], "
        "$7::text[], $8::text[]) AS e(seq, kind, name, action)",
        {run_id, command, target, state_time_now(), pg::array_literal(seqs),
         pg::array_literal(kinds), pg::array_literal(names), pg::array_literal(actions)}));
}

Result<void> PostgresState::set_status(const std::string& run_id, int seq, TaskStatus status,
                                       const std::string& message, bool finished) {
    Lock guard(m_mutex);
    return m_db.send(
        finished ? "UPDATE journal SET status = $1, message = $2, finished_at "
                   "= $3 WHERE run_id = $4 AND seq = $5"
                 : "UPDATE journal SET status = $1, message = $2, started_at "
                   "= $3 WHERE run_id = $4 AND seq = $5",
        {std::string(status_name(status)), message, state_time_now(), run_id, std::to_string(seq)});
}

Result<void> PostgresState::mark_pending(const std::string& run_id, int seq) {
    return set_status(run_id, seq, TaskStatus::pending, "", false);
}

Result<void> PostgresState::mark_error(const std::string& run_id, int seq,
                                       const std::string& message) {
    return set_status(run_id, seq, TaskStatus::error, message, true);
}

Result<void> PostgresState::mark_completed(const std::string& run_id, int seq,
                                           const StateChange& change, const std::string& message) {
    Lock guard(m_mutex);
    std::string kind(kind_name(change.kind));
    const char* journal = "UPDATE journal SET status = 'COMPLETED', message = $3, finished_at = "
                          "$4 WHERE run_id = $5 AND seq = $6";
    if (!change.target_id)
        return m_db.send(
            fmt::format("WITH object AS (DELETE FROM managed WHERE kind = $1 AND name = $2), "
                        "prints AS (DELETE FROM fingerprints WHERE kind = $1 AND name = $2) {}",
                        journal),
            {kind, change.name, message, state_time_now(), run_id, std::to_string(seq)});
    if (!change.previous_name.empty()) {
        // A rename: the old name's entry and fingerprints become the new name's, before the
        // write below (statements of one pipeline run in order).
        for (const char* sql : {"DELETE FROM fingerprints WHERE kind = $1 AND name = $2",
                                "DELETE FROM managed WHERE kind = $1 AND name = $2",
                                "UPDATE fingerprints SET name = $2 WHERE kind = $1 AND name = $3",
                                "UPDATE managed SET name = $2 WHERE kind = $1 AND name = $3"}) {
            pg::Params parameters{kind, change.name};
            if (std::string_view(sql).starts_with("UPDATE"))
                parameters.push_back(change.previous_name);
            if (auto sent = m_db.send(sql, parameters); !sent)
                return sent;
        }
    }
    std::vector<std::string> fields, values;
    for (const auto& [field, value] : change.fingerprints) {
        fields.push_back(field);
        values.push_back(value);
    }
    return m_db.send(
        fmt::format(
            "WITH object AS (INSERT INTO managed VALUES ($1, $2, $7) ON CONFLICT (kind, name) DO "
            "UPDATE SET target_id = EXCLUDED.target_id), prints AS (INSERT INTO fingerprints "
            "SELECT $1, $2, p.field, p.value FROM unnest($8::text[], $9::text[]) AS p(field, "
            "value) ON CONFLICT (kind, name, field) DO UPDATE SET fingerprint = "
            "EXCLUDED.fingerprint), cleared AS (DELETE FROM fingerprints WHERE kind = $1 AND "
            "name = $2 AND field = ANY($10::text[])) {}",
            journal),
        {kind, change.name, message, state_time_now(), run_id, std::to_string(seq),
         *change.target_id, pg::array_literal(fields), pg::array_literal(values),
         pg::array_literal(change.cleared)});
}

Result<void> PostgresState::finish_run(const std::string& run_id, const std::string& status) {
    Lock guard(m_mutex);
    return done(m_db.query("UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3",
                           {status, state_time_now(), run_id}));
}

Result<std::optional<RunRecord>> PostgresState::run(const std::optional<std::string>& run_id) {
    Lock guard(m_mutex);
    const char* columns = "SELECT id, command, target, started_at, coalesce(finished_at, ''), "
                          "status FROM runs ";
    Result<pg::Rows> rows =
        run_id ? m_db.query(std::string(columns) + "WHERE id = $1", {*run_id})
               : m_db.query(fmt::format("{0} ORDER BY started_at {1} DESC, id {1} DESC LIMIT 1",
                                        columns, bytes));
    if (!rows)
        return std::unexpected(rows.error());
    if (rows->size() == 0)
        return std::optional<RunRecord>();
    RunRecord record{rows->text(0, 0),
                     rows->text(0, 1),
                     rows->text(0, 2),
                     rows->text(0, 3),
                     rows->text(0, 4),
                     rows->text(0, 5),
                     {}};
    Result<std::vector<JournalEntry>> entries = journal(record.id);
    if (!entries)
        return std::unexpected(entries.error());
    record.entries = std::move(*entries);
    return std::optional<RunRecord>(std::move(record));
}

Result<std::vector<RunRecord>> PostgresState::runs(std::size_t limit) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows =
        m_db.query(fmt::format("SELECT id, command, target, started_at, "
                               "coalesce(finished_at, ''), status FROM runs ORDER BY started_at "
                               "{0} DESC, id {0} DESC LIMIT {1}",
                               bytes, limit));
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<RunRecord> out;
    for (int i = 0; i < rows->size(); ++i)
        out.push_back({rows->text(i, 0),
                       rows->text(i, 1),
                       rows->text(i, 2),
                       rows->text(i, 3),
                       rows->text(i, 4),
                       rows->text(i, 5),
                       {}});
    return out;
}

Result<std::vector<JournalEntry>> PostgresState::journal(const std::string& run_id) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows =
        m_db.query("SELECT seq, kind, name, action, status, message, coalesce(started_at, ''), "
                   "coalesce(finished_at, '') FROM journal WHERE run_id = $1 ORDER BY seq",
                   {run_id});
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<JournalEntry> out;
    for (int i = 0; i < rows->size(); ++i)
        out.push_back({static_cast<int>(rows->integer(i, 0)),
                       parse_kind(rows->text(i, 1)).value_or(Kind::oauth2_client), rows->text(i, 2),
                       rows->text(i, 3), status_from(rows->text(i, 4)), rows->text(i, 5),
                       rows->text(i, 6), rows->text(i, 7)});
    return out;
}

Result<std::vector<MigrationRecord>> PostgresState::migrations() {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query(
        fmt::format("SELECT name, identity, status, message, messages_done, bytes_done, "
                    "messages_total, bytes_total, updated_at FROM migrations ORDER BY name {}",
                    bytes));
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<MigrationRecord> out;
    for (int i = 0; i < rows->size(); ++i)
        out.push_back({rows->text(i, 0), rows->text(i, 1), status_from(rows->text(i, 2)),
                       rows->text(i, 3), rows->integer(i, 4), rows->integer(i, 5),
                       rows->integer(i, 6), rows->integer(i, 7), rows->text(i, 8)});
    return out;
}

Result<void> PostgresState::save_migration(const MigrationRecord& record) {
    Lock guard(m_mutex);
    // Progress recorded for another source or destination does not hold for this one. A fenced
    // worker writes only while it holds the lease ($10; empty: not fenced), or the record of a
    // mailbox it gave up.
    return done(m_db.query(
        "WITH fence AS (SELECT $10 = '' OR EXISTS (SELECT 1 FROM migration_queue WHERE name = $1 "
        "AND holder = $10 AND (lease_until > now() OR state = 'failed')) AS holds), forget AS "
        "(DELETE FROM "
        "migration_folders WHERE name = $1 AND (SELECT holds FROM fence) AND EXISTS (SELECT 1 "
        "FROM migrations WHERE name = $1 AND identity != $2)) INSERT INTO migrations SELECT $1, "
        "$2, $3, $4, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9 WHERE (SELECT holds FROM "
        "fence) ON CONFLICT (name) DO UPDATE SET identity = "
        "EXCLUDED.identity, status = EXCLUDED.status, message = EXCLUDED.message, messages_done "
        "= EXCLUDED.messages_done, bytes_done = EXCLUDED.bytes_done, messages_total = "
        "EXCLUDED.messages_total, bytes_total = EXCLUDED.bytes_total, updated_at = "
        "EXCLUDED.updated_at",
        {record.name, record.identity, std::string(status_name(record.status)), record.message,
         std::to_string(record.messages_done), std::to_string(record.bytes_done),
         std::to_string(record.messages_total), std::to_string(record.bytes_total),
         state_time_now(), m_fence}));
}

Result<std::map<std::string, FolderProgress>>
PostgresState::folder_progress(const std::string& name, const std::string& identity) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query(
        "SELECT f.folder, f.uidvalidity, f.last_uid, f.modseq FROM migration_folders f JOIN "
        "migrations m ON "
        "m.name = f.name WHERE f.name = $1 AND m.identity = $2",
        {name, identity});
    if (!rows)
        return std::unexpected(rows.error());
    std::map<std::string, FolderProgress> out;
    for (int i = 0; i < rows->size(); ++i)
        out[rows->text(i, 0)] =
            FolderProgress{rows->integer(i, 1), rows->integer(i, 2), rows->integer(i, 3)};
    return out;
}

Result<void> PostgresState::save_folder_progress(const std::string& name, const std::string& folder,
                                                 const FolderProgress& progress) {
    Lock guard(m_mutex);
    return done(m_db.query(
        "INSERT INTO migration_folders SELECT $1, $2, $3::bigint, $4::bigint, $5::bigint WHERE $6 "
        "= '' OR EXISTS (SELECT 1 FROM migration_queue WHERE name = $1 AND holder = $6 AND "
        "(lease_until > now() OR state = 'failed')) ON CONFLICT (name, folder) DO UPDATE SET "
        "uidvalidity = "
        "EXCLUDED.uidvalidity, last_uid = EXCLUDED.last_uid, modseq = EXCLUDED.modseq",
        {name, folder, std::to_string(progress.uidvalidity), std::to_string(progress.last_uid),
         std::to_string(progress.modseq), m_fence}));
}

void PostgresState::fence_migrations(const std::string& holder) {
    Lock guard(m_mutex);
    m_fence = holder;
}

Result<std::set<std::pair<std::string, std::string>>> PostgresState::secret_bindings() {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query("SELECT secret, endpoint FROM secret_bindings");
    if (!rows)
        return std::unexpected(rows.error());
    std::set<std::pair<std::string, std::string>> out;
    for (int i = 0; i < rows->size(); ++i)
        out.emplace(rows->text(i, 0), rows->text(i, 1));
    return out;
}

Result<void>
PostgresState::bind_secrets(const std::vector<std::pair<std::string, std::string>>& bindings) {
    Lock guard(m_mutex);
    std::vector<std::string> secrets, endpoints;
    for (const auto& [secret, endpoint] : bindings) {
        secrets.push_back(secret);
        endpoints.push_back(endpoint);
    }
    return done(
        m_db.query("INSERT INTO secret_bindings SELECT b.secret, b.endpoint, $3 FROM "
                   "unnest($1::text[], $2::text[]) AS b(secret, endpoint) ON CONFLICT "
                   "DO NOTHING",
                   {pg::array_literal(secrets), pg::array_literal(endpoints), state_time_now()}));
}

} // namespace mailsync
