#include "model/resources.hpp"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace mailsync {

namespace {

constexpr std::array<std::pair<Kind, std::string_view>, 4> kind_names{{
    {Kind::oauth2_client, "OAuth2Client"},
    {Kind::mail_account, "MailAccount"},
    {Kind::smtp_connection, "SmtpConnection"},
    {Kind::mailbox_migration, "MailboxMigration"},
}};
constexpr std::array<std::pair<Protocol, std::string_view>, 3> protocol_names{
    {{Protocol::imap, "imap"}, {Protocol::pop3, "pop3"}, {Protocol::smtp, "smtp"}}};
constexpr std::array<std::pair<Encryption, std::string_view>, 3> encryption_names{
    {{Encryption::none, "none"}, {Encryption::ssl, "ssl"}, {Encryption::starttls, "starttls"}}};
constexpr std::array<std::pair<Provider, std::string_view>, 3> provider_names{
    {{Provider::google, "google"},
     {Provider::microsoft, "microsoft"},
     {Provider::custom, "custom"}}};
constexpr std::array<std::pair<Grant, std::string_view>, 3> grant_names{
    {{Grant::refresh_token, "refreshToken"},
     {Grant::client_credentials, "clientCredentials"},
     {Grant::password, "password"}}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
    for (const auto& [item, name] : table) {
        if (item == value)
            return name;
    }
    return "?";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::pair<Enum, std::string_view>, N>& table,
                               std::string_view text) {
    for (const auto& [item, name] : table) {
        if (name == text)
            return item;
    }
    return std::nullopt;
}

} // namespace

std::string_view kind_name(Kind kind) {
    return name_of(kind_names, kind);
}
std::optional<Kind> parse_kind(std::string_view text) {
    return parse_name(kind_names, text);
}
std::string_view protocol_name(Protocol protocol) {
    return name_of(protocol_names, protocol);
}
std::string_view encryption_name(Encryption value) {
    return name_of(encryption_names, value);
}
std::string_view provider_name(Provider provider) {
    return name_of(provider_names, provider);
}
std::string_view grant_name(Grant grant) {
    return name_of(grant_names, grant);
}
std::optional<Protocol> parse_protocol(std::string_view text) {
    return parse_name(protocol_names, text);
}
std::optional<Encryption> parse_encryption(std::string_view text) {
    return parse_name(encryption_names, text);
}
std::optional<Provider> parse_provider(std::string_view text) {
    return parse_name(provider_names, text);
}
std::optional<Grant> parse_grant(std::string_view text) {
    return parse_name(grant_names, text);
}

int default_port(Protocol protocol, Encryption encryption) {
    bool implicit_tls = encryption == Encryption::ssl;
    switch (protocol) {
    case Protocol::imap:
        return implicit_tls ? 993 : 143;
    case Protocol::pop3:
        return implicit_tls ? 995 : 110;
    case Protocol::smtp:
        return implicit_tls ? 465 : encryption == Encryption::starttls ? 587 : 25;
    }
    return 0;
}

std::string_view mechanism_name(TokenMechanism mechanism) {
    return mechanism == TokenMechanism::oauthbearer ? "OAUTHBEARER" : "XOAUTH2";
}

std::string effective_token_url(const OAuth2Client& client) {
    if (!client.token_url.empty())
        return client.token_url;
    switch (client.provider) {
    case Provider::google:
        return "https://oauth2.googleapis.com/token";
    case Provider::microsoft:
        return fmt::format("https://login.microsoftonline.com/{}/oauth2/v2.0/token",
                           client.tenant_id);
    case Provider::custom:
        break;
    }
    return {};
}

std::string effective_authorization_url(const OAuth2Client& client) {
    if (!client.authorization_url.empty())
        return client.authorization_url;
    switch (client.provider) {
    case Provider::google:
        return "https://accounts.google.com/o/oauth2/v2/auth";
    case Provider::microsoft:
        return fmt::format("https://login.microsoftonline.com/{}/oauth2/v2.0/authorize",
                           client.tenant_id);
    case Provider::custom:
        break;
    }
    return {};
}

