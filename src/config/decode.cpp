#include "config/decode.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "config/scalar.hpp"
#include "config/secrets.hpp"
#include "config/value_hints.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

constexpr std::string_view api_version = "mailsync/v1";

// Reads the fields of a document that the schema has accepted, so types are already right.
// An invitation's lifetime: a duration, or days ("7d"), which other durations do not take.
std::optional<std::chrono::seconds> parse_lifetime(const std::string& text) {
    if (text.size() > 1 && text.back() == 'd') {
        if (auto hours = parse_duration(text.substr(0, text.size() - 1) + "h"))
            return std::chrono::duration_cast<std::chrono::seconds>(*hours) * 24;
        return std::nullopt;
    }
    if (auto duration = parse_duration(text))
        return std::chrono::duration_cast<std::chrono::seconds>(*duration);
    return std::nullopt;
}

class FieldReader {
public:
    FieldReader(const std::string& file, Diagnostics& diagnostics)
        : m_file(file), m_diagnostics(diagnostics) {}

    Location at(const yaml::Mark& mark) const { return {m_file, mark.line, mark.column}; }

    std::string text(const yaml::Node& map, std::string_view key) const {
        const yaml::Node* node = map.find(key);
        return node != nullptr && node->is_scalar() ? node->value : std::string();
    }

    bool flag(const yaml::Node& map, std::string_view key, bool fallback) const {
        const yaml::Node* node = map.find(key);
        return node != nullptr ? yaml::as_bool(*node).value_or(fallback) : fallback;
    }

    std::optional<Secret> secret(const yaml::Node& map, std::string_view key,
                                 const std::string& field) const {
        const yaml::Node* node = map.find(key);
        if (node == nullptr)
            return std::nullopt;
        return parse_secret(*node, field, m_file, m_diagnostics);
    }

    ResourceMeta meta(const yaml::Node& root) const {
        ResourceMeta meta;
        const yaml::Node& metadata = *root.find("metadata");
        const yaml::Node& name = *metadata.find("name");
        meta.name = name.value;
        meta.where = at(name.mark);
        meta.document = at(root.mark);
        if (const yaml::Node* labels = metadata.find("labels")) {
            for (const yaml::Node& label : labels->children)
                meta.labels[label.key] = label.value;
        }
        if (const yaml::Node* protect = metadata.find("protected")) {
            meta.protect = yaml::as_bool(*protect).value_or(false);
            meta.protect_where = at(protect->mark);
        }
        if (const yaml::Node* names = metadata.find("previousNames")) {
            for (const yaml::Node& previous : names->children) {
                meta.previous_names.push_back(previous.value);
                meta.previous_where.push_back(at(previous.mark));
            }
        }
        return meta;
    }

    Boxed<Auth> auth(const yaml::Node& spec, const std::string& path = "spec") const {
        const yaml::Node* node = spec.find("auth");
        if (node == nullptr)
            return std::nullopt;
        Auth auth;
        auth.where = at(node->key_mark);
        auth.password = secret(*node, "password", path + ".auth.password");
        if (const yaml::Node* oauth2 = node->find("oauth2")) {
            OAuth2Auth out;
            const yaml::Node& client = *oauth2->find("client");
            out.client = client.value;
            out.client_where = at(client.mark);
            out.refresh_token = secret(*oauth2, "refreshToken", path + ".auth.oauth2.refreshToken");
            out.password = secret(*oauth2, "password", path + ".auth.oauth2.password");
            if (const yaml::Node* grant = oauth2->find("grant"))
                out.grant = parse_grant(grant->value).value_or(Grant::refresh_token);
            else if (!out.refresh_token && out.password)
                out.grant = Grant::password;
            if (const yaml::Node* mechanism = oauth2->find("mechanism")) {
                out.mechanism_where = at(mechanism->mark);
                if (mechanism->value == "oauthbearer")
                    out.mechanism = TokenMechanism::oauthbearer;
            }
            auth.oauth2 = std::move(out);
        }
        if (const yaml::Node* admin = node->find("admin")) {
            AdminAuth out;
            out.user = text(*admin, "user");
            out.password = secret(*admin, "password", path + ".auth.admin.password");
            if (text(*admin, "login") == "master")
                out.login = AdminLogin::master;
            if (std::string separator = text(*admin, "masterSeparator"); !separator.empty())
                out.separator = separator;
            auth.admin = std::move(out);
        }
        if (const yaml::Node* self = node->find("selfService"))
            auth.self_service = self_service(*self);
        return auth;
    }

    SelfServiceAuth self_service(const yaml::Node& node) const {
        SelfServiceAuth out;
        out.where = at(node.key_mark);
        out.expires_where = out.where;
        if (const yaml::Node* email = node.find("email")) {
            out.email = email->value;
            out.email_where = at(email->mark);
        }
        if (const yaml::Node* expires = node.find("expires")) {
            out.expires_where = at(expires->mark);
            if (auto lifetime = parse_lifetime(expires->value))
                out.expires = *lifetime;
        }
        if (const yaml::Node* client = node.find("oauth2Client")) {
            out.client = client->value;
            out.client_where = at(client->mark);
        }
        return out;
    }

