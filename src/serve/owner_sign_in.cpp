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
        if (!page.ask || client == nullptr) {
            headers(response);
            return response.set_redirect("/owner", 303);
        }
        // The client's secret goes to its token endpoint only where the trust model allows.
        std::vector<Refusal> refusals = refused_routes(client_routes(*client), m_policy);
        if (!refusals.empty()) {
            m_log(fmt::format("{}: the sign-in through OAuth2Client '{}' is refused: {}",
                              session->migration, client->meta.name,
                              refusal_text(refusals.front())));
            page.error = "Signing in this way is not available now; give your password, or "
                         "tell your administrator.";
            return send(response, owner_page(page));
        }
        AuthorizationSecrets secrets = new_authorization_secrets();
        std::string redirect_uri = public_origin(request) + "/owner/oauth2/callback";
        {
            std::lock_guard lock(m_sign_in_mutex);
            auto now = std::chrono::steady_clock::now();
            std::erase_if(m_sign_ins,
                          [now](const auto& entry) { return entry.second.until < now; });
            m_sign_ins[secrets.state] = {sha256_hex(id), session->migration, secrets.verifier,
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
            page.error = "The sign-in did not work: " + token.error().message;
            return send(response, owner_page(page));
        }
        OwnerCredential credential;
        credential.kind = CredentialKind::refresh_token;
        credential.bound_to = source_binding(*migration, m_config, credential.kind);
        credential.stored_at = unix_now();
        credential.expires_at =
            credential.stored_at + migration->source.auth->self_service->expires.count();
        credential.value = std::move(*token);
        accept_credential(session->migration, std::move(credential), page, response);
    });
}

} // namespace mailsync
