#include "serve/server.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include "selfservice/invitations.hpp"
#include "selfservice/invite.hpp"
#include "util/net.hpp"

namespace mailsync {

namespace {

// How logs name a path: an invitation's token never appears.
std::string logged_path(const std::string& path) {
    return path.starts_with("/m/") ? std::string("/m/(link)") : path;
}

// scheme://host[:port] of a URL.
std::string origin_of(const std::string& url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string::npos)
        return {};
    std::size_t end = url.find('/', scheme + 3);
    return url.substr(0, end);
}

std::string endpoint_text(const MigrationEndpoint& side) {
    return fmt::format("{} on {}", side.username, side.host);
}

} // namespace

const MailboxMigration* self_service_migration(const Config& config, const std::string& name) {
    for (const MailboxMigration& migration : config.migrations)
        if (migration.meta.name == name && is_self_service(migration))
            return &migration;
    return nullptr;
}

Result<void> check_serve_settings(const ServeSettings& settings) {
    if (settings.tls_cert.empty() != settings.tls_key.empty())
        return fail("give both --tls-cert and --tls-key, or neither");
    if (settings.tls_cert.empty() && !is_loopback_host(settings.host))
        return fail(fmt::format(
            "plain http on {} would carry the owners' passwords in clear over the network: give "
            "--tls-cert and --tls-key, or listen on 127.0.0.1 behind a reverse proxy that "
            "terminates TLS",
            settings.host));
    if (settings.admin_token.size() < 32)
        return fail("the admin token must have at least 32 characters");
    return {};
}

SelfServiceServer::SelfServiceServer(const Config& config, const TrustPolicy& policy,
                                     StateStore& shared, StateStore& ledger, ServeSettings settings,
                                     std::function<void(const std::string&)> log)
    : m_config(config), m_policy(policy), m_settings(std::move(settings)),
      m_log(std::move(log)), m_shared{shared, {}}, m_vault(shared, m_settings.sealing_key),
      m_jobs(config, policy, m_shared, m_vault, ledger, m_settings.parallelism),
      m_admins(m_settings.admin_session) {
    if (m_settings.tls_cert.empty())
        m_server = std::make_unique<httplib::Server>();
    else
        m_server = std::make_unique<httplib::SSLServer>(m_settings.tls_cert.c_str(),
                                                        m_settings.tls_key.c_str());
    m_server->set_payload_max_length(64 * 1024);
    // A client that goes quiet for 5 s is dropped, and 32 are answered at once: a few slow
    // clients do not stop the pages. Many more are a reverse proxy's to buffer (docs).
    m_server->set_read_timeout(5, 0);
    m_server->set_write_timeout(30, 0);
    m_server->set_keep_alive_timeout(5);
    m_server->new_task_queue = [] { return new httplib::ThreadPool(32); };
    m_server->set_logger([this](const httplib::Request& request,
                                const httplib::Response& response) {
        m_log(fmt::format("{} {} {}", request.method, logged_path(request.path), response.status));
    });
    m_server->set_exception_handler(
        [this](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
            send(response, message_page(500, "Something went wrong",
                                        "mailsync could not answer this request. Try again in "
                                        "a moment."));
        });
    routes();
}

SelfServiceServer::~SelfServiceServer() {
    stop();
}

Result<int> SelfServiceServer::bind() {
    if (!m_server->is_valid())
        return fail(fmt::format("cannot serve TLS with the certificate {} and the key {}: they "
                                "cannot be read, or do not belong together",
                                m_settings.tls_cert, m_settings.tls_key));
    int port =
        m_settings.port == 0
            ? m_server->bind_to_any_port(m_settings.host)
            : (m_server->bind_to_port(m_settings.host, m_settings.port) ? m_settings.port : -1);
    if (port < 0)
        return fail(fmt::format("cannot listen on {}:{}: the address is in use or not this "
                                "machine's",
                                m_settings.host, m_settings.port));
    return port;
}

void SelfServiceServer::run() {
    m_jobs.resume();
    std::jthread sweeper([this](std::stop_token stop) {
        std::mutex mutex;
        std::condition_variable_any woken;
        while (!stop.stop_requested()) {
            try {
                if (std::size_t wiped = m_jobs.sweep_expired(); wiped > 0)
                    m_log(fmt::format("wiped the credentials of {} migration{}", wiped,
                                      wiped == 1 ? "" : "s"));
            } catch (const std::exception& error) {
                m_log(fmt::format("warning: the sweep of expired credentials failed: {}",
                                  error.what()));
            }
            for (const std::string& problem : m_jobs.take_problems())
                m_log("warning: " + problem);
            std::unique_lock lock(mutex);
            woken.wait_for(lock, stop, std::chrono::seconds(30), [] { return false; });
        }
    });
    m_server->listen_after_bind();
}

