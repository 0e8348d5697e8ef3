// The whole of a PostgreSQL state read at once and written at once, for `state migrate`: one
// statement per table, whatever the number of rows.
#include "state/postgres_state.hpp"

#include <fmt/format.h>

namespace mailsync {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

// Columns gathered as arrays, one per column, for unnest().
struct Columns {
    std::vector<std::vector<std::string>> items;
    explicit Columns(std::size_t count) : items(count) {}
    void add(std::vector<std::string> row) {
        for (std::size_t i = 0; i < items.size(); ++i)
            items[i].push_back(std::move(row[i]));
    }
    pg::Params params() const {
        pg::Params out;
        for (const std::vector<std::string>& column : items)
            out.push_back(pg::array_literal(column));
        return out;
    }
};

} // namespace

Result<StateContents> PostgresState::contents() {
    Lock guard(m_mutex);
    StateContents out;
    Result<pg::Rows> meta = m_db.query("SELECT key, value FROM meta WHERE key != 'schema_version'");
    Result<pg::Rows> runs = m_db.query("SELECT id, command, target, started_at, "
                                       "coalesce(finished_at, ''), status FROM runs ORDER BY "
                                       "started_at COLLATE \"C\", id COLLATE \"C\"");
    Result<pg::Rows> entries = m_db.query(
        "SELECT run_id, seq, kind, name, action, status, message, coalesce(started_at, ''), "
        "coalesce(finished_at, '') FROM journal ORDER BY run_id, seq");
    Result<pg::Rows> folders =
        m_db.query("SELECT name, folder, uidvalidity, last_uid, modseq FROM migration_folders");
    Result<pg::Rows> bindings = m_db.query("SELECT secret, endpoint, bound_at FROM "
                                           "secret_bindings ORDER BY secret COLLATE \"C\", "
                                           "endpoint COLLATE \"C\"");
    for (const Result<pg::Rows>* rows : {&meta, &runs, &entries, &folders, &bindings})
        if (!*rows)
            return std::unexpected(rows->error());
    Result<std::vector<ManagedObject>> objects = managed();
    Result<std::map<FingerprintKey, std::string>> prints = fingerprints();
    Result<std::vector<MigrationRecord>> tasks = migrations();
    if (!objects || !prints || !tasks)
        return fail(fmt::format("state {}: cannot read it", m_location));
    out.managed = std::move(*objects);
    out.fingerprints = std::move(*prints);
    out.migrations = std::move(*tasks);
    for (int i = 0; i < meta->size(); ++i)
        out.meta[meta->text(i, 0)] = meta->text(i, 1);
    std::map<std::string, std::size_t> run_index;
    for (int i = 0; i < runs->size(); ++i) {
        run_index[runs->text(i, 0)] = out.runs.size();
        out.runs.push_back({runs->text(i, 0),
                            runs->text(i, 1),
                            runs->text(i, 2),
                            runs->text(i, 3),
                            runs->text(i, 4),
                            runs->text(i, 5),
                            {}});
    }
    for (int i = 0; i < entries->size(); ++i) {
        auto found = run_index.find(entries->text(i, 0));
        if (found == run_index.end())
            continue;
        out.runs[found->second].entries.push_back(
            {static_cast<int>(entries->integer(i, 1)),
             parse_kind(entries->text(i, 2)).value_or(Kind::oauth2_client), entries->text(i, 3),
             entries->text(i, 4), status_from(entries->text(i, 5)), entries->text(i, 6),
             entries->text(i, 7), entries->text(i, 8)});
    }
    for (int i = 0; i < folders->size(); ++i)
        out.folders[{folders->text(i, 0), folders->text(i, 1)}] = {
            folders->integer(i, 2), folders->integer(i, 3), folders->integer(i, 4)};
    for (int i = 0; i < bindings->size(); ++i)
        out.bindings.push_back({bindings->text(i, 0), bindings->text(i, 1), bindings->text(i, 2)});
    return out;
}

