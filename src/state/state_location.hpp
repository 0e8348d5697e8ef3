// Where a state lives, from what `--state` or MAILSYNC_STATE says: a SQLite file (a path, or
// sqlite:PATH) or a PostgreSQL database (postgres:// or postgresql://, with a namespace).
#pragma once

#include <optional>
#include <string>

#include "util/error.hpp"

namespace mailsync {

// The backends a state can live in.
enum class StateBackendKind { sqlite, postgres };

// A parsed state location.
struct StateLocation {
    StateBackendKind kind = StateBackendKind::sqlite;
    // SQLite: the file's path. PostgreSQL: the URL for libpq, mailsync's own parameters removed
    // and nothing else changed, so that PG* variables, .pgpass and sslmode work as usual.
    std::string address;
    // PostgreSQL: the namespace (mailsync_namespace=NAME, "default" when absent); its tables
    // live in the PostgreSQL schema `mailsync_NAME`.
    std::string name_space;
    // How messages name the state: the path, or the URL with its password hidden.
    std::string display;
};

// The URL parameter that chooses a namespace in one PostgreSQL database.
inline constexpr const char* namespace_parameter = "mailsync_namespace";

// Parses a state location; an unknown scheme or a bad namespace is an error.
Result<StateLocation> parse_state_location(const std::string& text);

// The location when it is a SQLite state whose file is not there: nothing has run with it.
// Commands that only read a state (status, state migrate, export-key) say so rather than make
// an empty one.
std::optional<StateLocation> absent_sqlite_state(const std::string& text);

// The URL with the password of its user part and any password= parameter shown as ***.
std::string redact_state_url(const std::string& url);

} // namespace mailsync
