// The resource types that mailsync manages, with their defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/secret.hpp"
#include "util/boxed.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

enum class Kind { oauth2_client, mail_account, smtp_connection, mailbox_migration };
enum class Protocol { imap, pop3, smtp };
enum class Encryption { none, ssl, starttls };
enum class Provider { google, microsoft, custom };
enum class Grant { refresh_token, client_credentials, password };
// The SASL mechanism that carries an OAuth2 access token.
enum class TokenMechanism { xoauth2, oauthbearer };
// How an administrator logs in for a user: SASL PLAIN with an authorization identity, or
// Dovecot's master-user form USER*ADMIN.
enum class AdminLogin { authzid, master };

// The kinds in the order they are applied: OAuth2 clients before the connections using them.
// These are the kinds a target holds.
inline constexpr Kind all_kinds[] = {Kind::oauth2_client, Kind::mail_account,
                                     Kind::smtp_connection};
// Every kind a document may declare: the target's, and MailboxMigration, which copies messages
// between two IMAP servers and is tracked in the state only.
inline constexpr Kind declared_kinds[] = {Kind::oauth2_client, Kind::mail_account,
                                          Kind::smtp_connection, Kind::mailbox_migration};

std::string_view kind_name(Kind kind);                 // "MailAccount"
std::optional<Kind> parse_kind(std::string_view text); // exact names only
std::string_view protocol_name(Protocol protocol);     // "imap"
std::string_view encryption_name(Encryption encryption);
std::string_view provider_name(Provider provider);
std::string_view grant_name(Grant grant); // "refreshToken"
std::optional<Protocol> parse_protocol(std::string_view text);
std::optional<Encryption> parse_encryption(std::string_view text);
std::optional<Provider> parse_provider(std::string_view text);
std::optional<Grant> parse_grant(std::string_view text);
std::string_view mechanism_name(TokenMechanism mechanism); // "XOAUTH2"

// The well-known port: IMAP 143/993, POP3 110/995, SMTP 25 (none), 587 (starttls), 465 (ssl).
int default_port(Protocol protocol, Encryption encryption);

// What every resource has: its name and where it was declared.
struct ResourceMeta {
    std::string name;
    Location where;    // the value of metadata.name
    Location document; // the start of the document
    std::map<std::string, std::string> labels;
    bool protect = false; // metadata.protected: no plan may delete it
    Location protect_where;
    std::vector<std::string> previous_names; // metadata.previousNames: renamed in place
    std::vector<Location> previous_where;    // where each of them is written
};

struct TlsSettings {
    bool verify = true;
    Location verify_where;       // where `verify: false` is written
    std::string ca_file;         // the real path, once the loader has allowed it
    std::string ca_file_written; // as the YAML gives it
    Location ca_file_where;
};

struct OAuth2Client {
    ResourceMeta meta;
    std::string description;
    Provider provider = Provider::custom;
    std::string client_id;
    std::optional<Secret> client_secret;
    std::string tenant_id;
    std::string token_url; // as written; see effective_token_url
    Location token_url_where;
    std::string authorization_url;
    Location authorization_url_where;
    std::vector<std::string> scopes; // as written; see effective_scopes
    TlsSettings tls;                 // for the token endpoint
};

// Google's and Microsoft's token endpoints, or the client's tokenUrl when it gives one.
std::string effective_token_url(const OAuth2Client& client);
// Google's and Microsoft's authorization endpoints, or the client's authorizationUrl when it
// gives one; empty for a custom client without one.
std::string effective_authorization_url(const OAuth2Client& client);
// The scopes to ask for: the client's, or the provider's defaults for the grant.
std::vector<std::string> effective_scopes(const OAuth2Client& client, Grant grant);
// Whether the provider issues tokens through this grant (Google: refresh tokens only).
bool provider_supports(Provider provider, Grant grant);

struct OAuth2Auth {
    std::string client;
    Location client_where;
    Grant grant = Grant::refresh_token;
    std::optional<Secret> refresh_token;
    std::optional<Secret> password;
    TokenMechanism mechanism = TokenMechanism::xoauth2;
    Location mechanism_where; // where spec.auth.oauth2.mechanism is, when given
};

// An administrator account that logs in for the user (seed 002). An empty user is the shared
// "magic password" mode: the user's own login with the administrator's password.
struct AdminAuth {
    std::string user;
    std::optional<Secret> password;
    AdminLogin login = AdminLogin::authzid;
    std::string separator = "*";
};

