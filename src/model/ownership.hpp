// Who owns what in a shared target: the scope a configuration owns (decK's select_tags), and how
// far a run may delete. Ownership travels with the objects, as labels the target keeps
// (plan/labels), so two teams with two states and two folders still see each other's claims.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailsync {

// The labels mailsync writes; any other label of an object is kept as the target holds it.
inline constexpr const char* scope_label = "mailsync/scope";
inline constexpr const char* protected_label = "mailsync/protected";

// apply refuses a plan with more deletions than this, unless raised.
inline constexpr std::size_t default_max_deletes = 10;

struct Ownership {
    std::string scope;         // empty: the objects that carry no scope label
    bool allow_deletes = true; // `deletes: never` / --no-delete: false
    std::size_t max_deletes = default_max_deletes;
    std::string max_deletes_from = "the default"; // "--max-deletes", "MAILSYNC_MAX_DELETES", ...
};

// Whether `name` is a scope name: 1 to 63 of a-z 0-9 . _ -, starting and ending alphanumeric.
bool is_scope_name(std::string_view name);

// "scope 'support'", or "no scope" for the empty one: for messages.
std::string describe_scope(const std::string& scope);

} // namespace mailsync
