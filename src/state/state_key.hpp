// The key of the state's secret fingerprints when it is kept outside the state: from
// MAILSYNC_STATE_KEY or a file named by MAILSYNC_STATE_KEY_FILE. The state then holds a check
// of the key, never the key.
#pragma once

#include <optional>
#include <string>

#include "util/error.hpp"

namespace mailsync {

// The fewest characters a key given from outside may have.
inline constexpr std::size_t min_state_key_length = 32;

// A key given from outside the state, and where it came from for messages.
struct StateKey {
    std::string value;
    std::string source; // "MAILSYNC_STATE_KEY" or "MAILSYNC_STATE_KEY_FILE FILE"
};

// A key from its text: surrounding white space dropped, at least min_state_key_length left.
Result<StateKey> state_key_from_text(std::string text, const std::string& source);

// A key from a file that neither its group nor others may read or write.
Result<StateKey> read_state_key_file(const std::string& path);

// The key set in MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE (an empty variable counts as
// unset); nullopt when neither is set, an error when both are or the key is unfit.
Result<std::optional<StateKey>> state_key_from_environment();

// What the state keeps to recognise its key: an HMAC of a fixed text under it.
std::string state_key_check(const std::string& key);

} // namespace mailsync
