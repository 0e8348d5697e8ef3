// The state file on disk: made and opened without following symbolic links, its schema, and
// where its key lives (in the state, or outside it with only a check kept in the state).
#include "state/sqlite_state.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/crypto.hpp"
#include "util/safe_file.hpp"

namespace mailsync {

namespace fs = std::filesystem;

namespace {

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS managed (
  kind TEXT NOT NULL, name TEXT NOT NULL, target_id TEXT NOT NULL,
  PRIMARY KEY (kind, name));
CREATE TABLE IF NOT EXISTS fingerprints (
  kind TEXT NOT NULL, name TEXT NOT NULL, field TEXT NOT NULL, fingerprint TEXT NOT NULL,
  PRIMARY KEY (kind, name, field));
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, command TEXT NOT NULL, target TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
  run_id TEXT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,
  kind TEXT NOT NULL, name TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '', started_at TEXT, finished_at TEXT,
  PRIMARY KEY (run_id, seq));
CREATE TABLE IF NOT EXISTS migrations (
  name TEXT PRIMARY KEY, identity TEXT NOT NULL, status TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '', messages_done INTEGER NOT NULL DEFAULT 0,
  bytes_done INTEGER NOT NULL DEFAULT 0, messages_total INTEGER NOT NULL DEFAULT 0,
  bytes_total INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS migration_folders (
  name TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL,
  last_uid INTEGER NOT NULL, modseq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (name, folder));
CREATE TABLE IF NOT EXISTS secret_bindings (
  secret TEXT NOT NULL, endpoint TEXT NOT NULL, bound_at TEXT NOT NULL,
  PRIMARY KEY (secret, endpoint));
CREATE TABLE IF NOT EXISTS lock (
  id INTEGER PRIMARY KEY CHECK (id = 1), run_id TEXT NOT NULL, pid INTEGER NOT NULL,
  host TEXT NOT NULL, since TEXT NOT NULL);
)sql";

// SQLite's files beside the state, which it opens by name.
constexpr const char* sibling_suffixes[] = {"-wal", "-shm", "-journal"};

std::unexpected<Error> link_refused(const std::string& what, const std::string& path,
                                    const std::string& hint) {
    return fail(fmt::format("the {} {} is a symbolic link; mailsync does not follow links for "
                            "its state ({})",
                            what, path, hint));
}

std::unexpected<Error> cannot_open(const std::string& path, int error) {
    return fail(fmt::format("state {}: {}", path, std::strerror(error)));
}

// Refuses a state folder that is a link; creates it 0700 when it is missing.
Result<void> prepare_folder(const std::string& path) {
    fs::path folder = fs::path(path).parent_path();
    if (folder.empty())
        return {};
    struct stat info {};
    if (::lstat(folder.c_str(), &info) == 0) {
        if (S_ISLNK(info.st_mode))
            return link_refused("state folder", folder.string(),
                                "replace the link with the folder, or give --state a path "
                                "without links");
        return {};
    }
    std::error_code error;
    if (folder.has_parent_path())
        fs::create_directories(folder.parent_path(), error);
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
        return fail(fmt::format("state {}: cannot create {}: {}", path, folder.string(),
                                std::strerror(errno)));
    if (is_symbolic_link(folder.string()))
        return link_refused("state folder", folder.string(), "made while mailsync created it");
    // A .mailsync folder made here keeps itself out of version control: the state below a
    // configuration must not be committed, where a pull request could edit it
    // (docs/security.md). Best effort; a folder made by someone else is left as it is.
    if (folder.filename() == ".mailsync")
        (void)write_new_file((folder / ".gitignore").string(),
                             "# Made by mailsync: its state and embedded target are not to be "
                             "committed.\n*\n",
                             0644);
    return {};
}

// Creates the state file 0600 (O_EXCL) or makes the one there 0600, never through a link, so
// that it is never readable by others, even before SQLite opens it.
Result<void> prepare_file(const std::string& path) {
    const char* hint = "replace the link with the file, or give --state a path without links";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? link_refused("state", path, hint) : cannot_open(path, errno);
    struct stat info {};
    bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    if (regular)
        ::fchmod(fd, 0600);
    ::close(fd);
    if (!regular)
        return fail(fmt::format("the state {} is not a regular file", path));
    return {};
}

// Refuses the state when SQLite's files beside it are links, which it would write through.
Result<void> refuse_linked_siblings(const std::string& path) {
    for (const char* suffix : sibling_suffixes) {
        std::string side = path + suffix;
        if (is_symbolic_link(side))
            return link_refused("state's file", side, "remove the link");
    }
    return {};
}

// Gives the files SQLite made beside the state its mode, without following links.
void restrict_siblings(const std::string& path) {
    for (const char* suffix : sibling_suffixes) {
        int fd = ::open((path + suffix).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            ::fchmod(fd, 0600);
            ::close(fd);
        }
    }
}

// The schema version of a state file that has a meta table, or nullopt for a new file. A file
// from before the version was recorded is version 1.
Result<std::optional<int>> stored_version(sql::Database& db) {
    auto table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
    if (!table)
        return std::unexpected(table.error());
    Result<bool> exists = table->step();
    if (!exists)
        return std::unexpected(exists.error());
    if (!*exists)
        return std::optional<int>();
    auto select = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'");
    if (!select)
        return std::unexpected(select.error());
    Result<bool> row = select->step();
    if (!row)
        return std::unexpected(row.error());
    return std::optional<int>(*row ? std::atoi(select->text(0).c_str()) : 1);
}

// The upgrades of the schema: upgrades[n] turns version n into n + 1, unless `done` finds it
// made already (a state of this build whose version row was lost reads as version 1). 2: the
// source's HIGHESTMODSEQ per folder, for delta passes.
struct Upgrade {
    const char* sql;
    const char* done;
};
const std::vector<Upgrade> upgrades = {
    {nullptr, nullptr},
    {"ALTER TABLE migration_folders ADD COLUMN modseq INTEGER NOT NULL DEFAULT 0",
     "SELECT 1 FROM pragma_table_info('migration_folders') WHERE name = 'modseq'"},
};

Result<bool> upgrade_done(sql::Database& db, const Upgrade& upgrade) {
    auto select = db.prepare(upgrade.done);
    if (!select)
        return std::unexpected(select.error());
    return select->step();
}

} // namespace

