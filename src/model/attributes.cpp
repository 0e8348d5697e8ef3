#include "model/attributes.hpp"

#include <fmt/format.h>

namespace mailsync {

namespace {

AttributeValue text_or_none(const std::string& text) {
    if (text.empty())
        return std::monostate{};
    return text;
}

AttributeValue secret_or_none(const std::optional<Secret>& secret) {
    if (!secret)
        return std::monostate{};
    return *secret;
}

void add(std::vector<Attribute>& out, std::string name, AttributeValue value, Location where,
         std::string meaning = {}) {
    out.push_back({std::move(name), std::move(value), where, std::move(meaning)});
}

// The attributes both kinds of connection share; `service` is "imap" or "imap/google".
void add_connection(std::vector<Attribute>& out, const Connection& c, const Config& config) {
    add(out, "name", c.meta.name, c.meta.where);
    add(out, "description", text_or_none(c.description), c.meta.document);

    const Auth* auth = c.auth.get();
    const OAuth2Auth* oauth2 = auth != nullptr && auth->oauth2 ? auth->oauth2.get() : nullptr;
    const OAuth2Client* client = oauth2 ? config.find_client(oauth2->client) : nullptr;
    std::string protocol(protocol_name(c.protocol));
    if (client != nullptr) {
        std::string provider(provider_name(client->provider));
        add(out, "service", fmt::format("{}/{}", protocol, provider), oauth2->client_where,
            fmt::format("OAuth2 client '{}' (provider {}) cannot serve protocol {}",
                        client->meta.name, provider, protocol));
    } else {
        add(out, "service", protocol, c.meta.document);
    }
    add(out, "protocol", protocol, c.meta.document);
    add(out, "encryption", std::string(encryption_name(c.encryption)), c.encryption_where);
    add(out, "host", c.host, c.meta.document);
    add(out, "port", std::int64_t{c.port}, c.port_where);
    add(out, "username", text_or_none(c.username), c.meta.document);
    Location auth_where = auth != nullptr ? auth->where : c.meta.document;
    add(out, "password", auth != nullptr ? secret_or_none(auth->password) : std::monostate{},
        auth_where);
    add(out, "oauth2", oauth2 != nullptr, auth_where);
    if (oauth2 != nullptr) {
        add(out, "oauth2.client", Reference{Kind::oauth2_client, oauth2->client},
            oauth2->client_where);
        add(out, "oauth2.grant", std::string(grant_name(oauth2->grant)), oauth2->client_where);
        add(out, "oauth2.refreshToken", secret_or_none(oauth2->refresh_token), auth_where);
        add(out, "oauth2.password", secret_or_none(oauth2->password), auth_where);
    }
    if (client != nullptr) {
        add(out, "oauth2.provider", std::string(provider_name(client->provider)),
            oauth2->client_where);
        add(out, "oauth2.clientId", client->client_id, client->meta.where);
        add(out, "oauth2.clientSecret", secret_or_none(client->client_secret), client->meta.where);
        add(out, "oauth2.tenantId", text_or_none(client->tenant_id), client->meta.where);
    }
    if (auth != nullptr && auth->admin) {
        const AdminAuth& admin = *auth->admin;
        add(out, "admin.user", text_or_none(admin.user), auth_where);
        add(out, "admin.password", secret_or_none(admin.password), auth_where);
        add(out, "admin.login",
            std::string(admin.login == AdminLogin::master ? "master" : "authzid"), auth_where);
    }
    add(out, "timeout",
        std::int64_t{std::chrono::duration_cast<std::chrono::seconds>(c.timeout).count()},
        c.meta.document);
    add(out, "tls.verify", c.tls.verify, c.meta.document);
}

} // namespace

std::vector<Attribute> attributes(const OAuth2Client& client) {
    std::vector<Attribute> out;
    const Location& at = client.meta.document;
    add(out, "name", client.meta.name, client.meta.where);
    add(out, "description", text_or_none(client.description), at);
    add(out, "provider", std::string(provider_name(client.provider)), at);
    add(out, "clientId", client.client_id, at);
    add(out, "clientSecret", secret_or_none(client.client_secret), at);
    add(out, "tenantId", text_or_none(client.tenant_id), at);
    add(out, "tokenUrl", text_or_none(effective_token_url(client)), at);
    add(out, "authorizationUrl", text_or_none(client.authorization_url), at);
    std::string scopes;
    for (const std::string& scope : client.scopes)
        scopes += (scopes.empty() ? "" : " ") + scope;
    add(out, "scopes", text_or_none(scopes), at);
    return out;
}

std::vector<Attribute> attributes(const MailAccount& account, const Config& config) {
    std::vector<Attribute> out;
    add_connection(out, account, config);
    add(out, "folder",
        account.protocol == Protocol::imap ? AttributeValue(account.folder)
                                           : AttributeValue(std::monostate{}),
        account.folder_where);
    add(out, "enabled", account.enabled, account.meta.document);
    return out;
}

std::vector<Attribute> attributes(const SmtpConnection& connection, const Config& config) {
    std::vector<Attribute> out;
    add_connection(out, connection, config);
    add(out, "fromAddress", connection.from_address, connection.meta.document);
    add(out, "prefix", text_or_none(connection.prefix), connection.meta.document);
    add(out, "debug", connection.debug, connection.meta.document);
    return out;
}

const std::vector<AttributeInfo>& attribute_catalog(Kind kind) {
    static const std::vector<AttributeInfo> client{
        {"name", "metadata.name"},
        {"description", "spec.description"},
        {"provider", "spec.provider: google, microsoft or custom"},
        {"clientId", "spec.clientId"},
        {"clientSecret", "spec.clientSecret (secret)"},
        {"tenantId", "spec.tenantId (Microsoft)"},
        {"tokenUrl", "spec.tokenUrl, or the provider's token endpoint"},
        {"authorizationUrl", "spec.authorizationUrl"},
        {"scopes", "spec.scopes, separated by spaces"},
    };
    static const std::vector<AttributeInfo> connection{
        {"name", "metadata.name"},
        {"description", "spec.description"},
        {"service", "spec.protocol, with '/provider' of the OAuth2 client when auth is oauth2"},
        {"protocol", "spec.protocol (imap, pop3; smtp for outgoing)"},
        {"encryption", "spec.encryption: none, ssl or starttls"},
        {"host", "spec.host"},
        {"port", "spec.port, or the protocol's default"},
        {"username", "spec.username"},
        {"password", "spec.auth.password (secret)"},
        {"oauth2", "true when spec.auth.oauth2 is used"},
        {"oauth2.client", "spec.auth.oauth2.client (a reference)"},
        {"oauth2.grant", "spec.auth.oauth2.grant"},
        {"oauth2.refreshToken", "spec.auth.oauth2.refreshToken (secret)"},
        {"oauth2.password", "spec.auth.oauth2.password (secret)"},
        {"oauth2.provider", "the OAuth2 client's provider"},
        {"oauth2.clientId", "the OAuth2 client's clientId"},
        {"oauth2.clientSecret", "the OAuth2 client's clientSecret (secret)"},
        {"oauth2.tenantId", "the OAuth2 client's tenantId"},
        {"admin.user", "spec.auth.admin.user (empty: the shared 'magic password' mode)"},
        {"admin.password", "spec.auth.admin.password (secret)"},
        {"admin.login", "spec.auth.admin.login: authzid or master"},
        {"timeout", "spec.timeout in whole seconds"},
        {"tls.verify", "spec.tls.verify"},
    };
    static const std::vector<AttributeInfo> account = [] {
        std::vector<AttributeInfo> all = connection;
        all.push_back({"folder", "spec.folder (IMAP)"});
        all.push_back({"enabled", "spec.enabled: the Status, Active or Not Active"});
        return all;
    }();
    static const std::vector<AttributeInfo> smtp = [] {
        std::vector<AttributeInfo> all = connection;
        all.push_back({"fromAddress", "spec.fromAddress"});
        all.push_back({"prefix", "spec.prefix"});
        all.push_back({"debug", "spec.debug"});
        return all;
    }();
    switch (kind) {
    case Kind::oauth2_client:
        return client;
    case Kind::mail_account:
        return account;
    case Kind::smtp_connection:
        return smtp;
    case Kind::mailbox_migration:
        break; // not a target's object: it has no attributes to map
    }
    static const std::vector<AttributeInfo> none;
    return none;
}

std::string value_key(const AttributeValue& value) {
    struct Visitor {
        std::string operator()(std::monostate) const { return {}; }
        std::string operator()(const std::string& text) const { return text; }
        std::string operator()(std::int64_t number) const { return std::to_string(number); }
        std::string operator()(bool flag) const { return flag ? "true" : "false"; }
        std::string operator()(const Secret&) const { return {}; }
        std::string operator()(const Reference& reference) const { return reference.name; }
    };
    return std::visit(Visitor{}, value);
}

} // namespace mailsync
