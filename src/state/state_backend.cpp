// What every backend shares: status names, lock holders, times, and the choice of backend.
#include "state/state_backend.hpp"

#include <ctime>
#include <unistd.h>

#include <fmt/format.h>

#include "state/postgres_state.hpp"
#include "state/sqlite_state.hpp"
#include "state/state_location.hpp"

namespace mailsync {

std::string_view status_name(TaskStatus status) {
    switch (status) {
    case TaskStatus::fresh:
        return "NEW";
    case TaskStatus::pending:
        return "PENDING";
    case TaskStatus::completed:
        return "COMPLETED";
    case TaskStatus::error:
        return "ERROR";
    case TaskStatus::invited:
        return "INVITED";
    }
    return "?";
}

TaskStatus status_from(std::string_view name) {
    return name == "PENDING"     ? TaskStatus::pending
           : name == "COMPLETED" ? TaskStatus::completed
           : name == "ERROR"     ? TaskStatus::error
           : name == "INVITED"   ? TaskStatus::invited
                                 : TaskStatus::fresh;
}

std::string describe(const LockHolder& holder) {
    return fmt::format("run {} (pid {} on {}, since {})", holder.run_id, holder.pid, holder.host,
                       holder.since);
}

std::string state_time_now() {
    std::timespec ts{};
    std::timespec_get(&ts, TIME_UTC);
    std::tm tm{};
    gmtime_r(&ts.tv_sec, &tm);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03}Z", buffer, ts.tv_nsec / 1'000'000);
}

std::string state_host_name() {
    char buffer[256] = {};
    gethostname(buffer, sizeof buffer - 1);
    return buffer;
}

std::string newer_schema(const std::string& where, int version) {
    return fmt::format("the state {} has schema version {}, newer than this mailsync knows ({}); "
                       "use the mailsync that wrote it, or a later one",
                       where, version, state_schema_version);
}

Result<std::unique_ptr<StateBackend>> open_state_backend(const std::string& location) {
    Result<StateLocation> parsed = parse_state_location(location);
    if (!parsed)
        return std::unexpected(parsed.error());
    if (parsed->kind == StateBackendKind::postgres) {
        Result<std::unique_ptr<PostgresState>> state = PostgresState::open(*parsed);
        if (!state)
            return std::unexpected(state.error());
        return std::unique_ptr<StateBackend>(std::move(*state));
    }
    Result<std::unique_ptr<SqliteState>> state = SqliteState::open(parsed->address);
    if (!state)
        return std::unexpected(state.error());
    return std::unique_ptr<StateBackend>(std::move(*state));
}

Error queue_unsupported(const std::string& location) {
    return Error{fmt::format("state {}: migration workers share a PostgreSQL state (--state "
                             "postgres://...); a SQLite state is for one machine, where "
                             "'mailsync apply' copies every mailbox",
                             location)};
}

Result<void> StateBackend::enqueue(const std::vector<std::string>&) {
    return std::unexpected(queue_unsupported(location()));
}

Result<QueueClaims> StateBackend::claim(const std::vector<std::string>&, const std::string&,
                                        std::chrono::seconds, std::int64_t) {
    return std::unexpected(queue_unsupported(location()));
}

Result<std::vector<std::string>> StateBackend::renew(const std::string&, std::chrono::seconds,
                                                     const std::vector<std::string>&) {
    return std::unexpected(queue_unsupported(location()));
}

Result<void> StateBackend::release(const std::string&, const std::string&, const std::string&) {
    return std::unexpected(queue_unsupported(location()));
}

Result<std::size_t> StateBackend::queued(const std::vector<std::string>&) {
    return std::unexpected(queue_unsupported(location()));
}

Result<std::vector<QueueEntry>> StateBackend::queue() {
    return std::unexpected(queue_unsupported(location()));
}

Result<std::vector<std::string>> StateBackend::control(const std::vector<std::string>&,
                                                       const std::string&) {
    return std::unexpected(queue_unsupported(location()));
}

} // namespace mailsync
