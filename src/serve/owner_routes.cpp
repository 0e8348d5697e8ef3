// The owner's side of `mailsync serve`: the link (GET shows it, POST uses it up and opens a
// session), the owner's page, and the credential form with its live login test.
#include <httplib.h>

#include <fmt/format.h>

#include "selfservice/invitations.hpp"
#include "selfservice/invite.hpp"
#include "serve/login_check.hpp"
#include "serve/server.hpp"

namespace mailsync {

namespace {

constexpr const char* owner_cookie = "mailsync_owner";
constexpr std::size_t max_password = 1024;

} // namespace

// The value of cookie `name` in the request's Cookie header, or empty.
std::string request_cookie(const httplib::Request& request, const std::string& name) {
    std::string header = request.get_header_value("Cookie");
    std::size_t at = 0;
    while (at < header.size()) {
        std::size_t end = header.find(';', at);
        std::string pair = header.substr(at, end == std::string::npos ? end : end - at);
        std::size_t first = pair.find_first_not_of(' ');
        std::size_t equals = pair.find('=');
        if (first != std::string::npos && equals != std::string::npos &&
            pair.substr(first, equals - first) == name)
            return pair.substr(equals + 1);
        if (end == std::string::npos)
            break;
        at = end + 1;
    }
    return {};
}

Result<SelfServiceServer::LinkClaim> SelfServiceServer::link_claim(const std::string& token) {
    Result<InviteClaim> claim =
        verify_invite(token, m_settings.invite_key, m_shared.state, unix_now());
    if (!claim)
        return std::unexpected(claim.error());
    const MailboxMigration* migration = self_service_migration(m_config, claim->migration);
    if (migration == nullptr)
        return fail("this link is for a migration that is no longer configured; ask your "
                    "administrator");
    return LinkClaim{*claim, migration};
}

std::optional<OwnerSession> SelfServiceServer::owner_session(const httplib::Request& request) {
    std::string id = request_cookie(request, owner_cookie);
    if (id.empty())
        return std::nullopt;
    std::lock_guard lock(m_shared.mutex);
    Result<std::optional<OwnerSession>> session =
        find_owner_session(m_shared.state, id, unix_now());
    if (!session || !*session)
        return std::nullopt;
    // A newer invitation ends the sessions its predecessors opened.
    Result<std::optional<InviteRecord>> invite = read_invite(m_shared.state, (*session)->migration);
    if (!invite || !*invite || (*invite)->id_hash != (*session)->invite_hash)
        return std::nullopt;
    return *session;
}

OwnerPage SelfServiceServer::owner_view(const OwnerSession& session,
                                        const std::string& session_id) {
    const MailboxMigration* migration = self_service_migration(m_config, session.migration);
    OwnerPage page;
    if (migration == nullptr)
        return page;
    {
        std::lock_guard lock(m_shared.mutex);
        Result<std::vector<MigrationRecord>> records = m_shared.state.migrations();
        page.view = view_of(*migration, records ? *records : std::vector<MigrationRecord>());
    }
    page.csrf = csrf_token(m_settings.sealing_key, session_id);
    page.username = migration->source.username;
    bool working = page.view.credentials_held &&
                   (page.view.status == "PENDING" || m_jobs.busy(page.view.name));
    page.ask = page.view.status != "COMPLETED" && !working;
    if (std::vector<Refusal> refusals = owner_refusals(*migration, m_config, m_policy);
        page.ask && !refusals.empty()) {
        m_log(fmt::format("{}: not taking the owner's credentials: {}; {}", migration->meta.name,
                          refusal_text(refusals.front()), refusals.front().hint));
        page.blocked = "This copy cannot start yet: your administrator has to allow its mail "
                       "servers first. Nothing was sent anywhere; come back to this page later.";
    }
    const std::string& client = migration->source.auth->self_service->client;
    if (const OAuth2Client* found = client.empty() ? nullptr : m_config.find_client(client))
        page.sign_in_with = found->provider == Provider::google      ? "Google"
                            : found->provider == Provider::microsoft ? "Microsoft"
                                                                     : found->meta.name;
    return page;
}

void SelfServiceServer::owner_routes() {
    auto refused = [this](httplib::Response& response, const std::string& why) {
        send(response, message_page(403, "This link does not work", why));
    };
    // The link itself: shows what it is for and uses nothing up, so that a mail scanner that
    // fetches it leaves it working for its owner.
    m_server->Get(R"(/m/([A-Za-z0-9_.\-]{1,1024}))",
                  [this, refused](const httplib::Request& request, httplib::Response& response) {
                      std::string token = request.matches[1];
                      std::unique_lock lock(m_shared.mutex);
                      Result<LinkClaim> claim = link_claim(token);
                      if (!claim)
                          return refused(response, claim.error().message);
                      MigrationView view = view_of(*claim->migration, {});
                      lock.unlock();
                      send(response,
                           link_page(view, token, invite_time_text(claim->invite.expires_at)));
                  });
    m_server->Post("/m", [this, refused](const httplib::Request& request,
                                         httplib::Response& response) {
        if (!same_origin(request))
            return refused(response, "this form was sent from another site");
        std::string token = request.get_param_value("token");
        std::unique_lock lock(m_shared.mutex);
        Result<LinkClaim> link = link_claim(token);
        if (!link)
            return refused(response, link.error().message);
        const InviteClaim* claim = &link->invite;
        const MailboxMigration* migration = link->migration;
        if (Result<void> used = consume_invite(*claim, m_shared.state); !used)
            return refused(response, used.error().message);
        std::string id = new_session_id();
        auto lifetime = migration->source.auth->self_service->expires;
        Result<void> kept = keep_owner_session(
            m_shared.state, id, {claim->migration, claim->id_hash, unix_now() + lifetime.count()});
        lock.unlock();
        if (!kept) {
            m_log("warning: " + kept.error().message);
            return send(response, message_page(500, "Something went wrong",
                                               "mailsync could not open your session. Ask your "
                                               "administrator for a new link."));
        }
        m_log(fmt::format("{}: the owner opened the invitation's link", claim->migration));
        response.set_header("Set-Cookie", cookie(owner_cookie, id, lifetime, false));
        headers(response);
        response.set_redirect("/owner", 303);
    });
    m_server->Get("/owner", [this](const httplib::Request& request, httplib::Response& response) {
        std::optional<OwnerSession> session = owner_session(request);
        if (!session)
            return send(response, message_page(401, "Your session has ended",
                                               "Open the link of your latest invitation email "
                                               "again, or ask your administrator for a new "
                                               "one."));
        if (self_service_migration(m_config, session->migration) == nullptr)
            return send(response, message_page(410, "This copy is no longer planned",
                                               "Your administrator removed it. Ask them if you "
                                               "are not sure why."));
        send(response, owner_page(owner_view(*session, request_cookie(request, owner_cookie))));
    });
    m_server->Post("/owner/credentials",
                   [this](const httplib::Request& request, httplib::Response& response) {
                       take_credentials(request, response);
                   });
    sign_in_routes();
}

void SelfServiceServer::take_credentials(const httplib::Request& request,
                                         httplib::Response& response) {
    std::optional<OwnerSession> session = owner_session(request);
    std::string id = request_cookie(request, owner_cookie);
    if (!session)
        return send(response, message_page(401, "Your session has ended",
                                           "Open the link of your latest invitation email again, "
                                           "or ask your administrator for a new one."));
    if (!same_origin(request) ||
        !csrf_matches(m_settings.sealing_key, id, request.get_param_value("csrf")))
        return send(response, message_page(403, "This form has expired",
                                           "Go back to your page, reload it, and try again."));
    OwnerPage page = owner_view(*session, id);
    const MailboxMigration* migration = self_service_migration(m_config, session->migration);
    if (!page.ask || !page.blocked.empty() || migration == nullptr) {
        headers(response);
        return response.set_redirect("/owner", 303);
    }
    // Per migration: whoever tries, the source account gets five passwords in 15 minutes. (Not
    // per address: behind a reverse proxy every request comes from it, and one owner's tries
    // would lock out every other.)
    if (!m_owner_attempts.attempt(session->migration)) {
        std::int64_t wait = m_owner_attempts.retry_after(session->migration);
        response.set_header("Retry-After", std::to_string(wait));
        m_log(fmt::format("{}: too many password attempts; refused for {} s", session->migration,
                          wait));
        return send(response,
                    message_page(429, "Too many attempts",
                                 fmt::format("For your mailbox's safety, mailsync takes no more "
                                             "passwords for {} minutes. Try again then.",
                                             (wait + 59) / 60)));
    }
    std::string password = request.get_param_value("password");
    if (password.empty() || password.size() > max_password) {
        page.error = password.empty() ? "Give the password of your current mailbox."
                                      : "That password is longer than any mail server takes.";
        return send(response, owner_page(page));
    }
    accept_credential(session->migration,
                      new_owner_credential(*migration, m_config, CredentialKind::password,
                                           SecretValue(std::move(password))),
                      page, response);
}

void SelfServiceServer::accept_credential(const std::string& name, OwnerCredential credential,
                                          OwnerPage& page, httplib::Response& response) {
    const MailboxMigration* migration = self_service_migration(m_config, name);
    if (migration == nullptr)
        return send(response, message_page(404, "Not here", "There is no such migration."));
    const std::string& client = migration->source.auth->self_service->client;
    if (Result<void> works =
            check_owner_login(*migration, credential, m_config, client, m_settings.login_timeout);
        !works) {
        m_log(fmt::format("{}: the owner's login test failed", name));
        page.error = works.error().message;
        return send(response, owner_page(page));
    }
    Result<void> kept = [&] {
        std::lock_guard lock(m_shared.mutex);
        return m_vault.keep(name, credential);
    }();
    if (!kept) {
        m_log("warning: " + kept.error().message);
        page.error = "mailsync could not keep the credentials safely; nothing was started. Tell "
                     "your administrator.";
        return send(response, owner_page(page));
    }
    {
        MigrationLedger ledger(m_shared.state);
        std::lock_guard lock(m_shared.mutex);
        ledger.save(ledger.without_run(*migration, TaskStatus::pending,
                                       "queued: its owner handed over the credentials"));
    }
    m_log(fmt::format("{}: the owner's login test passed; the copy is queued", name));
    m_jobs.submit(name);
    headers(response);
    response.set_redirect("/owner", 303);
}

} // namespace mailsync
