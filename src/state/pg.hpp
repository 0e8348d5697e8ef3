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
    // A statement whose answer is read later, by the next call: a write that need not wait
    // for the server. Once such a write fails, every later call fails with its error. The
    // statement is prepared on its first use, so that the server parses and plans it once.
    Result<void> send(const std::string& sql, const Params& params);
    // Reads the answer of a write sent before, if any.
    Result<void> settle();
    // Statements without parameters and without rows, separated by ';'.
    Result<void> exec(const std::string& sql);

    // An identifier quoted for SQL.
    std::string quote_identifier(std::string_view name) const;

private:
    Connection(pg_conn* handle, std::string where) : m_handle(handle), m_where(std::move(where)) {}
    std::unexpected<Error> failure(pg_result* result);

    pg_conn* m_handle = nullptr;
    std::string m_where;
    bool m_in_flight = false;                      // a write's answer is still to read
    std::optional<Error> m_failed;                 // the error of a write sent before
    std::map<std::string, std::string> m_prepared; // statement → its prepared name
};

// A PostgreSQL array literal of texts ("{"a","b\"c"}"), for a parameter cast to text[].
std::string array_literal(const std::vector<std::string>& items);

} // namespace mailsync::pg
