// The self-service module (issue 22): invitations to a migration's owner. This file: the link's
// token as pure functions — a random invite id, its expiry and the migration's name, sealed with
// HMAC-SHA256 under the invite key — so that it can be fuzzed and unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mailsync {

// Bytes of randomness in an invite id.
inline constexpr std::size_t invite_id_size = 32;

// What a token says: which invitation, until when (seconds since the epoch), for which
// migration. The id is the secret part; the state keeps only its hash.
struct InviteToken {
    std::string id; // invite_id_size random bytes
    std::int64_t expires_at = 0;
    std::string migration;
};

// A new token's contents: a fresh random id.
InviteToken new_invite_token(std::string migration, std::int64_t expires_at);

// "PAYLOAD.MAC", both base64url: the text that goes into the link.
std::string seal_invite_token(const InviteToken& token, std::string_view key);

// The token of a sealed text when its MAC is right (compared in constant time); a forged,
// cut or altered text is refused without saying which part was wrong. Expiry is not checked.
Result<InviteToken> open_invite_token(std::string_view text, std::string_view key);

// What the state keeps of an id: lower-case hex SHA-256.
std::string invite_id_hash(std::string_view id);

} // namespace mailsync
