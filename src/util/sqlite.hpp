// A small RAII wrapper over SQLite: nothing else in mailsync calls its C API.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace mailsync::sql {

class Statement;

// Whether opening a database may follow a symbolic link at its path.
enum class Links { follow, refuse };

// One connection. Opened in WAL mode with a busy timeout, so that readers and one writer in
// other processes wait for each other instead of failing.
class Database {
public:
    // Opens or creates the database; with Links::refuse a symbolic link at `path` is an error.
    static Result<Database> open(const std::string& path, Links links = Links::follow);
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();

    Result<void> exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    const std::string& path() const { return m_path; }

private:
    Database(sqlite3* handle, std::string path) : m_handle(handle), m_path(std::move(path)) {}
    sqlite3* m_handle = nullptr;
    std::string m_path;
    friend class Statement;
};

// A prepared statement; bind with 1-based indexes, then step.
class Statement {
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    ~Statement();

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t number);
    Statement& bind_null(int index);
    // True while a row is available; an error ends the iteration and is kept in error().
    Result<bool> step();
    // Runs to completion, for statements that return no rows.
    Result<void> run();
    // Calls `row()` for each row; stops at the first error.
    template <typename Row> Result<void> each(Row&& row) {
        while (true) {
            Result<bool> more = step();
            if (!more)
                return std::unexpected(more.error());
            if (!*more)
                return {};
            row();
        }
    }
    void reset();

    std::string text(int column) const;
    std::int64_t integer(int column) const;
    bool is_null(int column) const;

private:
    Statement(sqlite3_stmt* handle, sqlite3* db) : m_handle(handle), m_db(db) {}
    sqlite3_stmt* m_handle = nullptr;
    sqlite3* m_db = nullptr;
    friend class Database;
};

// Runs `BEGIN IMMEDIATE` now and `ROLLBACK` on destruction unless commit() was called.
class Transaction {
public:
    static Result<Transaction> begin(Database& db);
    Transaction(Transaction&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
    ~Transaction();
    Result<void> commit();

private:
    explicit Transaction(Database& db) : m_db(&db) {}
    Database* m_db;
};

} // namespace mailsync::sql
