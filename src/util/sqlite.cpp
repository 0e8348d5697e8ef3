#include "util/sqlite.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>

namespace mailsync::sql {

Result<Database> Database::open(const std::string& path, Links links) {
    sqlite3* handle = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (links == Links::refuse)
        flags |= SQLITE_OPEN_NOFOLLOW;
    if (sqlite3_open_v2(path.c_str(), &handle, flags, nullptr) != SQLITE_OK) {
        std::string message = handle ? sqlite3_errmsg(handle) : "out of memory";
        sqlite3_close(handle);
        return fail(fmt::format("cannot open {}: {}", path, message));
    }
    sqlite3_busy_timeout(handle, 10000);
    Database db(handle, path);
    // WAL with synchronous NORMAL survives a killed process; each commit is not an fsync.
    // Switching a new file to WAL takes an exclusive lock without waiting on the busy handler,
    // so processes opening one file at once retry for as long as the busy timeout.
    for (int attempt = 0;; ++attempt) {
        auto ok = db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                          "PRAGMA foreign_keys=ON;");
        if (ok)
            break;
        int code = sqlite3_errcode(handle) & 0xff;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || attempt >= 500)
            return std::unexpected(ok.error());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return db;
}

Database::Database(Database&& other) noexcept
    : m_handle(other.m_handle), m_path(std::move(other.m_path)) {
    other.m_handle = nullptr;
}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close(m_handle);
        m_handle = other.m_handle;
        m_path = std::move(other.m_path);
        other.m_handle = nullptr;
    }
    return *this;
}

Database::~Database() {
    sqlite3_close(m_handle);
}

Result<void> Database::exec(std::string_view sql) {
    char* message = nullptr;
    std::string text(sql);
    if (sqlite3_exec(m_handle, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string error = message ? message : sqlite3_errmsg(m_handle);
        sqlite3_free(message);
        return fail(fmt::format("{}: {}", m_path, error));
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* handle = nullptr;
    if (sqlite3_prepare_v2(m_handle, sql.data(), static_cast<int>(sql.size()), &handle, nullptr) !=
        SQLITE_OK)
        return fail(fmt::format("{}: {}", m_path, sqlite3_errmsg(m_handle)));
    return Statement(handle, m_handle);
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(m_handle);
}
int Database::changes() const {
    return sqlite3_changes(m_handle);
}

Statement::Statement(Statement&& other) noexcept : m_handle(other.m_handle), m_db(other.m_db) {
    other.m_handle = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_handle);
        m_handle = other.m_handle;
        m_db = other.m_db;
        other.m_handle = nullptr;
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(m_handle);
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(m_handle, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t number) {
    sqlite3_bind_int64(m_handle, index, number);
    return *this;
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(m_handle, index);
    return *this;
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(m_handle);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return fail(sqlite3_errmsg(m_db));
}

Result<void> Statement::run() {
    Result<bool> more = step();
    while (more && *more)
        more = step();
    reset();
    if (!more)
        return std::unexpected(more.error());
    return {};
}

void Statement::reset() {
    sqlite3_reset(m_handle);
    sqlite3_clear_bindings(m_handle);
}

std::string Statement::text(int column) const {
    const unsigned char* value = sqlite3_column_text(m_handle, column);
    int size = sqlite3_column_bytes(m_handle, column);
    return value ? std::string(reinterpret_cast<const char*>(value), static_cast<std::size_t>(size))
                 : std::string();
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_handle, column);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(m_handle, column) == SQLITE_NULL;
}

Result<Transaction> Transaction::begin(Database& db) {
    if (auto ok = db.exec("BEGIN IMMEDIATE"); !ok)
        return std::unexpected(ok.error());
    return Transaction(db);
}

Transaction::~Transaction() {
    if (m_db != nullptr)
        (void)m_db->exec("ROLLBACK");
}

Result<void> Transaction::commit() {
    Database* db = m_db;
    m_db = nullptr;
    return db->exec("COMMIT");
}

} // namespace mailsync::sql
