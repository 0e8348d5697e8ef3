// The owner's sign-in through the migration's OAuth2Client instead of a password: the
// authorization code flow with PKCE (S256) through the owner's browser, the provider sending it
// back to /owner/oauth2/callback; the refresh token it yields is checked with a live login and
// kept sealed like a password.
#include <httplib.h>

#include <fmt/format.h>

#include "oauth2/authorization.hpp"
#include "oauth2/authorize.hpp"
#include "selfservice/invite.hpp"
#include "serve/server.hpp"
#include "trust/routes.hpp"
#include "util/crypto.hpp"

namespace mailsync {

namespace {

constexpr const char* owner_cookie = "mailsync_owner";
constexpr auto sign_in_time = std::chrono::minutes(10);
constexpr std::size_t max_sign_ins = 1000;

} // namespace

void SelfServiceServer::sign_in_routes() {
    m_server->Post("/owner/oauth2", [this](const httplib::Request& request,
                                           httplib::Response& response) {
        std::optional<OwnerSession> session = owner_session(request);
        std::string id = request_cookie(request, owner_cookie);
        if (!session || !same_origin(request) ||
            !csrf_matches(m_settings.sealing_key, id, request.get_param_value("csrf")))
            return send(response, message_page(403, "This form has expired",
                                               "Go back to your page, reload it, and try "
                                               "again."));
        OwnerPage page = owner_view(*session, id);
        const MailboxMigration* migration = self_service_migration(m_config, session->migration);
        const OAuth2Client* client =
            migration == nullptr
                ? nullptr
                : m_config.find_client(migration->source.auth->self_service->client);
        // owner_view has checked every route: the sign-in page, the token endpoint, the
        // client's secret, the source and the destination.
        if (!page.ask || !page.blocked.empty() || client == nullptr) {
            headers(response);
            return response.set_redirect("/owner", 303);
        }
        AuthorizationSecrets secrets = new_authorization_secrets();
        std::string redirect_uri = public_origin(request) + "/owner/oauth2/callback";
        {
            std::lock_guard lock(m_sign_in_mutex);
            auto now = std::chrono::steady_clock::now();
            std::string session_hash = sha256_hex(id);
            // One sign-in on its way per session (a new one replaces it), and a bound on all.
            std::erase_if(m_sign_ins, [&](const auto& entry) {
                return entry.second.until < now || entry.second.session_hash == session_hash;
            });
            if (m_sign_ins.size() >= max_sign_ins)
                return send(response, message_page(503, "Too many sign-ins at once",
                                                   "Try again in a few minutes."));
            m_sign_ins[secrets.state] = {session_hash, session->migration, secrets.verifier,
                                         redirect_uri, now + sign_in_time};
        }
        headers(response);
        response.set_redirect(
            authorization_url(*client, {redirect_uri, code_challenge(secrets.verifier),
                                        secrets.state, migration->source.username}),
            303);
    });
    m_server->Get("/owner/oauth2/callback", [this](const httplib::Request& request,
                                                   httplib::Response& response) {
        std::optional<OwnerSession> session = owner_session(request);
        std::string id = request_cookie(request, owner_cookie);
        if (!session)
            return send(response, message_page(401, "Your session has ended",
                                               "Open the link of your latest invitation email "
                                               "again, or ask your administrator for a new "
                                               "one."));
        CallbackParameters callback;
        for (auto [field, name] : {std::pair{&callback.code, "code"},
                                   {&callback.state, "state"},
                                   {&callback.error, "error"},
                                   {&callback.error_description, "error_description"}}) {
            callback.repeated = callback.repeated || request.get_param_value_count(name) > 1;
            *field = request.get_param_value(name);
        }
        std::optional<PendingSignIn> pending;
        {
            std::lock_guard lock(m_sign_in_mutex);
            auto found = m_sign_ins.find(callback.state);
            if (found != m_sign_ins.end() && found->second.session_hash == sha256_hex(id) &&
                found->second.until >= std::chrono::steady_clock::now()) {
                pending = found->second;
                m_sign_ins.erase(found);
            }
        }
        OwnerPage page = owner_view(*session, id);
        if (!page.ask || !page.blocked.empty()) {
            headers(response);
            return response.set_redirect("/owner", 303);
        }
        if (!pending || pending->migration != session->migration) {
            page.error = "That sign-in was not started from this page, or took too long. Try "
                         "again.";
            return send(response, owner_page(page));
        }
        const MailboxMigration* migration = self_service_migration(m_config, session->migration);
        const OAuth2Client* client =
            migration == nullptr
                ? nullptr
                : m_config.find_client(migration->source.auth->self_service->client);
        Result<std::string> code = accept_callback(callback, callback.state);
        Result<SecretValue> token =
            !code ? std::unexpected(code.error())
            : client == nullptr
                ? fail("the migration no longer names an OAuth2Client")
                : redeem_authorization_code(*client, *code, pending->verifier,
                                            pending->redirect_uri, m_settings.login_timeout);
        if (!token) {
            m_log(fmt::format("{}: the owner's sign-in failed: {}", session->migration,
                              token.error().message));
            page.error = "The sign-in did not work. Try again, or give your password instead.";
            return send(response, owner_page(page));
        }
        accept_credential(session->migration,
                          new_owner_credential(*migration, m_config, CredentialKind::refresh_token,
                                               std::move(*token)),
                          page, response);
    });
}

} // namespace mailsync
