// Where each secret of a configuration would travel: the trust model's raw facts. A live test,
// a migration or a token request sends a secret to an endpoint (a mail server, a token
// endpoint); a pull request must not be able to move a secret to a new endpoint unnoticed, so
// every such route is checked (trust/policy) before anything is sent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/resources.hpp"

namespace mailsync {

// A server that receives credentials, as "imap://host:993" or "https://host:443".
struct Endpoint {
    std::string scheme;
    std::string host;
    int port = 0;

    std::string text() const;
    bool operator==(const Endpoint&) const = default;
};

// One secret on its way to one endpoint, for one resource.
struct SecretRoute {
    Kind kind = Kind::mail_account;
    std::string name;      // the resource's
    std::string field;     // "spec.auth.password"
    std::string secret;    // Secret::identity(): "env:NAME", "file:PATH"
    std::string reference; // Secret::describe(): "${env:NAME}", safe to print
    Endpoint endpoint;
    bool well_known = false; // Google's or Microsoft's own token endpoint, fixed in mailsync
};

// The routes of a mail connection's test or copy: its password or administrator password to
// the server; with OAuth2, the client secret and the user's grant to the token endpoint, and
// (as the access token they buy) to the server. Literal secrets, already in the repository,
// have no route.
std::vector<SecretRoute> connection_routes(const Connection& connection, Kind kind,
                                           const std::string& name, const Config& config);

// The routes of an OAuth2 client's own test: its secret to its token endpoint.
std::vector<SecretRoute> client_routes(const OAuth2Client& client);

// The routes of a self-service migration's owner (`mailsync serve`): their password or
// refresh token to the source, the code of their sign-in to the OAuth2Client's token endpoint,
// and the owner themselves to its sign-in page; all under the identity "self-service:NAME", so
// that an apply binds them after review and a pull request cannot move them.
std::vector<SecretRoute> self_service_routes(const MailboxMigration& migration,
                                             const Config& config);

// The routes of a mailbox migration: both sides, and its owner's when it is self-service.
std::vector<SecretRoute> migration_routes(const MailboxMigration& migration, const Config& config);

// Every route of the configuration: clients, accounts, SMTP connections, migrations; one at a
// time, so that 100,000 resources are not held as routes too.
void for_each_route(const Config& config, const std::function<void(SecretRoute&&)>& visit);
std::vector<SecretRoute> all_routes(const Config& config);

// The token endpoint of a client as an endpoint; false when its URL does not parse.
bool token_endpoint(const OAuth2Client& client, Endpoint& out, bool& well_known);

} // namespace mailsync
