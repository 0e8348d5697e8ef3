// The administrator's side of `mailsync serve`: sign-in with the admin token, the list of every
// migration with its status (filtered by one), its CSV, and a retry for a failed copy whose
// owner's credentials are still kept.
#include <httplib.h>

#include <array>

#include <fmt/format.h>

#include "serve/server.hpp"

namespace mailsync {

namespace {

constexpr const char* admin_cookie = "mailsync_admin";

std::string known_filter(const std::string& status) {
    constexpr std::array<const char*, 5> known = {"NEW", "INVITED", "PENDING", "COMPLETED",
                                                  "ERROR"};
    for (const char* name : known)
        if (status == name)
            return status;
    return {};
}

} // namespace

bool SelfServiceServer::admin(const httplib::Request& request) const {
    return m_admins.valid(request_cookie(request, admin_cookie));
}

void SelfServiceServer::admin_routes() {
    m_server->Get("/admin", [this](const httplib::Request& request, httplib::Response& response) {
        if (!admin(request))
            return send(response, admin_sign_in_page(""));
        std::string csrf =
            csrf_token(m_settings.sealing_key, request_cookie(request, admin_cookie));
        send(response, admin_page(views(), known_filter(request.get_param_value("status")), csrf));
    });
    m_server->Post("/admin/login", [this](const httplib::Request& request,
                                          httplib::Response& response) {
        if (!same_origin(request))
            return send(response,
                        message_page(403, "Refused", "This form was sent from another site."));
        // The right token always signs in: failures alone are counted, so that nobody can
        // lock the administrator out by trying wrong ones.
        if (!same_secret(request.get_param_value("token"), m_settings.admin_token)) {
            if (!m_admin_attempts.attempt(request.remote_addr)) {
                response.set_header("Retry-After", std::to_string(m_admin_attempts.retry_after(
                                                       request.remote_addr)));
                m_log(fmt::format("too many wrong admin tokens from {}", request.remote_addr));
                return send(response, message_page(429, "Too many attempts",
                                                   "Wait a few minutes before you try again."));
            }
            m_log(fmt::format("a wrong admin token from {}", request.remote_addr));
            return send(response, admin_sign_in_page("That is not the administrator token."));
        }
        std::string id = m_admins.open();
        m_log(fmt::format("the administrator signed in from {}", request.remote_addr));
        response.set_header("Set-Cookie", cookie(admin_cookie, id, m_settings.admin_session, true));
        headers(response);
        response.set_redirect("/admin", 303);
    });
    auto checked = [this](const httplib::Request& request) {
        std::string id = request_cookie(request, admin_cookie);
        return admin(request) && same_origin(request) &&
               csrf_matches(m_settings.sealing_key, id, request.get_param_value("csrf"));
    };
    m_server->Post("/admin/logout", [this, checked](const httplib::Request& request,
                                                    httplib::Response& response) {
        if (checked(request))
            m_admins.close(request_cookie(request, admin_cookie));
        response.set_header("Set-Cookie", cookie(admin_cookie, "", std::chrono::seconds(0), true));
        headers(response);
        response.set_redirect("/admin", 303);
    });
    m_server->Post("/admin/retry", [this, checked](const httplib::Request& request,
                                                   httplib::Response& response) {
        if (!checked(request))
            return send(response,
                        message_page(403, "Refused", "Sign in again, reload the page and retry."));
        std::string name = request.get_param_value("name");
        for (const MigrationView& view : views())
            if (view.name == name && view.credentials_held && view.status == "ERROR") {
                m_log(fmt::format("{}: retried by the administrator", name));
                m_jobs.submit(name);
            }
        headers(response);
        response.set_redirect("/admin", 303);
    });
    m_server->Get("/admin/migrations.csv", [this](const httplib::Request& request,
                                                  httplib::Response& response) {
        if (!admin(request))
            return send(response, admin_sign_in_page(""));
        headers(response);
        response.set_header("Content-Disposition", "attachment; filename=\"migrations.csv\"");
        response.set_content(admin_csv(views()), "text/csv; charset=utf-8");
    });
}

} // namespace mailsync
