// The labels of the target's objects that carry ownership (model/ownership): which scope an
// object belongs to, whether it is protected, and what to write.
#pragma once

#include <map>
#include <string>

#include "model/ownership.hpp"
#include "target/target.hpp"

namespace mailsync {

// The labels of an object as the target holds them; values that are not strings are left out.
std::map<std::string, std::string> labels_of(const TargetObject& object);

// The scope an object belongs to: its mailsync/scope label, or empty.
std::string scope_of(const TargetObject& object);

// Whether an object carries mailsync/protected: "true".
bool is_protected(const TargetObject& object);

// The labels to write: the object's own labels other than mailsync's (nullptr: a new object),
// then the scope (when there is one) and the protection (when asked for).
std::map<std::string, std::string> desired_labels(const TargetObject* current,
                                                  const std::string& scope, bool protect);

} // namespace mailsync
