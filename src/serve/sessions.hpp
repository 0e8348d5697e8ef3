// Who is on the other end of `mailsync serve`: an owner, once their link was used (a session
// kept in the state, so that a restarted server still knows them, and bound to the invitation,
// so that a new invitation ends it), or the administrator (a session in memory, after the admin
// token). Forms carry a CSRF token derived from the session; attempts are counted per key.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "state/state.hpp"
#include "util/error.hpp"

namespace mailsync {

struct OwnerSession {
    std::string migration;
    std::string invite_hash; // the invitation whose link opened it
    std::int64_t expires_at = 0;
};

// A new session id: 32 random bytes, base64url.
std::string new_session_id();

// Owner sessions, kept in the state's meta table under the SHA-256 of their id.
Result<void> keep_owner_session(StateStore& state, const std::string& id,
                                const OwnerSession& session);
// The session of `id` when it exists and has not expired at `now`.
Result<std::optional<OwnerSession>> find_owner_session(StateStore& state, const std::string& id,
                                                       std::int64_t now);
Result<void> end_owner_session(StateStore& state, const std::string& id);

// Administrator sessions: in memory, for `lifetime` each.
class AdminSessions {
public:
    explicit AdminSessions(std::chrono::seconds lifetime) : m_lifetime(lifetime) {}
    std::string open();
    bool valid(const std::string& id);
    void close(const std::string& id);

private:
    std::chrono::seconds m_lifetime;
    std::mutex m_mutex;
    std::map<std::string, std::chrono::steady_clock::time_point> m_sessions; // hash → end
};

// The CSRF token of a session's forms: HMAC-SHA256 of its id under `key`.
std::string csrf_token(std::string_view key, std::string_view session_id);
bool csrf_matches(std::string_view key, std::string_view session_id, std::string_view given);

// Equal texts, compared in a time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b);

// At most `limit` attempts per key within `window`; every attempt counts.
class AttemptLimit {
public:
    AttemptLimit(std::size_t limit, std::chrono::seconds window)
        : m_limit(limit), m_window(window) {}
    // Counts an attempt for `key`; false (not counted) when the key has used its attempts.
    bool attempt(const std::string& key);
    // Seconds until `key` may try again.
    std::int64_t retry_after(const std::string& key);

private:
    struct Count {
        std::chrono::steady_clock::time_point start;
        std::size_t attempts = 0;
    };
    std::size_t m_limit;
    std::chrono::seconds m_window;
    std::mutex m_mutex;
    std::map<std::string, Count> m_counts;
};

} // namespace mailsync