Result<void> PostgresState::replace_contents(const StateContents& contents) {
    Lock guard(m_mutex);
    Columns meta(2), objects(3), prints(4), runs(6), entries(9), tasks(9), folders(5), bindings(3);
    for (const auto& [key, value] : contents.meta)
        meta.add({key, value});
    for (const ManagedObject& item : contents.managed)
        objects.add({std::string(kind_name(item.kind)), item.name, item.target_id});
    for (const auto& [key, value] : contents.fingerprints)
        prints.add(
            {std::string(kind_name(std::get<0>(key))), std::get<1>(key), std::get<2>(key), value});
    for (const RunRecord& record : contents.runs) {
        runs.add({record.id, record.command, record.target, record.started_at, record.finished_at,
                  record.status});
        for (const JournalEntry& item : record.entries)
            entries.add({record.id, std::to_string(item.seq), std::string(kind_name(item.kind)),
                         item.name, item.action, std::string(status_name(item.status)),
                         item.message, item.started_at, item.finished_at});
    }
    for (const MigrationRecord& item : contents.migrations)
        tasks.add({item.name, item.identity, std::string(status_name(item.status)), item.message,
                   std::to_string(item.messages_done), std::to_string(item.bytes_done),
                   std::to_string(item.messages_total), std::to_string(item.bytes_total),
                   item.updated_at});
    for (const auto& [key, progress] : contents.folders)
        folders.add({key.first, key.second, std::to_string(progress.uidvalidity),
                     std::to_string(progress.last_uid), std::to_string(progress.modseq)});
    for (const BindingRecord& item : contents.bindings)
        bindings.add({item.secret, item.endpoint, item.bound_at});

    struct Step {
        const char* sql;
        const Columns* columns;
    };
    const Step steps[] = {
        {"INSERT INTO meta SELECT * FROM unnest($1::text[], $2::text[])", &meta},
        {"INSERT INTO managed SELECT * FROM unnest($1::text[], $2::text[], $3::text[])", &objects},
        {"INSERT INTO fingerprints SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
         "$4::text[])",
         &prints},
        {"INSERT INTO runs SELECT r.id, r.command, r.target, r.started_at, "
         "nullif(r.finished_at, ''), r.status FROM unnest($1::text[], $2::text[], $3::text[], "
         "$4::text[], $5::text[], $6::text[]) AS r(id, command, target, started_at, finished_at, "
         "status)",
         &runs},
        {"INSERT INTO journal SELECT j.run_id, j.seq::int, j.kind, j.name, j.action, j.status, "
         "j.message, nullif(j.started_at, ''), nullif(j.finished_at, '') FROM unnest($1::text[], "
         "$2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
         "$9::text[]) AS j(run_id, seq, kind, name, action, status, message, started_at, "
         "finished_at)",
         &entries},
        {"INSERT INTO migrations SELECT m.name, m.identity, m.status, m.message, "
         "m.md::bigint, m.bd::bigint, m.mt::bigint, m.bt::bigint, m.updated_at FROM "
         "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
         "$7::text[], $8::text[], $9::text[]) AS m(name, identity, status, message, md, bd, mt, "
         "bt, updated_at)",
         &tasks},
        {"INSERT INTO migration_folders SELECT f.name, f.folder, f.v::bigint, f.u::bigint, "
         "f.m::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS "
         "f(name, folder, v, u, m)",
         &folders},
        {"INSERT INTO secret_bindings SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
         &bindings},
    };
    if (auto ok = m_db.exec("BEGIN; SET LOCAL synchronous_commit TO on; DELETE FROM journal; "
                            "DELETE FROM runs; DELETE FROM managed; "
                            "DELETE FROM fingerprints; DELETE FROM migration_folders; DELETE "
                            "FROM migrations; DELETE FROM secret_bindings; DELETE FROM meta "
                            "WHERE key != 'schema_version'");
        !ok) {
        (void)m_db.exec("ROLLBACK");
        return ok;
    }
    for (const Step& step : steps) {
        if (auto ok = m_db.query(step.sql, step.columns->params()); !ok) {
            (void)m_db.exec("ROLLBACK");
            return std::unexpected(ok.error());
        }
    }
    return m_db.exec("COMMIT");
}

} // namespace mailsync
