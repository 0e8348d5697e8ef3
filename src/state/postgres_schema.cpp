// The PostgreSQL state's namespace: connecting, its schema made, versioned and upgraded, its
// key, and its lock.
#include "state/postgres_state.hpp"

#include <fmt/format.h>

#include "util/crypto.hpp"

namespace mailsync {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

// upgrades[n] turns schema version n into n + 1; version 0 is an empty namespace.
const std::vector<const char*> upgrades = {
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE managed (
  kind TEXT NOT NULL, name TEXT NOT NULL, target_id TEXT NOT NULL,
  PRIMARY KEY (kind, name));
CREATE TABLE fingerprints (
  kind TEXT NOT NULL, name TEXT NOT NULL, field TEXT NOT NULL, fingerprint TEXT NOT NULL,
  PRIMARY KEY (kind, name, field));
CREATE TABLE runs (
  id TEXT PRIMARY KEY, command TEXT NOT NULL, target TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL);
CREATE TABLE journal (
  run_id TEXT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,
  kind TEXT NOT NULL, name TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '', started_at TEXT, finished_at TEXT,
  PRIMARY KEY (run_id, seq));
CREATE TABLE migrations (
  name TEXT PRIMARY KEY, identity TEXT NOT NULL, status TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '', messages_done BIGINT NOT NULL DEFAULT 0,
  bytes_done BIGINT NOT NULL DEFAULT 0, messages_total BIGINT NOT NULL DEFAULT 0,
  bytes_total BIGINT NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
CREATE TABLE migration_folders (
  name TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity BIGINT NOT NULL,
  last_uid BIGINT NOT NULL, PRIMARY KEY (name, folder));
CREATE TABLE secret_bindings (
  secret TEXT NOT NULL, endpoint TEXT NOT NULL, bound_at TEXT NOT NULL,
  PRIMARY KEY (secret, endpoint));
CREATE TABLE lock (
  id INTEGER PRIMARY KEY CHECK (id = 1), run_id TEXT NOT NULL, pid BIGINT NOT NULL,
  host TEXT NOT NULL, since TEXT NOT NULL);
)sql",
    // 2: the source's HIGHESTMODSEQ per folder (delta passes), and the workers' queue, whose
    // leases run by the server's clock so that the workers' clocks need not agree.
    R"sql(
ALTER TABLE migration_folders ADD COLUMN modseq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE migration_queue (
  name TEXT PRIMARY KEY, state TEXT NOT NULL, holder TEXT NOT NULL DEFAULT '',
  claimed_at TEXT NOT NULL DEFAULT '', lease_until TIMESTAMPTZ,
  attempts INTEGER NOT NULL DEFAULT 0);
)sql",
};

// The first key of mailsync's advisory locks ("mail" and "msch" in ASCII).
constexpr std::int32_t run_lock_class = 0x6d61696c;
constexpr std::int32_t setup_lock_class = 0x6d736368;

} // namespace

Result<std::unique_ptr<PostgresState>> PostgresState::open(const StateLocation& location) {
    Result<pg::Connection> db = pg::Connection::connect(location.address, location.display);
    if (!db)
        return std::unexpected(db.error());
    std::unique_ptr<PostgresState> state(
        new PostgresState(std::move(*db), location.display, "mailsync_" + location.name_space));
    if (auto ok = state->prepare_schema(); !ok)
        return std::unexpected(ok.error());
    return state;
}

std::pair<std::int32_t, std::int32_t> PostgresState::lock_key(bool setup) const {
    std::string digest = sha256_hex(m_schema);
    auto low =
        static_cast<std::int32_t>(std::stoul(digest.substr(0, 8), nullptr, 16) & 0x7fffffffU);
    return {setup ? setup_lock_class : run_lock_class, low};
}

