#include "serve/credentials.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "selfservice/invite.hpp"
#include "util/crypto.hpp"
#include "util/sealed.hpp"

namespace mailsync {

namespace {

std::string meta_key(const std::string& migration) {
    return "credential:" + migration;
}

std::string_view kind_name(CredentialKind kind) {
    return kind == CredentialKind::password ? "password" : "refresh_token";
}

// What the sealed value is bound to: altering any of it in the state makes it unreadable.
std::string associated_data(const std::string& migration, const OwnerCredential& credential) {
    return fmt::format("mailsync owner credential v1\n{}\n{}\n{}\n{}\n{}", migration,
                       kind_name(credential.kind), credential.bound_to, credential.stored_at,
                       credential.expires_at);
}

// A CA file as bound: its path and the digest of what it holds, since a file under the
// configuration's folder can change without its path changing.
std::string ca_text(const std::string& path) {
    if (path.empty())
        return {};
    std::ifstream in(path, std::ios::binary);
    Sha256 digest;
    std::string chunk(1 << 16, '\0');
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0)
        digest.update(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
    return fmt::format("{}#{}", path, in.bad() || !in.eof() ? "unreadable" : digest.hex());
}

} // namespace

Result<std::string> credential_key_path(const std::optional<std::string>& given) {
    if (given && !given->empty())
        return *given;
    const char* value = std::getenv(credential_key_variable);
    if (value != nullptr && *value != '\0')
        return std::string(value);
    return fail(fmt::format("no credential key: set {} or --credential-key FILE (kept outside "
                            "the state and the repository; made 0600 when missing)",
                            credential_key_variable));
}

std::string credential_sealing_key(std::string_view key_text) {
    return sha256_bytes(std::string("mailsync credential key v1\n").append(key_text));
}

std::string source_binding(const MailboxMigration& migration, const Config& config,
                           CredentialKind kind) {
    const MigrationEndpoint& source = migration.source;
    std::string client;
    if (kind == CredentialKind::refresh_token && is_self_service(migration)) {
        const OAuth2Client* found = config.find_client(source.auth->self_service->client);
        client = found == nullptr
                     ? std::string(" client=(none)")
                     : fmt::format(" client={} token={} verify={} ca={}", found->meta.name,
                                   effective_token_url(*found), found->tls.verify ? "yes" : "no",
                                   ca_text(found->tls.ca_file));
    }
    const MigrationEndpoint& to = migration.destination;
    return fmt::format("{}@{}:{} {} verify={} ca={} -> {}@{}", source.username, source.host,
                       source.port,
                       source.encryption == Encryption::ssl        ? "ssl"
                       : source.encryption == Encryption::starttls ? "starttls"
                                                                   : "none",
                       source.tls.verify ? "yes" : "no", ca_text(source.tls.ca_file), to.username,
                       to.host, to.port) +
           client;
}

OwnerCredential new_owner_credential(const MailboxMigration& migration, const Config& config,
                                     CredentialKind kind, SecretValue value) {
    OwnerCredential credential;
    credential.kind = kind;
    credential.bound_to = source_binding(migration, config, kind);
    credential.stored_at = unix_now();
    credential.expires_at =
        credential.stored_at + migration.source.auth->self_service->expires.count();
    credential.value = std::move(value);
    return credential;
}

std::optional<std::int64_t> credential_expiry(const std::string& record) {
    nlohmann::json json = nlohmann::json::parse(record, nullptr, false);
    if (!json.is_object() || !json.value("expires_at", nlohmann::json()).is_number_integer())
        return std::nullopt;
    return json["expires_at"].get<std::int64_t>();
}

Result<void> CredentialVault::keep(const std::string& migration,
                                   const OwnerCredential& credential) {
    if (!credential.value)
        return fail("no credential to keep");
    nlohmann::json record = {
        {"version", 1},
        {"kind", kind_name(credential.kind)},
        {"bound_to", credential.bound_to},
        {"stored_at", credential.stored_at},
        {"expires_at", credential.expires_at},
        {"sealed",
         seal_text(m_key, credential.value->reveal(), associated_data(migration, credential))},
    };
    return m_state.set_meta(meta_key(migration), record.dump());
}

Result<bool> CredentialVault::holds(const std::string& migration) {
    Result<std::optional<std::string>> text = m_state.meta(meta_key(migration));
    if (!text)
        return std::unexpected(text.error());
    return *text && !(*text)->empty();
}

Result<std::optional<OwnerCredential>> CredentialVault::read(const std::string& migration) {
    Result<std::optional<std::string>> text = m_state.meta(meta_key(migration));
    if (!text)
        return std::unexpected(text.error());
    if (!*text || (*text)->empty())
        return std::optional<OwnerCredential>();
    nlohmann::json record = nlohmann::json::parse(**text, nullptr, false);
    auto unreadable = [&migration] {
        return fail(fmt::format("the credentials kept for '{}' cannot be opened: another "
                                "credential key, or the record was altered",
                                migration));
    };
    if (!record.is_object() || !record.value("sealed", nlohmann::json()).is_string() ||
        !record.value("bound_to", nlohmann::json()).is_string() ||
        !record.value("stored_at", nlohmann::json()).is_number_integer() ||
        !record.value("expires_at", nlohmann::json()).is_number_integer())
        return unreadable();
    OwnerCredential credential;
    credential.kind = record.contains("kind") && record["kind"] == "refresh_token"
                          ? CredentialKind::refresh_token
                          : CredentialKind::password;
    credential.bound_to = record["bound_to"].get<std::string>();
    credential.stored_at = record["stored_at"].get<std::int64_t>();
    credential.expires_at = record["expires_at"].get<std::int64_t>();
    Result<std::string> plain = open_text(m_key, record["sealed"].get<std::string>(),
                                          associated_data(migration, credential));
    if (!plain)
        return unreadable();
    credential.value.emplace(std::move(*plain));
    return credential;
}

Result<void> CredentialVault::wipe(const std::string& migration) {
    return m_state.set_meta(meta_key(migration), "");
}

MailboxMigration with_owner_credential(const MailboxMigration& migration,
                                       const OwnerCredential& credential,
                                       const std::string& client) {
    MailboxMigration out = migration;
    Auth auth;
    auth.where = migration.source.auth ? migration.source.auth->where : Location{};
    Secret secret;
    secret.source = Secret::Source::literal;
    secret.field = credential.kind == CredentialKind::password ? "spec.source.auth.password"
                                                               : "spec.source.auth.oauth2";
    secret.where = auth.where;
    secret.value = credential.value;
    if (credential.kind == CredentialKind::password) {
        auth.password = std::move(secret);
    } else {
        OAuth2Auth oauth2;
        oauth2.client = client;
        oauth2.grant = Grant::refresh_token;
        oauth2.refresh_token = std::move(secret);
        auth.oauth2 = std::move(oauth2);
    }
    out.source.auth = std::move(auth);
    return out;
}

} // namespace mailsync
