#include "state/state.hpp"

#include <ctime>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "util/crypto.hpp"
#include "util/safe_file.hpp"

namespace mailsync {

namespace {

// How long to sleep between tries at a held lock.
constexpr std::chrono::milliseconds lock_poll{250};

std::string held_message(const std::string& where, const std::string& holder,
                         std::chrono::milliseconds waited) {
    std::string after;
    if (waited.count() > 0)
        after = fmt::format(" (waited {}s for it)", (waited.count() + 999) / 1000);
    return fmt::format("the state {} is locked by {}{}; wait for it to finish, or if it crashed "
                       "run 'mailsync force-unlock'",
                       where, holder, after);
}

} // namespace

std::string new_run_id() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
    return fmt::format("{}-{}", buffer, to_hex(random_bytes(3)));
}

Result<StateStore> StateStore::open(const std::string& location) {
    Result<std::optional<StateKey>> key = state_key_from_environment();
    if (!key)
        return std::unexpected(key.error());
    return open(location, *key);
}

Result<StateStore> StateStore::open(const std::string& location,
                                    const std::optional<StateKey>& key) {
    Result<std::unique_ptr<StateBackend>> backend = open_state_backend(location);
    if (!backend)
        return std::unexpected(backend.error());
    Result<SettledKey> settled = (*backend)->settle_key(key);
    if (!settled)
        return std::unexpected(settled.error());
    return StateStore(std::move(*backend), std::move(*settled));
}

std::string StateStore::fingerprint(const SecretValue& value) const {
    return "hmac-sha256:" + hmac_sha256_hex(m_key, value.reveal());
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
    if (auto ok = m_backend->drop_kept_key(state_key_check(m_key)); !ok)
        return ok;
    m_key_external = true;
    return {};
}

Result<void> StateStore::lock(const std::string& run_id, std::string* taken_over,
                              std::chrono::milliseconds wait) {
    using clock = std::chrono::steady_clock;
    clock::time_point start = clock::now();
    while (true) {
        LockHolder me{run_id, static_cast<std::int64_t>(getpid()), state_host_name(),
                      state_time_now()};
        Result<LockAttempt> attempt = m_backend->try_lock(me);
        if (!attempt)
            return std::unexpected(attempt.error());
        if (attempt->taken) {
            if (taken_over != nullptr && attempt->taken_over)
                *taken_over = *attempt->taken_over;
            return {};
        }
        auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
        if (waited >= wait)
            return fail(held_message(path(), attempt->holder, waited));
        std::this_thread::sleep_for(std::min(lock_poll, wait - waited));
    }
}

} // namespace mailsync
