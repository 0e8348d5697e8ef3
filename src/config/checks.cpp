#include "config/checks.hpp"

#include <cctype>
#include <map>
#include <string>

#include <fmt/format.h>

#include "util/curl.hpp"
#include "util/net.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

std::string place(const Location& where) {
    return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

template <typename Resource>
void check_unique_names(const std::vector<Resource>& resources, Kind kind,
                        Diagnostics& diagnostics) {
    std::map<std::string, const ResourceMeta*> seen;
    for (const Resource& resource : resources) {
        auto [it, inserted] = seen.emplace(resource.meta.name, &resource.meta);
        if (!inserted)
            diagnostics.error(resource.meta.where,
                              fmt::format("duplicate {} name '{}' (first declared at {})",
                                          kind_name(kind), resource.meta.name,
                                          place(it->second->where)));
    }
}

// metadata.previousNames: never the resource's own name or another's of its kind, never claimed
// by two resources, so that a rename can only mean one object.
template <typename Resource>
void check_previous_names(const std::vector<Resource>& resources, Kind kind,
                          Diagnostics& diagnostics) {
    std::map<std::string, const ResourceMeta*> names;
    for (const Resource& resource : resources)
        names.emplace(resource.meta.name, &resource.meta);
    std::map<std::string, const ResourceMeta*> claimed;
    for (const Resource& resource : resources) {
        const ResourceMeta& meta = resource.meta;
        for (std::size_t i = 0; i < meta.previous_names.size(); ++i) {
            const std::string& previous = meta.previous_names[i];
            const Location& where = meta.previous_where[i];
            if (auto other = names.find(previous); other != names.end()) {
                diagnostics.error(
                    where, other->second == &meta
                               ? fmt::format("{} '{}': previousNames holds its own name",
                                             kind_name(kind), meta.name)
                               : fmt::format("{} '{}': previous name '{}' is the name of another "
                                             "{} (declared at {}), so the rename is ambiguous",
                                             kind_name(kind), meta.name, previous, kind_name(kind),
                                             place(other->second->where)));
                continue;
            }
            auto [it, inserted] = claimed.emplace(previous, &meta);
            if (!inserted && it->second != &meta)
                diagnostics.error(where,
                                  fmt::format("{} '{}': previous name '{}' is also claimed by "
                                              "'{}' (at {}), so the rename is ambiguous",
                                              kind_name(kind), meta.name, previous,
                                              it->second->name, place(it->second->where)));
        }
    }
}

// A query's text with %XX decoded and in lower case, as a server would read its names.
std::string lower_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            c = static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        }
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// A URL that receives the client secret or the user's consent: https, or plain http only to this
// machine, never with credentials in it.
void check_endpoint_url(const OAuth2Client& client, std::string_view field, const std::string& url,
                        const Location& where, Diagnostics& diagnostics) {
    if (url.empty())
        return;
    std::string subject = fmt::format("OAuth2Client '{}': {}", client.meta.name, field);
    std::optional<curl::UrlParts> parts = curl::split_url(url);
    if (!parts) {
        diagnostics.error(where, fmt::format("{} is not a URL", subject));
        return;
    }
    if (!parts->user.empty() || !parts->password.empty())
        diagnostics.error(where, fmt::format("{} must not hold a user name or password", subject));
    if (parts->scheme == "http" && !is_loopback_host(parts->host))
        diagnostics.error(where,
                          fmt::format("{} is plain http://, so the client secret and tokens would "
                                      "travel unencrypted; use https:// (plain http is allowed "
                                      "only to this machine: localhost, 127.0.0.0/8, ::1)",
                                      subject));
    else if (parts->scheme != "http" && parts->scheme != "https")
        diagnostics.error(where, fmt::format("{} must be an https:// URL", subject));
    // mailsync adds the flow's parameters; a fragment would hide them from the provider, and a
    // query of the YAML's own could answer in another application's name.
    if (!parts->fragment.empty() || url.find('#') != std::string::npos)
        diagnostics.error(where, fmt::format("{} must not hold a fragment ('#')", subject));
    for (std::string_view reserved :
         {"client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method",
          "response_type", "scope", "login_hint", "code", "code_verifier", "grant_type"}) {
        std::string query = "&" + lower_decoded(parts->query);
        if (query.find("&" + std::string(reserved) + "=") != std::string::npos)
            diagnostics.error(where, fmt::format("{} must not set '{}' in its query: mailsync "
                                                 "sets it",
                                                 subject, reserved));
    }
}

