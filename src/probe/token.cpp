#include "probe/token.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/crypto.hpp"
#include "util/curl.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

std::string revealed(const std::optional<Secret>& secret) {
    return secret && secret->value ? secret->value->reveal() : std::string();
}

void add_field(std::string& body, std::string_view name, std::string_view value) {
    if (value.empty())
        return;
    if (!body.empty())
        body += '&';
    body += name;
    body += '=';
    body += curl::form_escape(value);
}

TokenRequest base_request(const OAuth2Client& client, Grant grant) {
    TokenRequest request;
    request.client = client.meta.name;
    request.grant = grant;
    request.url = effective_token_url(client);
    request.tls = client.tls;
    add_field(request.body, "client_id", client.client_id);
    add_field(request.body, "client_secret", revealed(client.client_secret));
    return request;
}

} // namespace

TokenRequest token_request(const OAuth2Client& client, const OAuth2Auth& auth,
                           const std::string& username) {
    TokenRequest request = base_request(client, auth.grant);
    std::string credential;
    switch (auth.grant) {
    case Grant::refresh_token:
        add_field(request.body, "grant_type", "refresh_token");
        credential = revealed(auth.refresh_token);
        add_field(request.body, "refresh_token", credential);
        break;
    case Grant::client_credentials:
        add_field(request.body, "grant_type", "client_credentials");
        break;
    case Grant::password:
        add_field(request.body, "grant_type", "password");
        add_field(request.body, "username", username);
        credential = username + '\n' + revealed(auth.password);
        add_field(request.body, "password", revealed(auth.password));
        break;
    }
    add_field(request.body, "scope", join(effective_scopes(client, auth.grant), " "));
    request.key = fmt::format("{}\n{}\n{}", client.meta.name, grant_name(auth.grant),
                              credential.empty() ? std::string() : sha256_hex(credential));
    return request;
}

TokenRequest client_check_request(const OAuth2Client& client) {
    if (client.provider == Provider::microsoft && client.client_secret) {
        TokenRequest request = base_request(client, Grant::client_credentials);
        add_field(request.body, "grant_type", "client_credentials");
        add_field(request.body, "scope",
                  join(effective_scopes(client, Grant::client_credentials), " "));
        request.key =
            fmt::format("{}\n{}\n", client.meta.name, grant_name(Grant::client_credentials));
        return request;
    }
    TokenRequest request = base_request(client, Grant::refresh_token);
    add_field(request.body, "grant_type", "refresh_token");
    add_field(request.body, "refresh_token", probe_refresh_token);
    request.key = fmt::format("{}\ncheck\n", client.meta.name);
    return request;
}

TokenRequest authorization_code_request(const OAuth2Client& client, const std::string& code,
                                        const std::string& verifier,
                                        const std::string& redirect_uri) {
    TokenRequest request = base_request(client, Grant::refresh_token);
    add_field(request.body, "grant_type", "authorization_code");
    add_field(request.body, "code", code);
    add_field(request.body, "code_verifier", verifier);
    add_field(request.body, "redirect_uri", redirect_uri);
    request.key = fmt::format("{}\nauthorizationCode\n", client.meta.name);
    return request;
}

TokenResponse parse_token_response(long status, std::string_view body) {
    TokenResponse out;
    nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        out.error = fmt::format("HTTP {}", status);
        std::string start(body.substr(0, 120));
        for (char& c : start) {
            if (c == '\r' || c == '\n' || c == '\t')
                c = ' ';
        }
        out.description = body.empty() ? "the token endpoint sent no body"
                                       : fmt::format("not a JSON token response: {}", start);
        return out;
    }
    auto text = [&](const char* key) {
        auto found = json.find(key);
        return found != json.end() && found->is_string() ? found->get<std::string>()
                                                         : std::string();
    };
    out.error = text("error");
    out.description = text("error_description");
    out.access_token = text("access_token");
    out.refresh_token = text("refresh_token");
    if (status == 200 && out.error.empty() && !out.access_token.empty()) {
        out.ok = true;
        return out;
    }
    if (out.error.empty()) {
        out.error = fmt::format("HTTP {}", status);
        if (out.description.empty())
            out.description = status == 200 ? "the answer has no access_token"
                                            : "the token endpoint refused the request";
    }
    out.access_token.clear();
    out.refresh_token.clear();
    return out;
}

} // namespace mailsync
