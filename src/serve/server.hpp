// `mailsync serve`: the self-service web server (issue 22). Owners open their invitation's link,
// see what will be copied where, hand over the source's password (checked live at once) and
// follow the copy; the administrator signs in with a token of their own and sees every
// migration with its status (seed 004's task tracking), filtered or as CSV. cpp-httplib serves
// it, over TLS with a given certificate, or plain http on the loopback address only, behind a
// reverse proxy that terminates TLS.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "selfservice/invite.hpp"
#include "serve/owner_jobs.hpp"
#include "serve/pages.hpp"
#include "serve/sessions.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace mailsync {

struct ServeSettings {
    std::string host = "127.0.0.1";
    int port = 8080; // 0: a free one
    std::string tls_cert;
    std::string tls_key;
    // Where owners reach the server (the invitations' --base-url): its origin is the one forms
    // may come from, and https there makes the cookies Secure. Empty: the request's own Host.
    std::string public_url;
    std::string invite_key;
    std::string admin_token;
    std::string sealing_key; // the credential key, 32 bytes
    std::size_t parallelism = 2;
    std::chrono::seconds admin_session{std::chrono::hours(8)};
    std::chrono::milliseconds login_timeout{std::chrono::seconds(30)};
};

// The value of the cookie `name` in a request's Cookie header, or empty.
std::string request_cookie(const httplib::Request& request, const std::string& name);

// The self-service migration of that name, or null.
const MailboxMigration* self_service_migration(const Config& config, const std::string& name);

// Why the settings cannot serve (plain http beyond loopback, half a TLS pair), if so.
Result<void> check_serve_settings(const ServeSettings& settings);

class SelfServiceServer {
public:
    // `shared` serves the requests, `ledger` records the copies: two connections to one state.
    SelfServiceServer(const Config& config, const TrustPolicy& policy, StateStore& shared,
                      StateStore& ledger, ServeSettings settings,
                      std::function<void(const std::string&)> log);
    ~SelfServiceServer();
    SelfServiceServer(const SelfServiceServer&) = delete;
    SelfServiceServer& operator=(const SelfServiceServer&) = delete;

    // Binds the address; the port bound.
    Result<int> bind();
    // Resumes the copies the state holds credentials for, then serves until stop().
    void run();
    // Stops serving and the copies (from another thread or a signal's waiter).
    void stop();

private:
    void routes();
    void owner_routes();
    void admin_routes();
    void headers(httplib::Response& response) const;
    void send(httplib::Response& response, const Page& page) const;
    // Whether a POST comes from the server's own pages (Origin, when the browser sends one).
    bool same_origin(const httplib::Request& request) const;
    std::string cookie(const std::string& name, const std::string& value,
                       std::chrono::seconds lifetime, bool strict) const;

    // A link's token verified (the caller holds the state's lock), with its migration.
    struct LinkClaim {
        InviteClaim invite;
        const MailboxMigration* migration = nullptr;
    };
    Result<LinkClaim> link_claim(const std::string& token);
    // The owner's session of the request, checked against the current invitation.
    std::optional<OwnerSession> owner_session(const httplib::Request& request);
    OwnerPage owner_view(const OwnerSession& session, const std::string& session_id);
    void take_credentials(const httplib::Request& request, httplib::Response& response);
    // Checks and keeps a credential that arrived; on success queues the copy and redirects to
    // the owner's page, otherwise shows the page with the reason.
    void accept_credential(const std::string& migration, OwnerCredential credential,
                           OwnerPage& page, httplib::Response& response);
    // The owner's sign-in through the migration's OAuth2Client (owner_sign_in.cpp).
    void sign_in_routes();
    // scheme://host[:port] the browser reaches this server at.
    std::string public_origin(const httplib::Request& request) const;

    std::vector<MigrationView> views();
    MigrationView view_of(const MailboxMigration& migration,
                          const std::vector<MigrationRecord>& records);
    bool admin(const httplib::Request& request) const;

    const Config& m_config;
    const TrustPolicy& m_policy;
    ServeSettings m_settings;
    std::function<void(const std::string&)> m_log;
    SharedState m_shared;
    CredentialVault m_vault;
    OwnerJobs m_jobs;
    mutable AdminSessions m_admins;
    AttemptLimit m_owner_attempts{5, std::chrono::minutes(15)};
    AttemptLimit m_admin_attempts{10, std::chrono::minutes(15)};
    // Sign-ins on their way through a provider: by their OAuth2 state.
    struct PendingSignIn {
        std::string session_hash;
        std::string migration;
        std::string verifier;
        std::string redirect_uri;
        std::chrono::steady_clock::time_point until;
    };
    std::mutex m_sign_in_mutex;
    std::map<std::string, PendingSignIn> m_sign_ins;
    std::unique_ptr<httplib::Server> m_server;
};

} // namespace mailsync
