// The key that seals invitation links, kept outside the state (like the state key of
// state/state_key): a file named by --invite-key or MAILSYNC_INVITE_KEY_FILE, made 0600 with a
// random key when missing, refused when its group or others may read or write it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mailsync {

inline constexpr const char* invite_key_variable = "MAILSYNC_INVITE_KEY_FILE";

// The key file's path: `given` (--invite-key) or MAILSYNC_INVITE_KEY_FILE; an error naming both
// when neither is set.
Result<std::string> invite_key_path(const std::optional<std::string>& given);

// The key in `path`, making the file (0600, 32 random bytes in hex) when it does not exist and
// `create` is set. Refuses a file others may read, a link, or a key shorter than 32 characters.
Result<std::string> load_invite_key(const std::string& path, bool create);

// The same for any key kept in a private file (`what` names it in errors: "credential key").
Result<std::string> load_private_key(const std::string& path, bool create, std::string_view what);

} // namespace mailsync
