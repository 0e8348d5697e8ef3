#include "serve/sessions.hpp"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "util/crypto.hpp"

namespace mailsync {

namespace {

std::string owner_key(const std::string& id) {
    return "owner-session:" + sha256_hex(id);
}

} // namespace

std::string new_session_id() {
    return base64url_encode(random_bytes(32));
}

Result<void> keep_owner_session(StateStore& state, const std::string& id,
                                const OwnerSession& session) {
    nlohmann::json record = {{"migration", session.migration},
                             {"invite", session.invite_hash},
                             {"expires_at", session.expires_at}};
    return state.set_meta(owner_key(id), record.dump());
}

Result<std::optional<OwnerSession>> find_owner_session(StateStore& state, const std::string& id,
                                                       std::int64_t now) {
    if (id.empty() || id.size() > 128)
        return std::optional<OwnerSession>();
    Result<std::optional<std::string>> text = state.meta(owner_key(id));
    if (!text)
        return std::unexpected(text.error());
    if (!*text || (*text)->empty())
        return std::optional<OwnerSession>();
    nlohmann::json record = nlohmann::json::parse(**text, nullptr, false);
    if (!record.is_object() || !record.value("migration", nlohmann::json()).is_string() ||
        !record.value("invite", nlohmann::json()).is_string() ||
        !record.value("expires_at", nlohmann::json()).is_number_integer())
        return std::optional<OwnerSession>();
    OwnerSession session{record["migration"].get<std::string>(),
                         record["invite"].get<std::string>(),
                         record["expires_at"].get<std::int64_t>()};
    if (session.expires_at <= now)
        return std::optional<OwnerSession>();
    return session;
}

Result<void> end_owner_session(StateStore& state, const std::string& id) {
    return state.set_meta(owner_key(id), "");
}

std::string AdminSessions::open() {
    std::string id = new_session_id();
    std::lock_guard lock(m_mutex);
    auto now = std::chrono::steady_clock::now();
    std::erase_if(m_sessions, [now](const auto& entry) { return entry.second <= now; });
    m_sessions[sha256_hex(id)] = now + m_lifetime;
    return id;
}

bool AdminSessions::valid(const std::string& id) {
    if (id.empty())
        return false;
    std::lock_guard lock(m_mutex);
    auto found = m_sessions.find(sha256_hex(id));
    return found != m_sessions.end() && found->second > std::chrono::steady_clock::now();
}

void AdminSessions::close(const std::string& id) {
    std::lock_guard lock(m_mutex);
    m_sessions.erase(sha256_hex(id));
}

std::string csrf_token(std::string_view key, std::string_view session_id) {
    return hmac_sha256_hex(key, std::string("mailsync csrf v1\n").append(session_id));
}

bool same_secret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool csrf_matches(std::string_view key, std::string_view session_id, std::string_view given) {
    return !session_id.empty() && same_secret(csrf_token(key, session_id), given);
}

bool AttemptLimit::attempt(const std::string& key) {
    std::lock_guard lock(m_mutex);
    auto now = std::chrono::steady_clock::now();
    if (m_counts.size() > 10000)
        std::erase_if(m_counts,
                      [&](const auto& entry) { return entry.second.start + m_window <= now; });
    Count& count = m_counts[key];
    if (count.start + m_window <= now)
        count = Count{now, 0};
    if (count.attempts >= m_limit)
        return false;
    ++count.attempts;
    return true;
}

std::int64_t AttemptLimit::retry_after(const std::string& key) {
    std::lock_guard lock(m_mutex);
    auto found = m_counts.find(key);
    if (found == m_counts.end())
        return 0;
    auto left = found->second.start + m_window - std::chrono::steady_clock::now();
    return std::max<std::int64_t>(
        1, std::chrono::duration_cast<std::chrono::seconds>(left).count() + 1);
}

} // namespace mailsync