Result<std::unique_ptr<SqliteState>> SqliteState::open(const std::string& path) {
    if (auto ok = prepare_folder(path); !ok)
        return std::unexpected(ok.error());
    if (auto ok = refuse_linked_siblings(path); !ok)
        return std::unexpected(ok.error());
    if (auto ok = prepare_file(path); !ok)
        return std::unexpected(ok.error());
    Result<sql::Database> db = sql::Database::open(path, sql::Links::refuse);
    if (!db)
        return fail(fmt::format("state {}: {}", path, db.error().message));
    restrict_siblings(path);
    Result<std::optional<int>> version = stored_version(*db);
    if (!version)
        return fail(fmt::format("state {}: {}", path, version.error().message));
    if (*version && **version > state_schema_version)
        return fail(newer_schema(path, **version));
    std::unique_ptr<SqliteState> state(new SqliteState(std::move(*db)));
    sql::Database& opened = state->m_db;
    auto transaction = sql::Transaction::begin(opened);
    if (!transaction)
        return fail(fmt::format("state {}: {}", path, transaction.error().message));
    if (auto ok = opened.exec(schema_sql); !ok)
        return fail(fmt::format("state {}: {}", path, ok.error().message));
    for (int from = version->value_or(state_schema_version); from < state_schema_version; ++from) {
        const Upgrade& upgrade = upgrades.at(static_cast<std::size_t>(from));
        Result<bool> done = upgrade_done(opened, upgrade);
        Result<void> ok = !done   ? Result<void>(std::unexpected(done.error()))
                          : *done ? Result<void>()
                                  : opened.exec(upgrade.sql);
        if (!ok)
            return fail(fmt::format("state {}: upgrading the schema from version {}: {}", path,
                                    from, ok.error().message));
    }
    if (auto ok = state->set_meta("schema_version", std::to_string(state_schema_version)); !ok)
        return fail(fmt::format("state {}: {}", path, ok.error().message));
    if (auto ok = transaction->commit(); !ok)
        return fail(fmt::format("state {}: {}", path, ok.error().message));
    return state;
}

