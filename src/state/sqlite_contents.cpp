// The whole of a SQLite state read at once and written at once, for `state migrate`.
#include "state/sqlite_state.hpp"

#include <fmt/format.h>

namespace mailsync {

namespace {

// NULL for an empty text, as the state writes a time not yet known.
void bind_time(sql::Statement& statement, int index, const std::string& time) {
    if (time.empty())
        statement.bind_null(index);
    else
        statement.bind(index, time);
}

} // namespace

Result<StateContents> SqliteState::contents() {
    StateContents out;
    {
        auto select = m_db.prepare("SELECT key, value FROM meta WHERE key != 'schema_version'");
        if (!select)
            return std::unexpected(select.error());
        if (auto ok = select->each([&] { out.meta[select->text(0)] = select->text(1); }); !ok)
            return std::unexpected(ok.error());
    }
    Result<std::vector<ManagedObject>> objects = managed();
    Result<std::map<FingerprintKey, std::string>> prints = fingerprints();
    Result<std::vector<MigrationRecord>> tasks = migrations();
    if (!objects || !prints || !tasks)
        return fail(fmt::format("state {}: cannot read it", location()));
    out.managed = std::move(*objects);
    out.fingerprints = std::move(*prints);
    out.migrations = std::move(*tasks);
    {
        auto select = m_db.prepare("SELECT id, command, target, started_at, "
                                   "coalesce(finished_at, ''), status FROM runs ORDER BY "
                                   "started_at, id");
        if (!select)
            return std::unexpected(select.error());
        Result<void> read = select->each([&] {
            out.runs.push_back({select->text(0),
                                select->text(1),
                                select->text(2),
                                select->text(3),
                                select->text(4),
                                select->text(5),
                                {}});
        });
        if (!read)
            return std::unexpected(read.error());
    }
    for (RunRecord& record : out.runs) {
        Result<std::vector<JournalEntry>> entries = journal(record.id);
        if (!entries)
            return std::unexpected(entries.error());
        record.entries = std::move(*entries);
    }
    {
        auto select = m_db.prepare("SELECT name, folder, uidvalidity, last_uid, modseq FROM "
                                   "migration_folders");
        if (!select)
            return std::unexpected(select.error());
        Result<void> read = select->each([&] {
            out.folders[{select->text(0), select->text(1)}] = {
                select->integer(2), select->integer(3), select->integer(4)};
        });
        if (!read)
            return std::unexpected(read.error());
    }
    {
        auto select = m_db.prepare(
            "SELECT secret, endpoint, bound_at FROM secret_bindings ORDER BY secret, endpoint");
        if (!select)
            return std::unexpected(select.error());
        Result<void> read = select->each([&] {
            out.bindings.push_back({select->text(0), select->text(1), select->text(2)});
        });
        if (!read)
            return std::unexpected(read.error());
    }
    return out;
}

Result<void> SqliteState::replace_contents(const StateContents& contents) {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    if (auto ok = m_db.exec("DELETE FROM journal; DELETE FROM runs; DELETE FROM managed; "
                            "DELETE FROM fingerprints; DELETE FROM migration_folders; "
                            "DELETE FROM migrations; DELETE FROM secret_bindings; "
                            "DELETE FROM meta WHERE key != 'schema_version';");
        !ok)
        return ok;
    for (const auto& [key, value] : contents.meta)
        if (auto ok = set_meta(key, value); !ok)
            return ok;
    auto object = m_db.prepare("INSERT INTO managed VALUES (?, ?, ?)");
    auto print = m_db.prepare("INSERT INTO fingerprints VALUES (?, ?, ?, ?)");
    auto run = m_db.prepare("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)");
    auto entry = m_db.prepare("INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto task = m_db.prepare("INSERT INTO migrations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto folder = m_db.prepare("INSERT INTO migration_folders VALUES (?, ?, ?, ?, ?)");
    auto binding = m_db.prepare("INSERT INTO secret_bindings VALUES (?, ?, ?)");
    for (auto* prepared : {&object, &print, &run, &entry, &task, &folder, &binding})
        if (!*prepared)
            return std::unexpected(prepared->error());
    Result<void> ok;
    for (const ManagedObject& item : contents.managed) {
        object->bind(1, kind_name(item.kind)).bind(2, item.name).bind(3, item.target_id);
        if (ok = object->run(); !ok)
            return ok;
    }
    for (const auto& [key, value] : contents.fingerprints) {
        const auto& [kind, name, field] = key;
        print->bind(1, kind_name(kind)).bind(2, name).bind(3, field).bind(4, value);
        if (ok = print->run(); !ok)
            return ok;
    }
    for (const RunRecord& record : contents.runs) {
        run->bind(1, record.id).bind(2, record.command).bind(3, record.target);
        run->bind(4, record.started_at);
        bind_time(*run, 5, record.finished_at);
        run->bind(6, record.status);
        if (ok = run->run(); !ok)
            return ok;
        for (const JournalEntry& item : record.entries) {
            entry->bind(1, record.id).bind(2, static_cast<std::int64_t>(item.seq));
            entry->bind(3, kind_name(item.kind)).bind(4, item.name).bind(5, item.action);
            entry->bind(6, status_name(item.status)).bind(7, item.message);
            bind_time(*entry, 8, item.started_at);
            bind_time(*entry, 9, item.finished_at);
            if (ok = entry->run(); !ok)
                return ok;
        }
    }
    for (const MigrationRecord& item : contents.migrations) {
        task->bind(1, item.name).bind(2, item.identity).bind(3, status_name(item.status));
        task->bind(4, item.message).bind(5, item.messages_done).bind(6, item.bytes_done);
        task->bind(7, item.messages_total).bind(8, item.bytes_total).bind(9, item.updated_at);
        if (ok = task->run(); !ok)
            return ok;
    }
    for (const auto& [key, progress] : contents.folders) {
        folder->bind(1, key.first).bind(2, key.second).bind(3, progress.uidvalidity);
        folder->bind(4, progress.last_uid).bind(5, progress.modseq);
        if (ok = folder->run(); !ok)
            return ok;
    }
    for (const BindingRecord& item : contents.bindings) {
        binding->bind(1, item.secret).bind(2, item.endpoint).bind(3, item.bound_at);
        if (ok = binding->run(); !ok)
            return ok;
    }
    return transaction->commit();
}

} // namespace mailsync
