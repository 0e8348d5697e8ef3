// What a state holds, in numbers and names, never secrets: for `mailsync state show`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "state/state.hpp"

namespace mailsync {

struct StateSummary {
    std::optional<std::string> target;          // as first written, when the state belongs to one
    std::optional<std::string> target_full;     // its canonical form
    std::string key_source;                     // "state" or "external"
    std::map<std::string, std::size_t> managed; // kind → objects managed
    std::vector<RunRecord> last_runs;           // newest first, without journals
    std::map<std::string, std::size_t> migrations; // status → mailbox migrations
    std::size_t secret_bindings = 0;               // (secret, endpoint) pairs bound by apply
};

// Reads the summary of `state` with its `runs` newest runs.
Result<StateSummary> summarize_state(StateStore& state, std::size_t runs);

} // namespace mailsync