void check_client(const OAuth2Client& client, Diagnostics& diagnostics) {
    check_endpoint_url(client, "tokenUrl", client.token_url, client.token_url_where, diagnostics);
    check_endpoint_url(client, "authorizationUrl", client.authorization_url,
                       client.authorization_url_where, diagnostics);
    if (client.provider == Provider::google && !client.client_secret)
        diagnostics.error(client.meta.where,
                          fmt::format("OAuth2Client '{}': provider google needs spec.clientSecret "
                                      "to refresh tokens",
                                      client.meta.name));
    if (client.provider != Provider::microsoft && !client.tenant_id.empty())
        diagnostics.warning(client.meta.where,
                            fmt::format("OAuth2Client '{}': spec.tenantId is used only by "
                                        "provider microsoft",
                                        client.meta.name));
}

// Port numbers that say the other kind of TLS: 993 with starttls, 143 with ssl, and so on.
void check_port(const Connection& c, std::string_view kind, Diagnostics& diagnostics) {
    if (!c.port_given)
        return;
    Encryption other = c.encryption == Encryption::ssl ? Encryption::starttls : Encryption::ssl;
    int usual = default_port(c.protocol, c.encryption);
    if (c.port != usual && c.port == default_port(c.protocol, other))
        diagnostics.warning(
            c.port_where,
            fmt::format("{} '{}': port {} is the {} port of {}; with encryption {} the usual "
                        "port is {}",
                        kind, c.meta.name, c.port,
                        other == Encryption::ssl ? "implicit-TLS" : "plain",
                        protocol_name(c.protocol), encryption_name(c.encryption), usual));
}

void check_connection(const Connection& c, std::string_view kind, const Config& config,
                      Diagnostics& diagnostics) {
    std::string subject = fmt::format("{} '{}'", kind, c.meta.name);
    check_port(c, kind, diagnostics);
    if (!c.auth)
        return;
    if (c.username.empty())
        diagnostics.error(c.auth->where, fmt::format("{}: spec.auth needs spec.username", subject));
    if (c.encryption == Encryption::none && !c.allow_plaintext_auth)
        diagnostics.error(c.encryption_where,
                          fmt::format("{}: credentials would be sent in clear over encryption "
                                      "none; use ssl or starttls, or set allowPlaintextAuth: true",
                                      subject));
    if (!c.auth->oauth2)
        return;
    const OAuth2Auth& oauth2 = *c.auth->oauth2;
    const OAuth2Client* client = config.find_client(oauth2.client);
    if (client == nullptr) {
        std::vector<std::string> names;
        for (const OAuth2Client& candidate : config.clients)
            names.push_back(candidate.meta.name);
        diagnostics.error(oauth2.client_where,
                          fmt::format("{}: OAuth2Client '{}' is not declared{}", subject,
                                      oauth2.client, did_you_mean(oauth2.client, names)));
        return;
    }
    if (!provider_supports(client->provider, oauth2.grant))
        diagnostics.error(oauth2.client_where,
                          fmt::format("{}: provider {} of OAuth2Client '{}' does not offer the {} "
                                      "grant; Google issues refresh tokens only",
                                      subject, provider_name(client->provider), client->meta.name,
                                      grant_name(oauth2.grant)));
    switch (oauth2.grant) {
    case Grant::refresh_token:
        if (!oauth2.refresh_token)
            diagnostics.error(oauth2.client_where, fmt::format("{}: the refreshToken grant needs "
                                                               "spec.auth.oauth2.refreshToken",
                                                               subject));
        break;
    case Grant::password:
        if (!oauth2.password)
            diagnostics.error(
                oauth2.client_where,
                fmt::format("{}: the password grant needs spec.auth.oauth2.password", subject));
        break;
    case Grant::client_credentials:
        if (!client->client_secret)
            diagnostics.error(oauth2.client_where,
                              fmt::format("{}: the clientCredentials grant needs spec.clientSecret "
                                          "on OAuth2Client '{}'",
                                          subject, client->meta.name));
        break;
    }
    if (oauth2.refresh_token && oauth2.grant != Grant::refresh_token)
        diagnostics.warning(oauth2.refresh_token->where,
                            fmt::format("{}: spec.auth.oauth2.refreshToken is not used by the {} "
                                        "grant",
                                        subject, grant_name(oauth2.grant)));
    if (oauth2.mechanism == TokenMechanism::oauthbearer && client->provider == Provider::microsoft)
        diagnostics.error(oauth2.mechanism_where,
                          fmt::format("{}: Microsoft 365 accepts tokens over XOAUTH2 only; remove "
                                      "spec.auth.oauth2.mechanism: oauthbearer",
                                      subject));
}

