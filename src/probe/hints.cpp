#include "probe/hints.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace mailsync {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return lower(haystack).find(lower(needle)) != std::string::npos;
}

bool ends_with_domain(const std::string& host, std::string_view domain) {
    std::string name = lower(host);
    return name == domain || (name.size() > domain.size() && name.ends_with(domain) &&
                              name[name.size() - domain.size() - 1] == '.');
}

bool is_gmail(const FailureFacts& f) {
    return ends_with_domain(f.host, "gmail.com") || ends_with_domain(f.host, "googlemail.com") ||
           f.provider == Provider::google;
}

bool is_microsoft(const FailureFacts& f) {
    return ends_with_domain(f.host, "office365.com") || ends_with_domain(f.host, "outlook.com") ||
           f.provider == Provider::microsoft;
}

// The advice for a certificate libcurl refused (unknown CA, another host name, expired), the
// mail server's or, in the token phase, the token endpoint's; empty when it is not one of those.
std::string certificate_hint(const FailureFacts& f) {
    bool token = f.phase == Phase::token;
    if (token && !contains(f.curl_error, "SSL") && !contains(f.curl_error, "certificate"))
        return {};
    std::string whose = token ? "the token endpoint's certificate" : "the certificate";
    std::string of_client = token ? fmt::format(" of OAuth2Client '{}'", f.client) : "";
    if (contains(f.curl_error, "subject name") || contains(f.curl_error, "host name"))
        return fmt::format("{} is for another host name than '{}'; use the name the certificate "
                           "was issued for{}, not an IP address or an alias",
                           whose, f.host, token ? " in spec.tokenUrl" + of_client : "");
    if (contains(f.curl_error, "issuer") || contains(f.curl_error, "self-signed") ||
        contains(f.curl_error, "self signed") || contains(f.curl_error, "unable to get"))
        return fmt::format("{} is not signed by a CA this machine trusts; give the CA "
                           "certificate in spec.tls.caFile{}",
                           whose, of_client);
    if (contains(f.curl_error, "expired"))
        return fmt::format("{} has expired", token ? whose : "the server's certificate");
    return {};
}

std::string token_hint(const FailureFacts& f) {
    if (f.oauth_error == "invalid_grant" && f.grant == Grant::password)
        return "the token endpoint refused the username or password of the password grant; "
               "check spec.username and spec.auth.oauth2.password";
    if (f.oauth_error == "invalid_grant")
        return "the refresh token has expired or been revoked (or was issued to another "
               "client); have the mailbox owner sign in and consent again, then store the new "
               "refresh token";
    if (f.oauth_error == "invalid_client" || f.oauth_error == "unauthorized_client")
        return fmt::format("the token endpoint does not accept OAuth2Client '{}': check "
                           "spec.clientId and spec.clientSecret (client secrets expire)",
                           f.client);
    if (f.oauth_error == "invalid_scope")
        return "the client credentials grant needs the scope "
               "https://outlook.office365.com/.default (remove spec.scopes to use it)";
    if (std::string advice = certificate_hint(f); !advice.empty())
        return advice;
    if (f.timed_out)
        return "the token endpoint did not answer in time";
    if (!f.curl_error.empty())
        return "the token endpoint cannot be reached; check spec.tokenUrl (or tenantId) and "
               "the network";
    return {};
}

} // namespace

std::string hint_for(const FailureFacts& f) {
    if (f.phase == Phase::token)
        return token_hint(f);

    std::string_view protocol = f.protocol ? protocol_name(*f.protocol) : "";
    switch (f.phase) {
    case Phase::resolve:
        return fmt::format("the host name '{}' does not resolve; check spec.host", f.host);
    case Phase::connect:
        if (f.timed_out)
            return fmt::format("no answer to the connection within {} ms: a firewall that "
                               "drops packets, or the wrong host",
                               f.timeout.count());
        return fmt::format("nothing accepts connections on {}:{}; check spec.host and "
                           "spec.port",
                           f.host, f.port);
    default:
        break;
    }
    if (f.starttls_missing)
        return fmt::format("the server does not offer STARTTLS on port {}; use encryption: ssl "
                           "on its implicit-TLS port ({}) if it has one",
                           f.port,
                           default_port(f.protocol.value_or(Protocol::imap), Encryption::ssl));
    if (f.phase == Phase::tls) {
        if (std::string advice = certificate_hint(f); !advice.empty())
            return advice;
        if (contains(f.curl_error, "wrong version number") ||
            contains(f.curl_error, "packet length too long"))
            return fmt::format("port {} does not speak TLS from the first byte; use encryption: "
                               "starttls for it, or the implicit-TLS port {}",
                               f.port, default_port(*f.protocol, Encryption::ssl));
        if (f.timed_out && f.encryption == Encryption::ssl)
            return fmt::format("the server accepted the connection but did not answer the TLS "
                               "handshake within {} ms: a port of another service, or a "
                               "firewall",
                               f.timeout.count());
    }
    if (f.phase == Phase::greeting && f.timed_out)
        return fmt::format("the server accepted the connection but sent no {} greeting within "
                           "{} ms; if the port expects TLS first, use encryption: ssl",
                           protocol, f.timeout.count());
    if (f.phase == Phase::auth && (f.timed_out || f.login_unanswered))
        return f.timed_out ? fmt::format("the server accepted the connection but did not answer "
                                         "the login within {} ms",
                                         f.timeout.count())
                           : "the server closed the connection without answering the login";
    if (f.phase == Phase::auth) {
        std::string words = f.server_words;
        if (is_gmail(f) && (f.password_auth || contains(words, "not enabled for IMAP") ||
                            contains(words, "web login required") ||
                            contains(words, "application-specific password")))
            return "Gmail: turn on IMAP access in Gmail's settings (Forwarding and POP/IMAP) and "
                   "log in with OAuth2 (an OAuth2Client with provider google) or an app password "
                   "(with 2-Step Verification on); Google no longer accepts the account's own "
                   "password, and seed 004's \"less secure apps\" setting is gone";
        if (contains(words, "SmtpClientAuthentication is disabled") ||
            (is_microsoft(f) && f.protocol == Protocol::smtp))
            return "Microsoft 365: SMTP AUTH is turned off for this mailbox or tenant; enable "
                   "Authenticated SMTP for the mailbox (Set-CASMailbox -SmtpClientAuthentication"
                   "Disabled $false) or in the tenant's settings";
        if (is_microsoft(f) && !f.password_auth)
            return "Microsoft 365: the app needs the IMAP/POP/SMTP permission and a service "
                   "principal with access to this mailbox (Add-MailboxPermission)";
        if (!f.password_auth)
            return "the server refused the access token: it may be for another user or lack "
                   "the mail scope";
        return "the server refused the user name or password";
    }
    if (f.phase == Phase::folder && f.protocol == Protocol::imap)
        return "the folder does not exist or cannot be opened; check spec.folder (names are "
               "case-sensitive except INBOX)";
    return {};
}

} // namespace mailsync
