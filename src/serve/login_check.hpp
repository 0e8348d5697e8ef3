// The owner's live login test: the probe of `mailsync test` (connect, TLS, greeting, log in,
// open INBOX read-only, log out) against the migration's source with the credential just given,
// its failure told in plain words with the probe's hint.
#pragma once

#include <chrono>

#include "model/resources.hpp"
#include "serve/credentials.hpp"
#include "util/error.hpp"

namespace mailsync {

// Nothing on success; otherwise what went wrong, for the owner, with no secret in it.
Result<void> check_owner_login(const MailboxMigration& migration, const OwnerCredential& credential,
                               const Config& config, const std::string& client,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

} // namespace mailsync
