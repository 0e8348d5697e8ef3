// Invitations to a self-service migration's owner: made, recorded in the state, verified and
// used up. The state keeps per migration only the current invitation's id hash, its expiry,
// when and to whom it was sent, and when it was used: never the token. `mailsync invite` makes
// and records them; `mailsync serve` verifies and consumes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/resources.hpp"
#include "state/state.hpp"
#include "util/error.hpp"

namespace mailsync {

// What the state records of a migration's current invitation (meta key "invite:NAME").
struct InviteRecord {
    std::string id_hash;         // SHA-256 of the invite id, hex
    std::int64_t expires_at = 0; // seconds since the epoch
    std::string sent_at;         // state time
    std::string sent_to;         // the owner's address
    std::string used_at;         // empty until the owner has used the link
    friend bool operator==(const InviteRecord&, const InviteRecord&) = default;
};

// A new invitation: the sealed token for the link (to go into the email only) and the record
// to keep once it is sent.
struct IssuedInvite {
    std::string token;
    InviteRecord record;
};
IssuedInvite issue_invite(const MailboxMigration& migration, std::string_view key,
                          std::int64_t now);

// The migration's current invitation, or nullopt when none was sent.
Result<std::optional<InviteRecord>> read_invite(StateStore& state, const std::string& migration);

// Records a sent invitation: it replaces the previous one, whose link stops working, and the
// migration's task becomes INVITED ("invited OWNER, link valid until TIME").
Result<void> record_invite(StateStore& state, const MailboxMigration& migration,
                           const InviteRecord& record);

// What a valid link grants: the migration it is for, and which invitation.
struct InviteClaim {
    std::string migration;
    std::string id_hash;
    std::int64_t expires_at = 0;
};

// Checks a link's token: its MAC under `key` (constant time), its expiry against `now`, that it
// is the migration's current invitation (not revoked by a newer one) and not used yet. Every
// refusal says so in words fit for the owner, and none reveals which check failed for a forgery.
Result<InviteClaim> verify_invite(std::string_view token, std::string_view key, StateStore& state,
                                  std::int64_t now);

// Marks the claimed invitation used, so that its link works once; fails when it was used or
// replaced meanwhile.
Result<void> consume_invite(const InviteClaim& claim, StateStore& state);

// Seconds since the epoch now.
std::int64_t unix_now();

// "2026-12-05 10:30 UTC" of seconds since the epoch.
std::string invite_time_text(std::int64_t seconds);

} // namespace mailsync