    void connection(const yaml::Node& root, Protocol protocol, Encryption default_encryption,
                    Connection& out) const {
        const yaml::Node& spec = *root.find("spec");
        out.meta = meta(root);
        out.description = text(spec, "description");
        connection_fields(spec, protocol, default_encryption, out);
    }

    // The fields a connection has wherever it is declared; out.meta must be set.
    void connection_fields(const yaml::Node& spec, Protocol protocol, Encryption default_encryption,
                           Connection& out, const std::string& path = "spec") const {
        out.protocol = protocol;
        out.encryption = default_encryption;
        out.encryption_where = out.meta.document;
        if (const yaml::Node* encryption = spec.find("encryption")) {
            out.encryption = parse_encryption(encryption->value).value_or(default_encryption);
            out.encryption_where = at(encryption->mark);
        }
        out.host = text(spec, "host");
        out.port = default_port(protocol, out.encryption);
        out.port_where = out.meta.document;
        if (const yaml::Node* port = spec.find("port")) {
            out.port = static_cast<int>(yaml::as_int(*port).value_or(out.port));
            out.port_where = at(port->mark);
            out.port_given = true;
        }
        out.username = text(spec, "username");
        out.auth = auth(spec, path);
        if (const yaml::Node* timeout = spec.find("timeout")) {
            if (auto duration = parse_duration(timeout->value)) {
                out.timeout = *duration;
                // The same bounds as import's: no wait at all, or longer than a mail server
                // waits, is a typo (30000 meant as milliseconds, an h for an s).
                if (duration->count() == 0 || *duration > std::chrono::seconds(max_timeout_seconds))
                    m_diagnostics.error(
                        at(timeout->mark),
                        fmt::format("timeout '{}' is {}; a timeout is from 1ms to {}m",
                                    timeout->value,
                                    duration->count() == 0 ? "no time to wait"
                                                           : "more than a mail server waits",
                                    max_timeout_seconds / 60));
            }
        }
        out.tls = tls(spec);
        out.allow_plaintext_auth = flag(spec, "allowPlaintextAuth", false);
    }

    TlsSettings tls(const yaml::Node& spec) const {
        TlsSettings out;
        if (const yaml::Node* tls = spec.find("tls")) {
            out.verify = flag(*tls, "verify", true);
            if (const yaml::Node* verify = tls->find("verify"))
                out.verify_where = at(verify->mark);
            if (const yaml::Node* ca_file = tls->find("caFile")) {
                out.ca_file_written = ca_file->value;
                out.ca_file_where = at(ca_file->mark);
            }
        }
        return out;
    }

private:
    const std::string& m_file;
    Diagnostics& m_diagnostics;
};

OAuth2Client read_client(const yaml::Node& root, const FieldReader& read) {
    const yaml::Node& spec = *root.find("spec");
    OAuth2Client client;
    client.meta = read.meta(root);
    client.description = read.text(spec, "description");
    client.provider = parse_provider(read.text(spec, "provider")).value_or(Provider::custom);
    client.client_id = read.text(spec, "clientId");
    client.client_secret = read.secret(spec, "clientSecret", "spec.clientSecret");
    client.tenant_id = read.text(spec, "tenantId");
    client.token_url = read.text(spec, "tokenUrl");
    if (const yaml::Node* url = spec.find("tokenUrl"))
        client.token_url_where = read.at(url->mark);
    client.authorization_url = read.text(spec, "authorizationUrl");
    if (const yaml::Node* url = spec.find("authorizationUrl"))
        client.authorization_url_where = read.at(url->mark);
    client.tls = read.tls(spec);
    if (const yaml::Node* scopes = spec.find("scopes")) {
        for (const yaml::Node& scope : scopes->children)
            client.scopes.push_back(scope.value);
    }
    return client;
}

MailAccount read_account(const yaml::Node& root, const FieldReader& read) {
    const yaml::Node& spec = *root.find("spec");
    MailAccount account;
    Protocol protocol = read.text(spec, "protocol") == "pop3" ? Protocol::pop3 : Protocol::imap;
    read.connection(root, protocol, Encryption::ssl, account);
    if (const yaml::Node* folder = spec.find("folder")) {
        account.folder = folder->value;
        account.folder_where = read.at(folder->mark);
        account.folder_given = true;
    }
    account.enabled = read.flag(spec, "enabled", true);
    return account;
}

MigrationEndpoint read_endpoint(const yaml::Node& node, const ResourceMeta& meta, std::string side,
                                const FieldReader& read) {
    MigrationEndpoint out;
    out.meta = meta;
    out.side = std::move(side);
    out.type = read.text(node, "type");
    if (out.type.empty())
        out.type = "default";
    ServerDefaults defaults = server_defaults(out.type, "imap");
    read.connection_fields(node, Protocol::imap,
                           parse_encryption(defaults.encryption).value_or(Encryption::ssl), out,
                           "spec." + out.side);
    if (out.host.empty()) {
        out.host = defaults.host;
        out.port_where = read.at(node.key_mark);
    }
    if (!out.port_given && defaults.port != 0)
        out.port = default_port(Protocol::imap, out.encryption);
    return out;
}