Result<void> PostgresState::prepare_schema() {
    std::string schema = m_db.quote_identifier(m_schema);
    auto [lock_class, lock_id] = lock_key(true);
    // Two first uses at once: the second waits for the first's tables.
    if (auto ok = m_db.exec("BEGIN"); !ok)
        return ok;
    Result<pg::Rows> found =
        m_db.query("SELECT pg_advisory_xact_lock($1::int, $2::int), to_regclass($3) IS NOT NULL",
                   {std::to_string(lock_class), std::to_string(lock_id), schema + ".meta"});
    if (!found)
        return std::unexpected(found.error());
    int version = 0;
    if (found->text(0, 1) == "t") {
        Result<pg::Rows> stored = m_db.query(
            fmt::format("SELECT value FROM {}.meta WHERE key = 'schema_version'", schema));
        if (!stored)
            return std::unexpected(stored.error());
        version = stored->size() == 1 ? std::atoi(stored->text(0, 0).c_str()) : 1;
    }
    if (version > state_schema_version) {
        (void)m_db.exec("ROLLBACK");
        return fail(newer_schema(m_location, version));
    }
    if (version < state_schema_version) {
        std::string steps = fmt::format("CREATE SCHEMA IF NOT EXISTS {}; SET LOCAL search_path "
                                        "TO {};",
                                        schema, schema);
        for (int from = version; from < state_schema_version; ++from)
            steps += upgrades.at(static_cast<std::size_t>(from));
        steps += fmt::format("INSERT INTO meta VALUES ('schema_version', '{}') ON CONFLICT (key) "
                             "DO UPDATE SET value = EXCLUDED.value;",
                             state_schema_version);
        if (auto ok = m_db.exec(steps); !ok) {
            (void)m_db.exec("ROLLBACK");
            return fail(fmt::format("{} (making or upgrading its tables from version {})",
                                    ok.error().message, version));
        }
    }
    if (auto ok = m_db.exec("COMMIT"); !ok)
        return ok;
    // Writes are as durable as the SQLite state's (WAL, synchronous=NORMAL): a crash of the
    // server may lose the last moments, never corrupt; the next plan adopts by name.
    return m_db.exec(fmt::format("SET search_path TO {}; SET synchronous_commit TO off", schema));
}

Result<std::optional<std::string>> PostgresState::meta(const std::string& key) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query("SELECT value FROM meta WHERE key = $1", {key});
    if (!rows)
        return std::unexpected(rows.error());
    if (rows->size() == 0)
        return std::optional<std::string>();
    return std::optional<std::string>(rows->text(0, 0));
}

Result<std::vector<std::pair<std::string, std::string>>>
PostgresState::meta_with_prefix(const std::string& prefix) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query(
        "SELECT key, value FROM meta WHERE left(key, length($1)) = $1 ORDER BY key", {prefix});
    if (!rows)
        return std::unexpected(rows.error());
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < rows->size(); ++i)
        out.emplace_back(rows->text(i, 0), rows->text(i, 1));
    return out;
}

Result<bool> PostgresState::replace_meta(const std::string& key, const std::string& expected,
                                         const std::string& value) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows =
        m_db.query("UPDATE meta SET value = $1 WHERE key = $2 AND value = $3 RETURNING key",
                   {value, key, expected});
    if (!rows)
        return std::unexpected(rows.error());
    return rows->size() == 1;
}

Result<void> PostgresState::set_meta(const std::string& key, const std::string& value) {
    Lock guard(m_mutex);
    Result<pg::Rows> rows = m_db.query("INSERT INTO meta VALUES ($1, $2) ON CONFLICT (key) DO "
                                       "UPDATE SET value = EXCLUDED.value",
                                       {key, value});
    if (!rows)
        return std::unexpected(rows.error());
    return {};
}

Result<KeyDecision> PostgresState::decide_key(const std::optional<StateKey>& given) {
    Result<std::optional<std::string>> source = meta("key_source");
    Result<std::optional<std::string>> kept = meta("hmac_key");
    Result<std::optional<std::string>> check = meta("key_check");
    if (!source || !kept || !check)
        return fail(fmt::format("state {}: cannot read its key", m_location));
    return decide_state_key({*source, *kept, *check}, given, m_location);
}

Result<SettledKey> PostgresState::settle_key(const std::optional<StateKey>& given) {
    Lock guard(m_mutex);
    // A state that has its key is only read, so that a role that may only read can plan.
    Result<KeyDecision> decided = decide_key(given);
    if (!decided || decided->to_store.empty())
        return decided ? Result<SettledKey>(decided->key)
                       : Result<SettledKey>(std::unexpected(decided.error()));
    // A new state: two first uses at once must agree on one key.
    if (auto ok = m_db.exec("BEGIN; LOCK TABLE meta IN SHARE ROW EXCLUSIVE MODE"); !ok)
        return std::unexpected(ok.error());
    auto rollback = [&](Error error) {
        (void)m_db.exec("ROLLBACK");
        return std::unexpected(std::move(error));
    };
    decided = decide_key(given);
    if (!decided)
        return rollback(decided.error());
    for (const auto& [key, value] : decided->to_store)
        if (auto ok = set_meta(key, value); !ok)
            return rollback(ok.error());
    if (auto ok = m_db.exec("COMMIT"); !ok)
        return std::unexpected(ok.error());
    return decided->key;
}

