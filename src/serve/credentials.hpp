// The credentials a self-service migration's owner hands over (issue 22): kept in the state only
// sealed with AES-256-GCM under the credential key, a file outside the state; bound to the source
// endpoint the owner was shown and to an expiry, so that a changed configuration or an altered
// record opens nothing; wiped once the migration is COMPLETED or the credentials expire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/resources.hpp"
#include "model/secret.hpp"
#include "state/state.hpp"
#include "util/error.hpp"

namespace mailsync {

inline constexpr const char* credential_key_variable = "MAILSYNC_CREDENTIAL_KEY_FILE";

// The credential key file's path: `given` (--credential-key) or MAILSYNC_CREDENTIAL_KEY_FILE.
Result<std::string> credential_key_path(const std::optional<std::string>& given);

// The 32-byte sealing key of a key file's text.
std::string credential_sealing_key(std::string_view key_text);

enum class CredentialKind { password, refresh_token };

struct OwnerCredential {
    CredentialKind kind = CredentialKind::password;
    std::string bound_to; // source_binding() when the owner handed it over
    std::int64_t stored_at = 0;
    std::int64_t expires_at = 0;
    std::optional<SecretValue> value;
};

// What a credential of `kind` may be sent to: the source's login, host, port, encryption and
// TLS checks (the CA file's contents too), and the mailbox it is copied into (its login and
// host: another port of the same server is the same mailbox), as the owner's page showed them; for
// a refresh token also the OAuth2Client's name, token endpoint and TLS checks.
std::string source_binding(const MailboxMigration& migration, const Config& config,
                           CredentialKind kind);

// A credential the owner gives now: bound to the source as it is, for selfService.expires.
OwnerCredential new_owner_credential(const MailboxMigration& migration, const Config& config,
                                     CredentialKind kind, SecretValue value);

// When a credential record (the meta table's value) expires, read without opening it; nullopt
// for a record that is not one.
std::optional<std::int64_t> credential_expiry(const std::string& record);

// The owner's credentials of migrations, sealed in the state's meta table ("credential:NAME").
class CredentialVault {
public:
    CredentialVault(StateStore& state, std::string sealing_key)
        : m_state(state), m_key(std::move(sealing_key)) {}

    Result<void> keep(const std::string& migration, const OwnerCredential& credential);
    // The credential kept for `migration`, or nullopt; an error when the record cannot be
    // opened (another key, or altered), which says so without its contents.
    Result<std::optional<OwnerCredential>> read(const std::string& migration);
    // Whether one is kept, without opening it.
    Result<bool> holds(const std::string& migration);
    Result<void> wipe(const std::string& migration);

private:
    StateStore& m_state;
    std::string m_key;
};

// The migration with the owner's credential as its source's login: a password, or a refresh
// token for the OAuth2Client `client`. The value is a literal secret of no route, which the
// trust model leaves alone: the binding checked before decides where it may go.
MailboxMigration with_owner_credential(const MailboxMigration& migration,
                                       const OwnerCredential& credential,
                                       const std::string& client = {});

} // namespace mailsync