// A migration's source whose owner hands over the credentials themselves (issue 22): mailsync
// invites them by email; nothing secret is written in the YAML.
struct SelfServiceAuth {
    std::string email; // the owner's address, where the invitation goes
    Location email_where;
    std::chrono::seconds expires{std::chrono::hours(24 * 7)}; // how long a link stays valid
    Location expires_where; // where spec.source.auth.selfService.expires is, else the block
    Location where;         // the selfService key
    // The OAuth2Client the owner may sign in through instead of giving a password (serve's
    // "Sign in with Google/Microsoft"); empty: a password only.
    std::string client;
    Location client_where;
};

// The longest an invitation may stay valid.
inline constexpr std::chrono::seconds max_invite_lifetime{std::chrono::hours(24 * 90)};

// How a connection logs in: a password, OAuth2, an administrator account, or (a migration's
// source only) its owner's credentials to come, one of them.
struct Auth {
    std::optional<Secret> password;
    Boxed<OAuth2Auth> oauth2;
    Boxed<AdminAuth> admin;
    Boxed<SelfServiceAuth> self_service;
    Location where;
};

// What incoming (MailAccount) and outgoing (SmtpConnection) connections share.
struct Connection {
    ResourceMeta meta;
    std::string description;
    Protocol protocol = Protocol::imap;
    Encryption encryption = Encryption::ssl;
    Location encryption_where;
    std::string host;
    int port = 0;
    Location port_where; // the document's start when the port is a default
    bool port_given = false;
    std::string username;
    Boxed<Auth> auth;
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    TlsSettings tls;
    bool allow_plaintext_auth = false;
};

struct MailAccount : Connection {
    std::string folder = "INBOX";
    Location folder_where;
    bool folder_given = false;
    bool enabled = true;
};

struct SmtpConnection : Connection {
    std::string from_address;
    std::string prefix;
    bool debug = false;
};

// One side of a MailboxMigration: an IMAP connection (its meta is the migration's) and the
// server type of seed 004, whose defaults fill in host, port and encryption.
struct MigrationEndpoint : Connection {
    std::string type = "default"; // gmail, exchange, office, domino, default
    std::string side;             // "source" or "destination"
};

// A folder renamed on the way: `from` and its sub-folders land under `to`. '/' separates levels.
struct FolderRename {
    std::string from;
    std::string to;
    Location where;
};

// Copies the messages of a source mailbox into a destination mailbox, IMAP to IMAP.
struct MailboxMigration {
    ResourceMeta meta;
    std::string description;
    MigrationEndpoint source;
    MigrationEndpoint destination;
    bool subscribed_only = false;
    std::vector<std::string> include; // folder patterns ('*' any text, '%' one level); all if empty
    std::vector<std::string> exclude;
    std::vector<FolderRename> rename;
};

// Whether the migration waits for its owner to hand over the source's credentials.
inline bool is_self_service(const MailboxMigration& migration) {
    return migration.source.auth && migration.source.auth->self_service;
}

struct ServerDefaults {
    std::string host;
    int port = 0;
    std::string encryption;
};
// The defaults of a server type ("gmail", "office", "exchange", "domino", "default") for a
// protocol ("imap", "pop3", "smtp"); empty fields where the type has none.
ServerDefaults server_defaults(std::string_view server_type, std::string_view protocol);

struct Config;

// Calls `visit(secret, kind, resource name)` for every secret field that is set.
void for_each_secret(Config& config,
                     const std::function<void(Secret&, Kind, const std::string&)>& visit);
void for_each_secret(const Config& config,
                     const std::function<void(const Secret&, Kind, const std::string&)>& visit);

// Everything the YAML declares, in file order within each kind.
struct Config {
    std::vector<OAuth2Client> clients;
    std::vector<MailAccount> accounts;
    std::vector<SmtpConnection> smtp_connections;
    std::vector<MailboxMigration> migrations;

    // By name: a lookup once index_clients() has indexed the clients as they are now, else a
    // scan (clients added or renamed since, or names given twice).
    const OAuth2Client* find_client(std::string_view name) const;
    // Indexes the clients by name; the loader calls it once every file is merged.
    void index_clients();
    std::size_t count(Kind kind) const;
    std::size_t size() const;

    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };
    std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>> client_index;
};

} // namespace mailsync
