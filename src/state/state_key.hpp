// The key of the state's secret fingerprints when it is kept outside the state: from
// MAILSYNC_STATE_KEY or a file named by MAILSYNC_STATE_KEY_FILE. The state then holds a check
// of the key, never the key.
#pragma once

#include <map>
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

// The entries of a state's meta table that say where its key lives.
struct KeyEntries {
    std::optional<std::string> source; // key_source: "external" when kept outside
    std::optional<std::string> kept;   // hmac_key: the key kept in the state
    std::optional<std::string> check;  // key_check: the check of a key kept outside
};

// The key a state was made with and whether it lives outside.
struct SettledKey {
    std::string value;
    bool external = false;
};

// The key of a state with these entries, and the entries a new state must store (empty for a
// state that has its key): a new state takes the key given, keeping only its check, or makes a
// random one that it keeps. `where` names the state in messages.
struct KeyDecision {
    SettledKey key;
    std::map<std::string, std::string> to_store;
};
Result<KeyDecision> decide_state_key(const KeyEntries& entries,
                                     const std::optional<StateKey>& given,
                                     const std::string& where);

} // namespace mailsync
