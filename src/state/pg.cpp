#include "state/pg.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <libpq-fe.h>

namespace mailsync::pg {

namespace {

// libpq's messages end with a new line and may run over several lines: one line.
std::string one_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    std::string out;
    for (char c : text) {
        if (c == '\n' || c == '\t')
            c = ' ';
        if (c != ' ' || out.empty() || out.back() != ' ')
            out += c;
    }
    return out;
}

// Notices (such as "schema already exists, skipping") are not for the user.
void ignore_notice(void*, const char*) {}

} // namespace

Rows::Rows(pg_result* result) : m_result(result) {}
Rows::Rows(Rows&& other) noexcept : m_result(other.m_result) {
    other.m_result = nullptr;
}
Rows& Rows::operator=(Rows&& other) noexcept {
    std::swap(m_result, other.m_result);
    return *this;
}
Rows::~Rows() {
    if (m_result != nullptr)
        PQclear(m_result);
}

int Rows::size() const {
    return PQntuples(m_result);
}

std::string Rows::text(int row, int column) const {
    return std::string(PQgetvalue(m_result, row, column),
                       static_cast<std::size_t>(PQgetlength(m_result, row, column)));
}

std::int64_t Rows::integer(int row, int column) const {
    return std::strtoll(PQgetvalue(m_result, row, column), nullptr, 10);
}

bool Rows::is_null(int row, int column) const {
    return PQgetisnull(m_result, row, column) != 0;
}

Result<Connection> Connection::connect(const std::string& conninfo, const std::string& where) {
    // A server that never answers should not hang a run: 10 s unless PGCONNECT_TIMEOUT or the
    // URL says otherwise (the URL's values come after, so they win).
    std::vector<const char*> keys;
    std::vector<const char*> values;
    if (std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
        keys.push_back("connect_timeout");
        values.push_back("10");
    }
    if (std::getenv("PGAPPNAME") == nullptr) {
        keys.push_back("fallback_application_name");
        values.push_back("mailsync");
    }
    keys.push_back("dbname");
    values.push_back(conninfo.c_str());
    keys.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* handle = PQconnectdbParams(keys.data(), values.data(), 1);
    if (handle == nullptr)
        return fail(fmt::format("state {}: cannot connect: out of memory", where));
    if (PQstatus(handle) != CONNECTION_OK) {
        std::string message = one_line(PQerrorMessage(handle));
        PQfinish(handle);
        return fail(fmt::format("state {}: cannot connect: {}", where, message));
    }
    PQsetNoticeProcessor(handle, ignore_notice, nullptr);
    return Connection(handle, where);
}

Connection::Connection(Connection&& other) noexcept
    : m_handle(other.m_handle), m_where(std::move(other.m_where)), m_in_flight(other.m_in_flight),
      m_failed(std::move(other.m_failed)) {
    other.m_handle = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
    std::swap(m_handle, other.m_handle);
    std::swap(m_where, other.m_where);
    std::swap(m_in_flight, other.m_in_flight);
    std::swap(m_failed, other.m_failed);
    return *this;
}

Connection::~Connection() {
    if (m_handle != nullptr) {
        (void)settle(); // queued writes are sent and answered before the session ends
        PQfinish(m_handle);
    }
}

std::unexpected<Error> Connection::failure(pg_result* result) {
    std::string message = one_line(result != nullptr && PQresultErrorMessage(result)[0] != '\0'
                                       ? PQresultErrorMessage(result)
                                       : PQerrorMessage(m_handle));
    if (result != nullptr)
        PQclear(result);
    // In pipeline mode the loss shows in a result before libpq marks the connection bad.
    bool lost = PQstatus(m_handle) != CONNECTION_OK ||
                message.find("server closed the connection") != std::string::npos ||
                message.find("terminating connection") != std::string::npos;
    if (lost)
        return fail(
            fmt::format("state {}: the connection to PostgreSQL was lost: {}", m_where, message));
    return fail(fmt::format("state {}: {}", m_where, message));
}

Result<void> Connection::settle() {
    if (m_in_flight > 0) {
        m_in_flight = 0;
        if (PQpipelineSync(m_handle) == 0) {
            if (!m_failed)
                m_failed = failure(nullptr).error();
        } else {
            // Each write's results end with a null; the sync's own result ends them all. Two
            // nulls in a row mean the connection is gone.
            int nulls = 0;
            while (nulls < 2) {
                PGresult* result = PQgetResult(m_handle);
                if (result == nullptr) {
                    ++nulls;
                    if (PQstatus(m_handle) != CONNECTION_OK && !m_failed)
                        m_failed = failure(nullptr).error();
                    continue;
                }
                nulls = 0;
                ExecStatusType status = PQresultStatus(result);
                if (status == PGRES_PIPELINE_SYNC) {
                    PQclear(result);
                    break;
                }
                if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK &&
                    status != PGRES_PIPELINE_ABORTED && !m_failed)
                    m_failed = failure(result).error();
                else
                    PQclear(result);
            }
            if (nulls >= 2 && !m_failed)
                m_failed = failure(nullptr).error();
        }
        PQexitPipelineMode(m_handle);
    }
    if (m_failed)
        return std::unexpected(*m_failed);
    return {};
}

Result<void> Connection::send(const std::string& sql, const Params& params) {
    if (m_failed)
        return std::unexpected(*m_failed);
    auto prepared = m_prepared.find(sql);
    if (prepared == m_prepared.end() || m_in_flight >= max_pipelined) {
        // Preparing waits for its answer, which pipeline mode does not allow.
        if (auto ok = settle(); !ok)
            return ok;
    }
    if (prepared == m_prepared.end()) {
        std::string name = "mailsync_" + std::to_string(m_prepared.size());
        PGresult* result = PQprepare(m_handle, name.c_str(), sql.c_str(), 0, nullptr);
        if (result == nullptr || PQresultStatus(result) != PGRES_COMMAND_OK)
            return failure(result);
        PQclear(result);
        prepared = m_prepared.emplace(sql, name).first;
    }
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::optional<std::string>& param : params)
        values.push_back(param ? param->c_str() : nullptr);
    if (m_in_flight == 0 && PQenterPipelineMode(m_handle) == 0) {
        m_failed = failure(nullptr).error();
        return std::unexpected(*m_failed);
    }
    if (PQsendQueryPrepared(m_handle, prepared->second.c_str(), static_cast<int>(values.size()),
                            values.data(), nullptr, nullptr, 0) == 0) {
        m_failed = failure(nullptr).error();
        PQexitPipelineMode(m_handle);
        return std::unexpected(*m_failed);
    }
    ++m_in_flight;
    return {};
}

Result<Rows> Connection::query(const std::string& sql, const Params& params) {
    if (auto ok = settle(); !ok)
        return std::unexpected(ok.error());
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::optional<std::string>& param : params)
        values.push_back(param ? param->c_str() : nullptr);
    PGresult* result = PQexecParams(m_handle, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                    values.data(), nullptr, nullptr, 0);
    ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        return failure(result);
    return Rows(result);
}

Result<void> Connection::exec(const std::string& sql) {
    if (auto ok = settle(); !ok)
        return ok;
    PGresult* result = PQexec(m_handle, sql.c_str());
    ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        return failure(result);
    PQclear(result);
    return {};
}

std::string Connection::quote_identifier(std::string_view name) const {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string array_literal(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

} // namespace mailsync::pg
