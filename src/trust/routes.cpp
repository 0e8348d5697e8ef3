#include "trust/routes.hpp"

#include <fmt/format.h>

#include "util/curl.hpp"

namespace mailsync {

namespace {

void add(std::vector<SecretRoute>& out, const std::optional<Secret>& secret, Kind kind,
         const std::string& name, const Endpoint& endpoint, bool well_known = false) {
    if (!secret || secret->source == Secret::Source::literal)
        return;
    out.push_back(
        {kind, name, secret->field, secret->identity(), secret->describe(), endpoint, well_known});
}

// What an OAuth2 secret sends to the mail server: not itself, the access token it buys.
void add_bought(std::vector<SecretRoute>& out, const std::optional<Secret>& secret, Kind kind,
                const std::string& name, const Endpoint& server, const std::string& owner = {}) {
    std::size_t before = out.size();
    add(out, secret, kind, name, server);
    if (out.size() > before)
        out.back().field = fmt::format("an access token from {}{}", owner, out.back().field);
}

// The protocol, and how it is protected when that is not TLS from the first byte with a
// verified certificate: "imap", "imap+starttls", "smtp+plain", "imap+noverify". A change of
// protection is a new endpoint, so weakening TLS towards a bound host needs a binding again.
std::string scheme_of(const Connection& connection) {
    std::string scheme(protocol_name(connection.protocol));
    if (connection.encryption == Encryption::starttls)
        scheme += "+starttls";
    else if (connection.encryption == Encryption::none)
        scheme += "+plain";
    if (connection.encryption != Encryption::none && !connection.tls.verify)
        scheme += "+noverify";
    return scheme;
}

} // namespace

std::string Endpoint::text() const {
    bool ipv6 = host.find(':') != std::string::npos && !host.starts_with('[');
    return fmt::format("{}://{}{}{}:{}", scheme, ipv6 ? "[" : "", host, ipv6 ? "]" : "", port);
}

bool token_endpoint(const OAuth2Client& client, Endpoint& out, bool& well_known) {
    std::optional<curl::UrlParts> url = curl::split_url(effective_token_url(client));
    if (!url)
        return false;
    out = {url->scheme + (client.tls.verify ? "" : "+noverify"), url->host, url->port_number};
    // Without tokenUrl the endpoint is Google's or Microsoft's, written into mailsync itself;
    // but not when the YAML weakens how it is reached (no verification, a CA of its own), which
    // would let whoever answers in its name have the secret.
    well_known = client.token_url.empty() && client.provider != Provider::custom &&
                 client.tls.verify && client.tls.ca_file.empty() &&
                 client.tls.ca_file_written.empty();
    return true;
}

std::vector<SecretRoute> client_routes(const OAuth2Client& client) {
    std::vector<SecretRoute> out;
    Endpoint endpoint;
    bool well_known = false;
    if (token_endpoint(client, endpoint, well_known))
        add(out, client.client_secret, Kind::oauth2_client, client.meta.name, endpoint, well_known);
    return out;
}

std::vector<SecretRoute> connection_routes(const Connection& connection, Kind kind,
                                           const std::string& name, const Config& config) {
    std::vector<SecretRoute> out;
    if (!connection.auth)
        return out;
    Endpoint server{scheme_of(connection), connection.host, connection.port};
    const Auth& auth = *connection.auth;
    add(out, auth.password, kind, name, server);
    if (auth.admin)
        add(out, auth.admin->password, kind, name, server);
    if (!auth.oauth2)
        return out;
    const OAuth2Auth& oauth2 = *auth.oauth2;
    std::vector<const std::optional<Secret>*> grant{&oauth2.refresh_token, &oauth2.password};
    const OAuth2Client* client = config.find_client(oauth2.client);
    Endpoint token;
    bool well_known = false;
    bool has_token = client != nullptr && token_endpoint(*client, token, well_known);
    for (const std::optional<Secret>* secret : grant) {
        if (has_token)
            add(out, *secret, kind, name, token, well_known);
        add_bought(out, *secret, kind, name, server);
    }
    if (client != nullptr && has_token) {
        std::string owner = fmt::format("OAuth2Client '{}' ", client->meta.name);
        std::size_t before = out.size();
        add(out, client->client_secret, kind, name, token, well_known);
        if (out.size() > before)
            out.back().field = owner + out.back().field;
        add_bought(out, client->client_secret, kind, name, server, owner);
    }
    return out;
}

std::vector<SecretRoute> self_service_routes(const MailboxMigration& migration,
                                             const Config& config) {
    std::vector<SecretRoute> out;
    if (!is_self_service(migration))
        return out;
    const std::string& name = migration.meta.name;
    auto route = [&](std::string field, const Endpoint& endpoint, bool well_known) {
        out.push_back({Kind::mailbox_migration, name, std::move(field), "self-service:" + name,
                       "(its owner's)", endpoint, well_known});
    };
    const MigrationEndpoint& source = migration.source;
    route("the owner's credentials", {scheme_of(source), source.host, source.port}, false);
    // Not their credentials but their mail: into a mailbox an apply or the allowlist allowed,
    // whatever the destination's own login is (a literal password has no route of its own).
    const MigrationEndpoint& destination = migration.destination;
    route("the owner's mail", {scheme_of(destination), destination.host, destination.port}, false);
    const std::string& client_name = source.auth->self_service->client;
    const OAuth2Client* client = client_name.empty() ? nullptr : config.find_client(client_name);
    if (client == nullptr)
        return out;
    Endpoint token;
    bool well_known = false;
    if (token_endpoint(*client, token, well_known))
        route(fmt::format("the owner's sign-in code (OAuth2Client '{}')", client->meta.name), token,
              well_known);
    // Not a secret, but the owner: a page of the YAML's choosing must not follow this server's.
    if (std::optional<curl::UrlParts> url = curl::split_url(effective_authorization_url(*client))) {
        bool built_in = client->authorization_url.empty() && client->provider != Provider::custom;
        route(fmt::format("the owner, to sign in (OAuth2Client '{}')", client->meta.name),
              {url->scheme, url->host, url->port_number}, built_in);
    }
    return out;
}

std::vector<SecretRoute> migration_routes(const MailboxMigration& migration, const Config& config) {
    std::vector<SecretRoute> out = self_service_routes(migration, config);
    std::vector<SecretRoute> source =
        connection_routes(migration.source, Kind::mailbox_migration, migration.meta.name, config);
    out.insert(out.end(), source.begin(), source.end());
    std::vector<SecretRoute> destination = connection_routes(
        migration.destination, Kind::mailbox_migration, migration.meta.name, config);
    out.insert(out.end(), destination.begin(), destination.end());
    return out;
}

void for_each_route(const Config& config, const std::function<void(SecretRoute&&)>& visit) {
    auto append = [&visit](std::vector<SecretRoute> more) {
        for (SecretRoute& route : more)
            visit(std::move(route));
    };
    for (const OAuth2Client& client : config.clients)
        append(client_routes(client));
    for (const MailAccount& account : config.accounts)
        append(connection_routes(account, Kind::mail_account, account.meta.name, config));
    for (const SmtpConnection& smtp : config.smtp_connections)
        append(connection_routes(smtp, Kind::smtp_connection, smtp.meta.name, config));
    for (const MailboxMigration& migration : config.migrations)
        append(migration_routes(migration, config));
}

std::vector<SecretRoute> all_routes(const Config& config) {
    std::vector<SecretRoute> out;
    for_each_route(config, [&out](SecretRoute&& route) { out.push_back(std::move(route)); });
    return out;
}

} // namespace mailsync
