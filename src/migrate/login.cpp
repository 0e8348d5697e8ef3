// Logging in to both sides of a migration: OAuth2 tokens fetched once per credential, the
// credentials each login method needs, and the connections opened.
#include <chrono>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "migrate/job.hpp"
#include "probe/token.hpp"
#include "util/curl.hpp"

namespace mailsync {

std::string side_label(const MigrationEndpoint& side) {
    return fmt::format("{} {}:{}", side.side, side.host, side.port);
}

StepError step_error(const MigrationEndpoint& side, const imap::Failure& failure,
                     std::string_view about) {
    std::string message = fmt::format("{}: {}{}", side_label(side), about.empty() ? "" : about,
                                      imap::describe(failure));
    // Broken off, not timed out: one more try costs no second timeout.
    bool broke = failure.dropped && failure.phase != "connect" &&
                 (failure.message.starts_with("the connection broke") ||
                  failure.message.starts_with("the server closed the connection"));
    return {std::move(message), failure.dropped, broke};
}

namespace {

// OAuth2 tokens, one fetch per credential per process.

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

std::expected<std::string, std::string> access_token(const Config& config,
                                                     const MigrationEndpoint& side) {
    // Access tokens live an hour at Google and Microsoft (60 to 90 minutes); a cached one is
    // used for 45 minutes, so that a long-running serve or worker asks again in time.
    static std::mutex mutex;
    static std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>>
        tokens;
    constexpr auto lifetime = std::chrono::minutes(45);
    const OAuth2Auth& auth = *side.auth->oauth2;
    const OAuth2Client* client = config.find_client(auth.client);
    if (client == nullptr)
        return std::unexpected(fmt::format("OAuth2Client '{}' is not declared", auth.client));
    TokenRequest request = token_request(*client, auth, side.username);
    {
        std::lock_guard lock(mutex);
        if (auto found = tokens.find(request.key);
            found != tokens.end() && found->second.second > std::chrono::steady_clock::now())
            return found->second.first;
    }
    curl::Easy easy;
    std::string body;
    easy.set(CURLOPT_URL, request.url);
    easy.set(CURLOPT_POSTFIELDS, request.body);
    easy.set(CURLOPT_TIMEOUT_MS, 30000L);
    easy.set(CURLOPT_SSL_VERIFYPEER, request.tls.verify ? 1L : 0L);
    easy.set(CURLOPT_SSL_VERIFYHOST, request.tls.verify ? 2L : 0L);
    if (!request.tls.ca_file.empty())
        easy.set(CURLOPT_CAINFO, request.tls.ca_file);
    easy.set_callback(CURLOPT_WRITEFUNCTION, collect_body);
    easy.set(CURLOPT_WRITEDATA, static_cast<void*>(&body));
    CURLcode code = curl_easy_perform(easy.handle());
    if (code != CURLE_OK)
        return std::unexpected(
            fmt::format("token request to {}: {}", request.url, easy.error_text(code)));
    TokenResponse response = parse_token_response(easy.response_code(), body);
    if (!response.ok)
        return std::unexpected(
            fmt::format("token request to {}: {}{}", request.url, response.error,
                        response.description.empty() ? "" : ": " + response.description));
    std::lock_guard lock(mutex);
    std::erase_if(tokens, [](const auto& entry) {
        return entry.second.second <= std::chrono::steady_clock::now();
    });
    tokens[request.key] = {response.access_token, std::chrono::steady_clock::now() + lifetime};
    return response.access_token;
}

std::expected<imap::Credentials, std::string> credentials(const Config& config,
                                                          const MigrationEndpoint& side) {
    imap::Credentials out;
    out.user = side.username;
    out.login = side.username;
    const Auth& auth = *side.auth;
    if (auth.password && auth.password->value) {
        out.secret = auth.password->value->reveal();
    } else if (auth.admin) {
        out.secret = auth.admin->password && auth.admin->password->value
                         ? auth.admin->password->value->reveal()
                         : std::string();
        if (!auth.admin->user.empty()) {
            out.login = auth.admin->user;
            out.separator = auth.admin->separator;
            out.method = auth.admin->login == AdminLogin::master
                             ? imap::Credentials::Method::master
                             : imap::Credentials::Method::authzid;
        }
    } else if (auth.oauth2) {
        auto token = access_token(config, side);
        if (!token)
            return std::unexpected(token.error());
        out.secret = *token;
        out.method = auth.oauth2->mechanism == TokenMechanism::oauthbearer
                         ? imap::Credentials::Method::oauthbearer
                         : imap::Credentials::Method::xoauth2;
    }
    return out;
}

std::expected<void, StepError> connect(MigrationSide& side, const Config& config) {
    const MigrationEndpoint& e = *side.endpoint;
    imap::Endpoint endpoint{e.host, e.port, e.encryption, e.tls, e.timeout, e.allow_plaintext_auth};
    auto opened = imap::Connection::open(endpoint);
    if (!opened)
        return std::unexpected(step_error(e, opened.error()));
    auto login = credentials(config, e);
    if (!login)
        return std::unexpected(StepError{
            fmt::format("{}: log in as {}: {}", side_label(e), e.username, login.error())});
    if (auto ok = opened->login(*login); !ok) {
        StepError error = step_error(e, ok.error(), fmt::format("as {}: ", e.username));
        if (e.side == "destination" && !ok.error().dropped)
            error.message += " (the destination mailbox must exist before migration, and the "
                             "credentials must open it)";
        return std::unexpected(error);
    }
    side.connection = std::move(*opened);
    return {};
}

} // namespace

MigrationJob::MigrationJob(const MailboxMigration& migration, const Config& config,
                           MigrationLedger& ledger, const MigrationOptions& options,
                           MigrationProgress* progress)
    : m_migration(migration), m_config(config), m_ledger(ledger), m_options(options),
      m_progress(progress) {
    m_source.endpoint = &migration.source;
    m_destination.endpoint = &migration.destination;
    m_identity = migration_identity(migration);
}

std::expected<void, StepError> MigrationJob::open() {
    if (auto ok = connect(m_source, m_config); !ok)
        return ok;
    if (auto ok = connect(m_destination, m_config); !ok)
        return ok;
    // Nothing more reaches the destination once the run is stopped (paused, or its lease ran
    // out), not even the rest of an APPEND queued before.
    if (m_progress != nullptr)
        m_destination.connection->set_write_gate([this] { return !stopped(); });
    return {};
}

void MigrationJob::close() {
    if (m_source.connection)
        m_source.connection->close();
    if (m_destination.connection)
        m_destination.connection->close();
    m_source.connection.reset();
    m_destination.connection.reset();
}

} // namespace mailsync