std::vector<std::string> effective_scopes(const OAuth2Client& client, Grant grant) {
    if (!client.scopes.empty())
        return client.scopes;
    switch (client.provider) {
    case Provider::google:
        return {"https://mail.google.com/"};
    case Provider::microsoft:
        if (grant == Grant::client_credentials)
            return {"https://outlook.office365.com/.default"};
        return {"offline_access", "https://outlook.office365.com/IMAP.AccessAsUser.All",
                "https://outlook.office365.com/POP.AccessAsUser.All",
                "https://outlook.office365.com/SMTP.Send"};
    case Provider::custom:
        break;
    }
    return {};
}

bool provider_supports(Provider provider, Grant grant) {
    return provider != Provider::google || grant == Grant::refresh_token;
}

std::string Secret::describe() const {
    switch (source) {
    case Source::env:
        return fmt::format("${{env:{}}}", reference);
    case Source::file:
        return fmt::format("${{file:{}}}", reference);
    case Source::literal:
        break;
    }
    return "(literal)";
}

std::string Secret::identity() const {
    switch (source) {
    case Source::env:
        return "env:" + reference;
    case Source::file:
        return "file:" + (resolved_path.empty() ? reference : resolved_path);
    case Source::literal:
        break;
    }
    return {};
}

namespace {

template <typename ConfigT, typename Visit> void visit_secrets(ConfigT& config, Visit&& visit) {
    auto one = [&](auto& secret, Kind kind, const std::string& name) {
        if (secret)
            visit(*secret, kind, name);
    };
    auto auth = [&](auto& connection, Kind kind) {
        if (!connection.auth)
            return;
        one(connection.auth->password, kind, connection.meta.name);
        if (connection.auth->oauth2) {
            one(connection.auth->oauth2->refresh_token, kind, connection.meta.name);
            one(connection.auth->oauth2->password, kind, connection.meta.name);
        }
        if (connection.auth->admin)
            one(connection.auth->admin->password, kind, connection.meta.name);
    };
    for (auto& client : config.clients)
        one(client.client_secret, Kind::oauth2_client, client.meta.name);
    for (auto& account : config.accounts)
        auth(account, Kind::mail_account);
    for (auto& connection : config.smtp_connections)
        auth(connection, Kind::smtp_connection);
    for (auto& migration : config.migrations) {
        auth(migration.source, Kind::mailbox_migration);
        auth(migration.destination, Kind::mailbox_migration);
    }
}

} // namespace

void for_each_secret(Config& config,
                     const std::function<void(Secret&, Kind, const std::string&)>& visit) {
    visit_secrets(config, visit);
}

void for_each_secret(const Config& config,
                     const std::function<void(const Secret&, Kind, const std::string&)>& visit) {
    visit_secrets(config, visit);
}

const OAuth2Client* Config::find_client(std::string_view name) const {
    if (!clients.empty() && client_index.size() == clients.size()) {
        auto found = client_index.find(name);
        if (found != client_index.end() && found->second < clients.size() &&
            clients[found->second].meta.name == name)
            return &clients[found->second];
    }
    for (const OAuth2Client& client : clients) {
        if (client.meta.name == name)
            return &client;
    }
    return nullptr;
}

void Config::index_clients() {
    client_index.clear();
    for (std::size_t i = 0; i < clients.size(); ++i)
        client_index.emplace(clients[i].meta.name, i);
}

std::size_t Config::count(Kind kind) const {
    switch (kind) {
    case Kind::oauth2_client:
        return clients.size();
    case Kind::mail_account:
        return accounts.size();
    case Kind::smtp_connection:
        return smtp_connections.size();
    case Kind::mailbox_migration:
        return migrations.size();
    }
    return 0;
}

std::size_t Config::size() const {
    return clients.size() + accounts.size() + smtp_connections.size();
}

ServerDefaults server_defaults(std::string_view server_type, std::string_view protocol) {
    ServerDefaults out;
    if (protocol == "smtp") {
        out = {"", 587, "starttls"};
    } else if (protocol == "pop3") {
        out = {"", 995, "ssl"};
    } else {
        out = {"", 993, "ssl"};
    }
    if (server_type == "gmail")
        out.host = protocol == "smtp"   ? "smtp.gmail.com"
                   : protocol == "pop3" ? "pop.gmail.com"
                                        : "imap.gmail.com";
    else if (server_type == "office")
        out.host = protocol == "smtp" ? "smtp.office365.com" : "outlook.office365.com";
    return out;
}

} // namespace mailsync
