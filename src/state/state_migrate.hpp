// `mailsync state migrate`: a state copied whole into another backend, then read back and
// compared, as Terraform's `init -migrate-state` moves a state between backends.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "state/state.hpp"

namespace mailsync {

// What a copy moved, counted in the destination as read back.
struct MigrateSummary {
    std::string from;
    std::string to;
    std::size_t managed = 0;
    std::size_t fingerprints = 0;
    std::size_t runs = 0;
    std::size_t journal = 0;
    std::size_t migrations = 0;
    std::size_t folders = 0;
    std::size_t bindings = 0;
};

// Copies everything `from` holds (its key's entries included, so fingerprints still compare)
// into the state at `to`, holding both locks (waiting up to `wait`). Refuses a destination that
// holds records unless `force`, which replaces them. Fails when what it reads back differs.
Result<MigrateSummary> migrate_state(StateStore& from, const std::string& to, bool force,
                                     std::chrono::milliseconds wait);

} // namespace mailsync