Result<void> PostgresState::drop_kept_key(const std::string& key_check) {
    Lock guard(m_mutex);
    // PostgreSQL leaves a deleted row's bytes until VACUUM: run it on the table after.
    Result<pg::Rows> rows = m_db.query(
        "WITH gone AS (DELETE FROM meta WHERE key IN ('hmac_key', 'key_source', 'key_check')) "
        "INSERT INTO meta VALUES ('key_source', 'external'), ('key_check', $1)",
        {key_check});
    if (!rows)
        return std::unexpected(rows.error());
    return m_db.exec("VACUUM meta");
}

Result<LockAttempt> PostgresState::try_lock(const LockHolder& me) {
    Lock guard(m_mutex);
    auto [lock_class, lock_id] = lock_key(false);
    Result<pg::Rows> taken = m_db.query("SELECT pg_try_advisory_lock($1::int, $2::int)",
                                        {std::to_string(lock_class), std::to_string(lock_id)});
    if (!taken)
        return std::unexpected(taken.error());
    if (taken->text(0, 0) != "t") {
        Result<pg::Rows> row = m_db.query("SELECT run_id, pid, host, since FROM lock");
        if (!row)
            return std::unexpected(row.error());
        if (row->size() == 0)
            return LockAttempt{false, "another session that has not yet named itself",
                               std::nullopt};
        return LockAttempt{
            false,
            describe({row->text(0, 0), row->integer(0, 1), row->text(0, 2), row->text(0, 3)}),
            std::nullopt};
    }
    // The advisory lock is ours: a row left by a session that is gone is stale.
    Result<pg::Rows> old = m_db.query(
        "WITH old AS (SELECT run_id, pid, host, since FROM lock), put AS (INSERT INTO lock "
        "VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET run_id = EXCLUDED.run_id, "
        "pid = EXCLUDED.pid, host = EXCLUDED.host, since = EXCLUDED.since) SELECT * FROM old",
        {me.run_id, std::to_string(me.pid), me.host, me.since});
    if (!old)
        return std::unexpected(old.error());
    LockAttempt attempt{true, "", std::nullopt};
    if (old->size() == 1 && old->text(0, 0) != me.run_id)
        attempt.taken_over =
            describe({old->text(0, 0), old->integer(0, 1), old->text(0, 2), old->text(0, 3)});
    return attempt;
}

Result<void> PostgresState::unlock(const std::string& run_id) {
    Lock guard(m_mutex);
    auto [lock_class, lock_id] = lock_key(false);
    Result<pg::Rows> done = m_db.query(
        "WITH gone AS (DELETE FROM lock WHERE run_id = $1) SELECT pg_advisory_unlock($2::int, "
        "$3::int)",
        {run_id, std::to_string(lock_class), std::to_string(lock_id)});
    if (!done)
        return std::unexpected(done.error());
    return {};
}

Result<std::optional<std::string>> PostgresState::force_unlock() {
    Lock guard(m_mutex);
    auto [lock_class, lock_id] = lock_key(false);
    Result<pg::Rows> row = m_db.query(
        "WITH gone AS (DELETE FROM lock RETURNING run_id, pid, host, since) SELECT * FROM gone");
    // This session's own hold goes too.
    if (auto ok = m_db.exec("SELECT pg_advisory_unlock_all()"); !ok)
        return std::unexpected(ok.error());
    if (!row)
        return std::unexpected(row.error());
    std::optional<std::string> holder;
    if (row->size() == 1)
        holder = describe({row->text(0, 0), row->integer(0, 1), row->text(0, 2), row->text(0, 3)});
    // A session still holding the advisory lock (a run whose machine vanished without closing
    // its connection) is ended, which frees the lock.
    Result<pg::Rows> ended = m_db.query(
        "SELECT pid, pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND "
        "database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
        "classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2 AND granted AND "
        "pid != pg_backend_pid()",
        {std::to_string(lock_class), std::to_string(lock_id)});
    if (!ended)
        return std::unexpected(ended.error());
    if (ended->size() > 0)
        holder = fmt::format("{}; its PostgreSQL session (server pid {}) was ended",
                             holder.value_or("the lock"), ended->text(0, 0));
    return holder;
}

} // namespace mailsync