// selfService: the source side only, a link that lives from 10 minutes to 90 days, and an
// SmtpConnection to send the invitation through (a warning: validate passes, invite refuses).
void check_self_service(const MailboxMigration& migration, const Config& config,
                        Diagnostics& diagnostics) {
    const Auth* destination = migration.destination.auth.get();
    if (destination != nullptr && destination->self_service)
        diagnostics.error(destination->self_service->where,
                          fmt::format("MailboxMigration '{}': selfService is for the source only; "
                                      "the destination's credentials come from the administrator",
                                      migration.meta.name));
    if (!is_self_service(migration))
        return;
    const SelfServiceAuth& self = *migration.source.auth->self_service;
    if (self.expires < std::chrono::minutes(10) || self.expires > max_invite_lifetime)
        diagnostics.error(self.expires_where,
                          fmt::format("MailboxMigration '{}': spec.source.auth.selfService."
                                      "expires must be between 10m and 90d",
                                      migration.meta.name));
    if (!self.client.empty()) {
        const OAuth2Client* client = config.find_client(self.client);
        std::vector<std::string> names;
        for (const OAuth2Client& candidate : config.clients)
            names.push_back(candidate.meta.name);
        if (client == nullptr)
            diagnostics.error(self.client_where,
                              fmt::format("MailboxMigration '{}': OAuth2Client '{}' is not "
                                          "declared{}",
                                          migration.meta.name, self.client,
                                          did_you_mean(self.client, names)));
        else if (effective_authorization_url(*client).empty())
            diagnostics.error(self.client_where,
                              fmt::format("MailboxMigration '{}': OAuth2Client '{}' has no "
                                          "spec.authorizationUrl, which the owner's sign-in "
                                          "needs (Google and Microsoft have their own)",
                                          migration.meta.name, self.client));
    }
    if (config.smtp_connections.empty())
        diagnostics.warning(self.where,
                            fmt::format("MailboxMigration '{}': its owner is invited by email "
                                        "through an SmtpConnection, and none is declared; "
                                        "'mailsync invite' needs one",
                                        migration.meta.name));
}

void check_migration(const MailboxMigration& migration, const Config& config,
                     Diagnostics& diagnostics) {
    check_self_service(migration, config, diagnostics);
    for (const MigrationEndpoint* side : {&migration.source, &migration.destination}) {
        std::string subject = fmt::format("MailboxMigration {}", side->side);
        check_connection(*side, subject, config, diagnostics);
        if (side->host.empty())
            diagnostics.error(side->port_where,
                              fmt::format("MailboxMigration '{}': spec.{}.host is needed; only "
                                          "types gmail and office know their server",
                                          migration.meta.name, side->side));
    }
    const MigrationEndpoint& a = migration.source;
    const MigrationEndpoint& b = migration.destination;
    if (!a.host.empty() && a.host == b.host && a.port == b.port && a.username == b.username)
        diagnostics.error(migration.meta.where,
                          fmt::format("MailboxMigration '{}': the source and the destination are "
                                      "the same mailbox ({} on {}:{})",
                                      migration.meta.name, a.username, a.host, a.port));
}

} // namespace

void check_config(const Config& config, Diagnostics& diagnostics) {
    check_unique_names(config.clients, Kind::oauth2_client, diagnostics);
    check_unique_names(config.accounts, Kind::mail_account, diagnostics);
    check_unique_names(config.smtp_connections, Kind::smtp_connection, diagnostics);
    check_previous_names(config.clients, Kind::oauth2_client, diagnostics);
    check_previous_names(config.accounts, Kind::mail_account, diagnostics);
    check_previous_names(config.smtp_connections, Kind::smtp_connection, diagnostics);
    for (const OAuth2Client& client : config.clients)
        check_client(client, diagnostics);
    for (const MailAccount& account : config.accounts) {
        check_connection(account, "MailAccount", config, diagnostics);
        if (account.folder_given && account.protocol == Protocol::pop3)
            diagnostics.error(account.folder_where,
                              fmt::format("MailAccount '{}': spec.folder applies only to protocol "
                                          "imap; POP3 reads the inbox",
                                          account.meta.name));
    }
    for (const SmtpConnection& connection : config.smtp_connections)
        check_connection(connection, "SmtpConnection", config, diagnostics);
    check_unique_names(config.migrations, Kind::mailbox_migration, diagnostics);
    for (const MailboxMigration& migration : config.migrations)
        check_migration(migration, config, diagnostics);
}

} // namespace mailsync