Result<std::optional<std::string>> SqliteState::meta(const std::string& key) {
    auto select = m_db.prepare("SELECT value FROM meta WHERE key = ?");
    if (!select)
        return std::unexpected(select.error());
    select->bind(1, key);
    Result<bool> row = select->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<std::string>();
    return std::optional<std::string>(select->text(0));
}

Result<void> SqliteState::set_meta(const std::string& key, const std::string& value) {
    auto insert = m_db.prepare("INSERT OR REPLACE INTO meta VALUES (?, ?)");
    if (!insert)
        return std::unexpected(insert.error());
    insert->bind(1, key).bind(2, value);
    return insert->run();
}

Result<std::vector<std::pair<std::string, std::string>>>
SqliteState::meta_with_prefix(const std::string& prefix) {
    auto select = m_db.prepare(
        "SELECT key, value FROM meta WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key");
    if (!select)
        return std::unexpected(select.error());
    select->bind(1, prefix);
    std::vector<std::pair<std::string, std::string>> out;
    while (true) {
        Result<bool> row = select->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            return out;
        out.emplace_back(select->text(0), select->text(1));
    }
}

Result<bool> SqliteState::replace_meta(const std::string& key, const std::string& expected,
                                       const std::string& value) {
    auto update = m_db.prepare("UPDATE meta SET value = ? WHERE key = ? AND value = ?");
    if (!update)
        return std::unexpected(update.error());
    update->bind(1, value).bind(2, key).bind(3, expected);
    if (Result<void> ran = update->run(); !ran)
        return std::unexpected(ran.error());
    return m_db.changes() == 1;
}

Result<SettledKey> SqliteState::settle_key(const std::optional<StateKey>& given) {
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    Result<std::optional<std::string>> source = meta("key_source");
    Result<std::optional<std::string>> kept = meta("hmac_key");
    Result<std::optional<std::string>> check = meta("key_check");
    if (!source || !kept || !check)
        return fail(fmt::format("state {}: cannot read its key", location()));
    Result<KeyDecision> decided = decide_state_key({*source, *kept, *check}, given, location());
    if (!decided)
        return std::unexpected(decided.error());
    for (const auto& [key, value] : decided->to_store)
        if (auto ok = set_meta(key, value); !ok)
            return std::unexpected(ok.error());
    if (auto ok = transaction->commit(); !ok)
        return std::unexpected(ok.error());
    return decided->key;
}

Result<void> SqliteState::drop_kept_key(const std::string& key_check) {
    {
        // secure_delete zeroes the key's bytes instead of leaving them in a free page.
        if (auto ok = m_db.exec("PRAGMA secure_delete=ON"); !ok)
            return ok;
        auto transaction = sql::Transaction::begin(m_db);
        if (!transaction)
            return std::unexpected(transaction.error());
        if (auto ok = m_db.exec("DELETE FROM meta WHERE key = 'hmac_key'"); !ok)
            return ok;
        if (auto ok = set_meta("key_source", "external"); !ok)
            return ok;
        if (auto ok = set_meta("key_check", key_check); !ok)
            return ok;
        if (auto ok = transaction->commit(); !ok)
            return ok;
    }
    // The old pages may still be in the write-ahead log: rewrite the file and empty the log.
    return m_db.exec("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
}

} // namespace mailsync
