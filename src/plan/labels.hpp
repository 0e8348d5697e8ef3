// The labels of the target's objects that carry ownership (model/ownership): which scope an
// object belongs to, whether it is protected, and what to write.
#pragma once

#include <map>
#include <string>

#include "model/ownership.hpp"
#include "target/target.hpp"

namespace mailsync {

// The labels of an object as the target holds them, a value that is not a string as its JSON.
std::map<std::string, std::string> labels_of(const TargetObject& object);

// The scope an object belongs to: its mailsync/scope label, or empty; a value that is not a
// string as its JSON text, which matches no scope.
std::string scope_of(const TargetObject& object);

// Whether an object is protected: a mailsync/protected label with any value but "false".
bool is_protected(const TargetObject& object);

// The labels to write: the object's own labels other than mailsync's (nullptr: a new object),
// then the scope (when there is one) and the protection (when asked for).
nlohmann::json desired_labels(const TargetObject* current, const std::string& scope, bool protect);

} // namespace mailsync
