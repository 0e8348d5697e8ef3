// A state belongs to one target: the first run that writes with it records the target (in the
// state's meta table), and any other target is refused before anything is written. Kept outside
// the store so that every backend gets the same rule.
#pragma once

#include <string>

#include "state/state.hpp"
#include "util/error.hpp"

namespace mailsync {

// The form a target is recorded in: `sqlite:` with the absolute path (options such as
// `?fail-write=` left out), a URL without its final '/'.
std::string canonical_target(const std::string& target);

// What to do with a state that records no target yet.
enum class StateBinding {
    check_only, // reading (plan, export): any target may use it, nothing is written
    bind,       // writing (apply): the state takes this target
};

// Refuses a state that belongs to another target than `target` (`written` names it as the user
// wrote it, for messages). With `bind`, a state that records none takes this one; `adopted` is
// then set when the state already had runs (made by an earlier mailsync), to say so once.
Result<void> check_state_target(StateStore& state, const std::string& state_name,
                                const std::string& target, const std::string& written,
                                StateBinding binding, bool* adopted = nullptr);

// A state belongs to one ownership scope as well (model/ownership; "" for none): the first
// apply records it, and a run with another scope is refused, so that a change of `scope:` in
// the repository cannot turn a team's state on another team's objects. `change` (apply
// --change-scope, given outside the repository) records the new scope on purpose.
Result<void> check_state_scope(StateStore& state, const std::string& state_name,
                               const std::string& scope, StateBinding binding, bool change);

} // namespace mailsync
