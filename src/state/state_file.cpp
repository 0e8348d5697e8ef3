// The state file on disk: made and opened without following symbolic links, its schema, and
// where its key lives (in the state, or outside it with only a check kept in the state).
#include "state/state.hpp"

#include <cerrno>
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
  last_uid INTEGER NOT NULL, PRIMARY KEY (name, folder));
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

// A value of the meta table, or nullopt.
Result<std::optional<std::string>> meta_value(sql::Database& db, const char* key) {
    auto select = db.prepare("SELECT value FROM meta WHERE key = ?");
    if (!select)
        return std::unexpected(select.error());
    select->bind(1, std::string_view(key));
    Result<bool> row = select->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<std::string>();
    return std::optional<std::string>(select->text(0));
}

Result<void> set_meta(sql::Database& db, const char* key, const std::string& value) {
    auto insert = db.prepare("INSERT OR REPLACE INTO meta VALUES (?, ?)");
    if (!insert)
        return std::unexpected(insert.error());
    insert->bind(1, std::string_view(key)).bind(2, value);
    return insert->run();
}

// The key the state was made with and whether it lives outside. A new state takes the key
// given, keeping only its check, or makes a random one that it keeps.
struct SettledKey {
    std::string value;
    bool external = false;
};
Result<SettledKey> settle_key(sql::Database& db, const std::string& path,
                              const std::optional<StateKey>& given) {
    auto transaction = sql::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    Result<std::optional<std::string>> source = meta_value(db, "key_source");
    Result<std::optional<std::string>> kept = meta_value(db, "hmac_key");
    Result<std::optional<std::string>> check = meta_value(db, "key_check");
    if (!source || !kept || !check)
        return fail(fmt::format("state {}: cannot read its key", path));
    if (*source == "external") {
        if (!given)
            return fail(fmt::format("the state {} was written with a key kept outside it "
                                    "(MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE); set it",
                                    path));
        if (!*check || state_key_check(given->value) != **check)
            return fail(fmt::format("the key does not match the state {}: the key of {} is not "
                                    "the one it was written with",
                                    path, given->source));
        return SettledKey{given->value, true};
    }
    if (*kept) {
        if (given && given->value != **kept)
            return fail(fmt::format(
                "the state {} keeps its own key, and the key of {} is another one; move the "
                "state's key out with 'mailsync state export-key --out FILE' (run without {} "
                "set) and give that file instead",
                path, given->source, given->source));
        return SettledKey{**kept, false};
    }
    SettledKey made{given ? given->value : to_hex(random_bytes(32)), given.has_value()};
    Result<void> stored = made.external ? set_meta(db, "key_source", "external")
                                        : set_meta(db, "hmac_key", made.value);
    if (stored && made.external)
        stored = set_meta(db, "key_check", state_key_check(made.value));
    if (!stored)
        return std::unexpected(stored.error());
    if (auto ok = transaction->commit(); !ok)
        return std::unexpected(ok.error());
    return made;
}

} // namespace

Result<StateStore> StateStore::open(const std::string& path) {
    Result<std::optional<StateKey>> key = state_key_from_environment();
    if (!key)
        return std::unexpected(key.error());
    return open(path, *key);
}

Result<StateStore> StateStore::open(const std::string& path, const std::optional<StateKey>& key) {
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
    if (auto ok = db->exec(schema_sql); !ok)
        return fail(fmt::format("state {}: {}", path, ok.error().message));
    Result<SettledKey> settled = settle_key(*db, path, key);
    if (!settled)
        return std::unexpected(settled.error());
    return StateStore(std::move(*db), std::move(settled->value), settled->external);
}

Result<std::optional<std::string>> StateStore::meta(const std::string& key) {
    return meta_value(m_db, key.c_str());
}

Result<void> StateStore::set_meta(const std::string& key, const std::string& value) {
    return mailsync::set_meta(m_db, key.c_str(), value);
}

Result<void> StateStore::export_key(const std::string& out) {
    if (m_key_external)
        return fail(fmt::format("the state {} keeps no key: it was written with a key kept "
                                "outside it (MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE)",
                                path()));
    struct stat info {};
    if (::lstat(out.c_str(), &info) == 0)
        return fail(fmt::format("{} already exists; export-key writes a new file only", out));
    if (auto written = write_file_atomic(out, m_key + "\n", 0600); !written)
        return written;
    {
        // secure_delete zeroes the key's bytes instead of leaving them in a free page.
        if (auto ok = m_db.exec("PRAGMA secure_delete=ON"); !ok)
            return ok;
        auto transaction = sql::Transaction::begin(m_db);
        if (!transaction)
            return std::unexpected(transaction.error());
        if (auto ok = m_db.exec("DELETE FROM meta WHERE key = 'hmac_key'"); !ok)
            return ok;
        if (auto ok = mailsync::set_meta(m_db, "key_source", "external"); !ok)
            return ok;
        if (auto ok = mailsync::set_meta(m_db, "key_check", state_key_check(m_key)); !ok)
            return ok;
        if (auto ok = transaction->commit(); !ok)
            return ok;
    }
    // The old pages may still be in the write-ahead log: rewrite the file and empty the log.
    if (auto ok = m_db.exec("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);"); !ok)
        return ok;
    m_key_external = true;
    return {};
}

} // namespace mailsync
