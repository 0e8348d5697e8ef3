// The records of the SQLite state: each call one statement or one transaction.
#include "state/sqlite_state.hpp"

#include <cerrno>
#include <csignal>
#include <unistd.h>

#include <fmt/format.h>

namespace mailsync {

namespace {

bool process_alive(long pid) {
    return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

std::optional<Kind> kind_from(const std::string& text) {
    return parse_kind(text);
}

std::unexpected<Error> fail_with(const std::string& path, const Error& error) {
    return fail(fmt::format("state {}: {}", path, error.message));
}

} // namespace

Result<std::vector<ManagedObject>> SqliteState::managed() {
    auto select = m_db.prepare("SELECT kind, name, target_id FROM managed ORDER BY kind, name");
    if (!select)
        return std::unexpected(select.error());
    std::vector<ManagedObject> out;
    Result<void> read = select->each([&] {
        if (std::optional<Kind> kind = kind_from(select->text(0)))
            out.push_back({*kind, select->text(1), select->text(2)});
    });
    if (!read)
        return std::unexpected(read.error());
    return out;
}

Result<std::map<FingerprintKey, std::string>> SqliteState::fingerprints() {
    auto select = m_db.prepare("SELECT kind, name, field, fingerprint FROM fingerprints");
    if (!select)
        return std::unexpected(select.error());
    std::map<FingerprintKey, std::string> out;
    Result<void> read = select->each([&] {
        if (std::optional<Kind> kind = kind_from(select->text(0)))
            out[{*kind, select->text(1), select->text(2)}] = select->text(3);
    });
    if (!read)
        return std::unexpected(read.error());
    return out;
}

Result<LockAttempt> SqliteState::try_lock(const LockHolder& me) {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return fail_with(location(), transaction.error());
    LockAttempt attempt;
    {
        auto select = m_db.prepare("SELECT run_id, pid, host, since FROM lock WHERE id = 1");
        if (!select)
            return std::unexpected(select.error());
        Result<bool> row = select->step();
        if (!row)
            return std::unexpected(row.error());
        if (*row) {
            LockHolder held{select->text(0), select->integer(1), select->text(2), select->text(3)};
            // A lock whose process is gone from this host is stale.
            if (held.host != state_host_name() || process_alive(held.pid))
                return LockAttempt{false, describe(held), std::nullopt};
            attempt.taken_over = describe(held);
        }
    }
    auto insert = m_db.prepare("INSERT OR REPLACE INTO lock VALUES (1, ?, ?, ?, ?)");
    if (!insert)
        return std::unexpected(insert.error());
    insert->bind(1, me.run_id).bind(2, me.pid);
    insert->bind(3, me.host).bind(4, me.since);
    if (auto ok = insert->run(); !ok)
        return fail_with(location(), ok.error());
    if (auto ok = transaction->commit(); !ok)
        return std::unexpected(ok.error());
    attempt.taken = true;
    return attempt;
}

Result<void> SqliteState::unlock(const std::string& run_id) {
    auto remove = m_db.prepare("DELETE FROM lock WHERE id = 1 AND run_id = ?");
    if (!remove)
        return std::unexpected(remove.error());
    remove->bind(1, run_id);
    return remove->run();
}

Result<std::optional<std::string>> SqliteState::force_unlock() {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    std::optional<std::string> holder;
    {
        auto select = m_db.prepare("SELECT run_id, pid, host, since FROM lock WHERE id = 1");
        if (!select)
            return std::unexpected(select.error());
        if (select->step().value_or(false))
            holder = describe(
                LockHolder{select->text(0), select->integer(1), select->text(2), select->text(3)});
    }
    if (auto ok = m_db.exec("DELETE FROM lock"); !ok)
        return std::unexpected(ok.error());
    if (auto ok = transaction->commit(); !ok)
        return std::unexpected(ok.error());
    return holder;
}

Result<void> SqliteState::start_run(const std::string& run_id, const std::string& command,
                                    const std::string& target,
                                    const std::vector<JournalEntry>& entries) {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto run = m_db.prepare("INSERT INTO runs (id, command, target, started_at, status) "
                            "VALUES (?, ?, ?, ?, 'running')");
    if (!run)
        return std::unexpected(run.error());
    run->bind(1, run_id).bind(2, command).bind(3, target).bind(4, state_time_now());
    if (auto ok = run->run(); !ok)
        return ok;
    auto entry = m_db.prepare("INSERT INTO journal (run_id, seq, kind, name, action, status) "
                              "VALUES (?, ?, ?, ?, ?, 'NEW')");
    if (!entry)
        return std::unexpected(entry.error());
    for (const JournalEntry& item : entries) {
        entry->bind(1, run_id).bind(2, static_cast<std::int64_t>(item.seq));
        entry->bind(3, kind_name(item.kind)).bind(4, item.name).bind(5, item.action);
        if (auto ok = entry->run(); !ok)
            return ok;
    }
    return transaction->commit();
}

Result<void> SqliteState::set_status(const std::string& run_id, int seq, TaskStatus status,
                                     const std::string& message, bool finished) {
    auto update =
        m_db.prepare(finished ? "UPDATE journal SET status = ?, message = ?, finished_at = ? "
                                "WHERE run_id = ? AND seq = ?"
                              : "UPDATE journal SET status = ?, message = ?, started_at = ? "
                                "WHERE run_id = ? AND seq = ?");
    if (!update)
        return std::unexpected(update.error());
    update->bind(1, status_name(status)).bind(2, message).bind(3, state_time_now());
    update->bind(4, run_id).bind(5, static_cast<std::int64_t>(seq));
    return update->run();
}

Result<void> SqliteState::mark_pending(const std::string& run_id, int seq) {
    return set_status(run_id, seq, TaskStatus::pending, "", false);
}

Result<void> SqliteState::mark_error(const std::string& run_id, int seq,
                                     const std::string& message) {
    return set_status(run_id, seq, TaskStatus::error, message, true);
}

Result<void> SqliteState::mark_completed(const std::string& run_id, int seq,
                                         const StateChange& change, const std::string& message) {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    std::string kind(kind_name(change.kind));
    if (change.target_id && !change.previous_name.empty()) {
        // A rename: the old name's entry and fingerprints become the new name's.
        for (const char* sql : {"DELETE FROM fingerprints WHERE kind = ? AND name = ?",
                                "DELETE FROM managed WHERE kind = ? AND name = ?"}) {
            auto clear = m_db.prepare(sql);
            if (!clear)
                return std::unexpected(clear.error());
            clear->bind(1, kind).bind(2, change.name);
            if (auto ok = clear->run(); !ok)
                return ok;
        }
        for (const char* sql : {"UPDATE fingerprints SET name = ? WHERE kind = ? AND name = ?",
                                "UPDATE managed SET name = ? WHERE kind = ? AND name = ?"}) {
            auto rename = m_db.prepare(sql);
            if (!rename)
                return std::unexpected(rename.error());
            rename->bind(1, change.name).bind(2, kind).bind(3, change.previous_name);
            if (auto ok = rename->run(); !ok)
                return ok;
        }
    }
    if (change.target_id) {
        auto upsert = m_db.prepare("INSERT OR REPLACE INTO managed VALUES (?, ?, ?)");
        if (!upsert)
            return std::unexpected(upsert.error());
        upsert->bind(1, kind).bind(2, change.name).bind(3, *change.target_id);
        if (auto ok = upsert->run(); !ok)
            return ok;
        auto print = m_db.prepare("INSERT OR REPLACE INTO fingerprints VALUES (?, ?, ?, ?)");
        if (!print)
            return std::unexpected(print.error());
        for (const auto& [field, fingerprint] : change.fingerprints) {
            print->bind(1, kind).bind(2, change.name).bind(3, field).bind(4, fingerprint);
            if (auto ok = print->run(); !ok)
                return ok;
        }
        auto clear = m_db.prepare("DELETE FROM fingerprints WHERE kind = ? AND name = ? AND "
                                  "field = ?");
        if (!clear)
            return std::unexpected(clear.error());
        for (const std::string& field : change.cleared) {
            clear->bind(1, kind).bind(2, change.name).bind(3, field);
            if (auto ok = clear->run(); !ok)
                return ok;
        }
    } else {
        for (const char* table : {"managed", "fingerprints"}) {
            auto remove =
                m_db.prepare(fmt::format("DELETE FROM {} WHERE kind = ? AND name = ?", table));
            if (!remove)
                return std::unexpected(remove.error());
            remove->bind(1, kind).bind(2, change.name);
            if (auto ok = remove->run(); !ok)
                return ok;
        }
    }
    if (auto ok = set_status(run_id, seq, TaskStatus::completed, message, true); !ok)
        return ok;
    return transaction->commit();
}

Result<void> SqliteState::finish_run(const std::string& run_id, const std::string& status) {
    auto update = m_db.prepare("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?");
    if (!update)
        return std::unexpected(update.error());
    update->bind(1, status).bind(2, state_time_now()).bind(3, run_id);
    return update->run();
}

Result<std::optional<RunRecord>> SqliteState::run(const std::optional<std::string>& run_id) {
    auto select = m_db.prepare(
        run_id ? "SELECT id, command, target, started_at, coalesce(finished_at, ''), status "
                 "FROM runs WHERE id = ?"
               : "SELECT id, command, target, started_at, coalesce(finished_at, ''), status "
                 "FROM runs ORDER BY started_at DESC, id DESC LIMIT 1");
    if (!select)
        return std::unexpected(select.error());
    if (run_id)
        select->bind(1, *run_id);
    Result<bool> row = select->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<RunRecord>();
    RunRecord record{select->text(0),
                     select->text(1),
                     select->text(2),
                     select->text(3),
                     select->text(4),
                     select->text(5),
                     {}};
    Result<std::vector<JournalEntry>> entries = journal(record.id);
    if (!entries)
        return std::unexpected(entries.error());
    record.entries = std::move(*entries);
    return std::optional<RunRecord>(std::move(record));
}

Result<std::vector<RunRecord>> SqliteState::runs(std::size_t limit) {
    auto select = m_db.prepare("SELECT id, command, target, started_at, coalesce(finished_at, ''), "
                               "status FROM runs ORDER BY started_at DESC, id DESC LIMIT ?");
    if (!select)
        return std::unexpected(select.error());
    select->bind(1, static_cast<std::int64_t>(limit));
    std::vector<RunRecord> out;
    Result<void> read = select->each([&] {
        out.push_back({select->text(0),
                       select->text(1),
                       select->text(2),
                       select->text(3),
                       select->text(4),
                       select->text(5),
                       {}});
    });
    if (!read)
        return std::unexpected(read.error());
    return out;
}

Result<std::vector<JournalEntry>> SqliteState::journal(const std::string& run_id) {
    auto entries =
        m_db.prepare("SELECT seq, kind, name, action, status, message, coalesce(started_at, ''), "
                     "coalesce(finished_at, '') FROM journal WHERE run_id = ? ORDER BY seq");
    if (!entries)
        return std::unexpected(entries.error());
    entries->bind(1, run_id);
    std::vector<JournalEntry> out;
    Result<void> read = entries->each([&] {
        JournalEntry entry;
        entry.seq = static_cast<int>(entries->integer(0));
        entry.kind = kind_from(entries->text(1)).value_or(Kind::oauth2_client);
        entry.name = entries->text(2);
        entry.action = entries->text(3);
        entry.status = status_from(entries->text(4));
        entry.message = entries->text(5);
        entry.started_at = entries->text(6);
        entry.finished_at = entries->text(7);
        out.push_back(std::move(entry));
    });
    if (!read)
        return std::unexpected(read.error());
    return out;
}

Result<std::vector<MigrationRecord>> SqliteState::migrations() {
    auto select = m_db.prepare("SELECT name, identity, status, message, messages_done, bytes_done, "
                               "messages_total, bytes_total, updated_at FROM migrations ORDER BY "
                               "name");
    if (!select)
        return std::unexpected(select.error());
    std::vector<MigrationRecord> out;
    Result<void> read = select->each([&] {
        MigrationRecord record;
        record.name = select->text(0);
        record.identity = select->text(1);
        record.status = status_from(select->text(2));
        record.message = select->text(3);
        record.messages_done = select->integer(4);
        record.bytes_done = select->integer(5);
        record.messages_total = select->integer(6);
        record.bytes_total = select->integer(7);
        record.updated_at = select->text(8);
        out.push_back(std::move(record));
    });
    if (!read)
        return std::unexpected(read.error());
    return out;
}

Result<void> SqliteState::save_migration(const MigrationRecord& record) {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    // Progress recorded for another source or destination does not hold for this one.
    auto forget = m_db.prepare("DELETE FROM migration_folders WHERE name = ?1 AND EXISTS (SELECT "
                               "1 FROM migrations WHERE name = ?1 AND identity != ?2)");
    if (!forget)
        return std::unexpected(forget.error());
    forget->bind(1, record.name).bind(2, record.identity);
    if (auto ok = forget->run(); !ok)
        return ok;
    auto upsert = m_db.prepare(
        "INSERT OR REPLACE INTO migrations (name, identity, status, message, messages_done, "
        "bytes_done, messages_total, bytes_total, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!upsert)
        return std::unexpected(upsert.error());
    upsert->bind(1, record.name)
        .bind(2, record.identity)
        .bind(3, status_name(record.status))
        .bind(4, record.message)
        .bind(5, record.messages_done)
        .bind(6, record.bytes_done)
        .bind(7, record.messages_total)
        .bind(8, record.bytes_total)
        .bind(9, state_time_now());
    if (auto ok = upsert->run(); !ok)
        return ok;
    return transaction->commit();
}

Result<std::map<std::string, FolderProgress>>
SqliteState::folder_progress(const std::string& name, const std::string& identity) {
    auto select = m_db.prepare("SELECT f.folder, f.uidvalidity, f.last_uid, f.modseq FROM "
                               "migration_folders f JOIN migrations m ON m.name = f.name WHERE "
                               "f.name = ? AND m.identity = ?");
    if (!select)
        return std::unexpected(select.error());
    select->bind(1, name).bind(2, identity);
    std::map<std::string, FolderProgress> out;
    Result<void> read = select->each([&] {
        out[select->text(0)] =
            FolderProgress{select->integer(1), select->integer(2), select->integer(3)};
    });
    if (!read)
        return std::unexpected(read.error());
    return out;
}

Result<void> SqliteState::save_folder_progress(const std::string& name, const std::string& folder,
                                               const FolderProgress& progress) {
    auto upsert = m_db.prepare("INSERT OR REPLACE INTO migration_folders (name, folder, "
                               "uidvalidity, last_uid, modseq) VALUES (?, ?, ?, ?, ?)");
    if (!upsert)
        return std::unexpected(upsert.error());
    upsert->bind(1, name).bind(2, folder).bind(3, progress.uidvalidity).bind(4, progress.last_uid);
    upsert->bind(5, progress.modseq);
    return upsert->run();
}

Result<std::set<std::pair<std::string, std::string>>> SqliteState::secret_bindings() {
    auto select = m_db.prepare("SELECT secret, endpoint FROM secret_bindings");
    if (!select)
        return std::unexpected(select.error());
    std::set<std::pair<std::string, std::string>> out;
    Result<void> read = select->each([&] { out.emplace(select->text(0), select->text(1)); });
    if (!read)
        return std::unexpected(read.error());
    return out;
}

Result<void>
SqliteState::bind_secrets(const std::vector<std::pair<std::string, std::string>>& bindings) {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto insert = m_db.prepare("INSERT OR IGNORE INTO secret_bindings VALUES (?, ?, ?)");
    if (!insert)
        return std::unexpected(insert.error());
    std::string now = state_time_now();
    for (const auto& [secret, endpoint] : bindings) {
        insert->bind(1, secret).bind(2, endpoint).bind(3, now);
        if (auto ok = insert->run(); !ok)
            return ok;
    }
    return transaction->commit();
}

} // namespace mailsync
