// The only code calling libpq's C API: a connection and a query's rows, as small RAII types.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

struct pg_conn;
struct pg_result;

namespace mailsync::pg {

// A query's answer, every value as text.
class Rows {
public:
    explicit Rows(pg_result* result);
    Rows(Rows&&) noexcept;
    Rows& operator=(Rows&&) noexcept;
    ~Rows();

    int size() const;
    std::string text(int row, int column) const;
    std::int64_t integer(int row, int column) const;
    bool is_null(int row, int column) const;

private:
    pg_result* m_result = nullptr;
};

// Parameters of a query: nullopt is NULL.
using Params = std::vector<std::optional<std::string>>;

class Connection {
public:
    // Connects with a libpq connection string or URL, as given; PG* variables and .pgpass as
    // libpq reads them. `where` names the database in messages (its password hidden).
    static Result<Connection> connect(const std::string& conninfo, const std::string& where);
    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();

    // One statement with $1... parameters, sent and answered in one round trip.
    Result<Rows> query(const std::string& sql, const Params& params = {});
    // A statement whose answer is read later: a write that need not wait for the server.
    // Writes are queued in libpq's pipeline mode and their answers read together by the next
    // query, exec or settle (or after `max_pipelined` writes), so that many writes cost one
    // round trip; between two such reads they form one implicit transaction. Once a write
    // fails, every later call fails with its error. The statement is prepared on its first
    // use, so that the server parses and plans it once.
    Result<void> send(const std::string& sql, const Params& params);
    // Reads the answers of the writes sent before, if any, and leaves pipeline mode.
    Result<void> settle();

    // Writes queued before their answers are read.
    static constexpr int max_pipelined = 1024;
    // Statements without parameters and without rows, separated by ';'.
    Result<void> exec(const std::string& sql);

    // An identifier quoted for SQL.
    std::string quote_identifier(std::string_view name) const;

private:
    Connection(pg_conn* handle, std::string where) : m_handle(handle), m_where(std::move(where)) {}
    std::unexpected<Error> failure(pg_result* result);

    pg_conn* m_handle = nullptr;
    std::string m_where;
    int m_in_flight = 0;                           // writes whose answers are still to read
    std::optional<Error> m_failed;                 // the error of a write sent before
    std::map<std::string, std::string> m_prepared; // statement → its prepared name
};

// A PostgreSQL array literal of texts ("{"a","b\"c"}"), for a parameter cast to text[].
std::string array_literal(const std::vector<std::string>& items);

} // namespace mailsync::pg
