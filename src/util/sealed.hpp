// Authenticated encryption for what mailsync keeps and must not read back in clear without its
// key: AES-256-GCM through OpenSSL, a fresh 12-byte nonce per message, the 16-byte tag, and
// associated data that binds the text to what it is for (a migration, an endpoint, an expiry).
#pragma once

#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mailsync {

inline constexpr std::size_t sealing_key_size = 32;

// base64(nonce || ciphertext || tag) of `plain` under `key` (32 bytes), bound to `associated`.
std::string seal_text(std::string_view key, std::string_view plain, std::string_view associated);

// The plain text of `sealed`, when `key` and `associated` are the ones it was sealed with and
// nothing was altered; otherwise an error that says so without telling which.
Result<std::string> open_text(std::string_view key, std::string_view sealed,
                              std::string_view associated);

} // namespace mailsync