void SelfServiceServer::stop() {
    m_server->stop();
    m_jobs.stop();
}

void SelfServiceServer::headers(httplib::Response& response) const {
    response.set_header("Content-Security-Policy", page_security_policy());
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("X-Frame-Options", "DENY");
    // Not no-referrer: under it browsers send "Origin: null" with the pages' own forms, which
    // same_origin() must refuse. The link's token never leaves this origin either way.
    response.set_header("Referrer-Policy", "same-origin");
    response.set_header("Cache-Control", "no-store");
    response.set_header("Cross-Origin-Opener-Policy", "same-origin");
    if (!m_settings.tls_cert.empty())
        response.set_header("Strict-Transport-Security", "max-age=31536000");
}

void SelfServiceServer::send(httplib::Response& response, const Page& page) const {
    headers(response);
    response.status = page.status;
    response.set_content(page.html, "text/html; charset=utf-8");
}

std::string SelfServiceServer::public_origin(const httplib::Request& request) const {
    if (!m_settings.public_url.empty())
        return origin_of(m_settings.public_url);
    std::string scheme = m_settings.tls_cert.empty() ? "http://" : "https://";
    return scheme + request.get_header_value("Host");
}

bool SelfServiceServer::same_origin(const httplib::Request& request) const {
    if (!request.has_header("Origin"))
        return true; // older browsers: the CSRF token alone decides
    return request.get_header_value("Origin") == public_origin(request);
}

std::string SelfServiceServer::cookie(const std::string& name, const std::string& value,
                                      std::chrono::seconds lifetime, bool strict) const {
    bool secure = !m_settings.tls_cert.empty() || m_settings.public_url.starts_with("https://");
    return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite={}{}", name, value,
                       lifetime.count(), strict ? "Strict" : "Lax", secure ? "; Secure" : "");
}

MigrationView SelfServiceServer::view_of(const MailboxMigration& migration,
                                         const std::vector<MigrationRecord>& records) {
    MigrationView view;
    view.name = migration.meta.name;
    view.description = migration.description;
    view.source = endpoint_text(migration.source);
    view.destination = endpoint_text(migration.destination);
    view.self_service = is_self_service(migration);
    view.status = "NEW";
    std::string identity = migration_identity(migration);
    for (const MigrationRecord& record : records) {
        if (record.name != view.name || record.identity != identity)
            continue;
        view.status = std::string(status_name(record.status));
        view.message = record.message;
        view.messages_done = static_cast<std::uint64_t>(record.messages_done);
        view.messages_total = static_cast<std::uint64_t>(record.messages_total);
        view.bytes_done = static_cast<std::uint64_t>(record.bytes_done);
        view.bytes_total = static_cast<std::uint64_t>(record.bytes_total);
        view.updated_at = record.updated_at;
    }
    if (view.self_service) {
        Result<std::optional<InviteRecord>> invite = read_invite(m_shared.state, view.name);
        view.owner = invite && *invite ? (*invite)->sent_to : std::string();
        Result<bool> held = m_vault.holds(view.name);
        view.credentials_held = held && *held;
    }
    if (std::optional<LiveProgress> live = m_jobs.live(view.name); live && view.status != "ERROR") {
        view.status = "PENDING";
        view.messages_done = live->messages_done;
        view.messages_total = live->messages_total;
        view.bytes_done = live->bytes_done;
        view.bytes_total = live->bytes_total;
    }
    return view;
}

std::vector<MigrationView> SelfServiceServer::views() {
    std::lock_guard lock(m_shared.mutex);
    Result<std::vector<MigrationRecord>> records = m_shared.state.migrations();
    std::vector<MigrationView> out;
    for (const MailboxMigration& migration : m_config.migrations)
        out.push_back(view_of(migration, records ? *records : std::vector<MigrationRecord>()));
    return out;
}

void SelfServiceServer::routes() {
    m_server->Get("/", [this](const httplib::Request&, httplib::Response& response) {
        send(response, message_page(200, "mailsync",
                                    "This server copies mailboxes. Open the link of the email "
                                    "you received to start the copy of yours."));
    });
    m_server->Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
        headers(response);
        response.set_content("ok\n", "text/plain");
    });
    m_server->set_error_handler([this](const httplib::Request&, httplib::Response& response) {
        if (response.body.empty())
            send(response,
                 message_page(response.status, "Not here",
                              response.status == 404 ? "There is no such page."
                                                     : "mailsync cannot answer this request."));
    });
    owner_routes();
    admin_routes();
}

} // namespace mailsync