MailboxMigration read_migration(const yaml::Node& root, const FieldReader& read) {
    const yaml::Node& spec = *root.find("spec");
    MailboxMigration migration;
    migration.meta = read.meta(root);
    migration.description = read.text(spec, "description");
    migration.source = read_endpoint(*spec.find("source"), migration.meta, "source", read);
    migration.destination =
        read_endpoint(*spec.find("destination"), migration.meta, "destination", read);
    migration.subscribed_only = read.flag(spec, "subscribedOnly", false);
    if (const yaml::Node* folders = spec.find("folders")) {
        if (const yaml::Node* include = folders->find("include"))
            for (const yaml::Node& item : include->children)
                migration.include.push_back(item.value);
        if (const yaml::Node* exclude = folders->find("exclude"))
            for (const yaml::Node& item : exclude->children)
                migration.exclude.push_back(item.value);
        if (const yaml::Node* rename = folders->find("rename"))
            for (const yaml::Node& item : rename->children)
                migration.rename.push_back({item.key, item.value, read.at(item.key_mark)});
    }
    return migration;
}

SmtpConnection read_smtp(const yaml::Node& root, const FieldReader& read) {
    const yaml::Node& spec = *root.find("spec");
    SmtpConnection connection;
    read.connection(root, Protocol::smtp, Encryption::starttls, connection);
    connection.from_address = read.text(spec, "fromAddress");
    connection.prefix = read.text(spec, "prefix");
    connection.debug = read.flag(spec, "debug", false);
    return connection;
}

// apiVersion and kind decide which schema applies, so they are checked first, by hand.
std::optional<Kind> check_header(const yaml::Document& document, const std::string& file,
                                 Diagnostics& diagnostics) {
    const yaml::Node& root = document.root;
    Location start{file, root.mark.line, root.mark.column};
    if (!root.is_map()) {
        diagnostics.error(start, fmt::format("a document must be a map with apiVersion, kind, "
                                             "metadata and spec, not {}",
                                             yaml::describe(root)));
        return std::nullopt;
    }
    bool ok = true;
    const yaml::Node* version = root.find("apiVersion");
    if (version == nullptr) {
        diagnostics.error(
            start, fmt::format("missing required field 'apiVersion' (it is {})", api_version));
        ok = false;
    } else if (!version->is_scalar() || version->value != api_version) {
        diagnostics.error({file, version->mark.line, version->mark.column},
                          fmt::format("unknown apiVersion {}; this mailsync reads {}",
                                      version->is_scalar() ? "'" + version->value + "'"
                                                           : yaml::describe(*version),
                                      api_version));
        ok = false;
    }
    const yaml::Node* kind_node = root.find("kind");
    if (kind_node == nullptr) {
        diagnostics.error(start, "missing required field 'kind'");
        return std::nullopt;
    }
    std::optional<Kind> kind = kind_node->is_scalar() ? parse_kind(kind_node->value) : std::nullopt;
    if (!kind && kind_node->is_scalar() && kind_node->value == "Settings") {
        diagnostics.error({file, kind_node->mark.line, kind_node->mark.column},
                          "a Settings document is read from mailsync.yaml at the configuration "
                          "root, not as a resource");
        return std::nullopt;
    }
    if (!kind) {
        std::vector<std::string> names;
        for (Kind k : declared_kinds)
            names.emplace_back(kind_name(k));
        std::string suggestion =
            kind_node->is_scalar() ? did_you_mean(kind_node->value, names) : std::string();
        if (suggestion.empty())
            suggestion = fmt::format(" (known kinds: {})", join(names, ", "));
        diagnostics.error({file, kind_node->mark.line, kind_node->mark.column},
                          fmt::format("unknown kind {}{}",
                                      kind_node->is_scalar() ? "'" + kind_node->value + "'"
                                                             : yaml::describe(*kind_node),
                                      suggestion));
        return std::nullopt;
    }
    return ok ? kind : std::nullopt;
}

} // namespace

bool decode_document(const yaml::Document& document, const std::string& file,
                     SchemaValidator& schema, Config& config, Diagnostics& diagnostics) {
    std::optional<Kind> kind = check_header(document, file, diagnostics);
    if (!kind)
        return false;
    if (!schema.validate(document.root, *kind, file, diagnostics))
        return false;
    std::size_t errors_before = diagnostics.error_count();
    FieldReader read(file, diagnostics);
    switch (*kind) {
    case Kind::oauth2_client:
        config.clients.push_back(read_client(document.root, read));
        break;
    case Kind::mail_account:
        config.accounts.push_back(read_account(document.root, read));
        break;
    case Kind::smtp_connection:
        config.smtp_connections.push_back(read_smtp(document.root, read));
        break;
    case Kind::mailbox_migration:
        config.migrations.push_back(read_migration(document.root, read));
        break;
    }
    return diagnostics.error_count() == errors_before;
}

} // namespace mailsync
