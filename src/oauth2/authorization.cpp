#include "oauth2/authorization.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "probe/server_text.hpp"
#include "util/crypto.hpp"
#include "util/curl.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded decoding; a `%` not followed by two hex digits stays as is.
std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The server's description, if any, after its error code: ": first sentence".
std::string described(std::string_view description) {
    std::string sentence = first_sentence(description);
    return sentence.empty() ? std::string() : ": " + sentence;
}

constexpr std::string_view page_style =
    "body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;"
    "line-height:1.5;color:#1b1b1b;background:#fff}h1{font-size:1.4em}";

} // namespace

AuthorizationSecrets new_authorization_secrets() {
    return {base64url_encode(random_bytes(32)), base64url_encode(random_bytes(16))};
}

std::string code_challenge(std::string_view verifier) {
    return base64url_encode(sha256_bytes(verifier));
}

std::string authorization_url(const OAuth2Client& client, const AuthorizationRequest& request) {
    std::string url = effective_authorization_url(client);
    char separator = url.find('?') == std::string::npos ? '?' : '&';
    auto add = [&](std::string_view name, std::string_view value) {
        url += separator;
        url += name;
        url += '=';
        url += curl::form_escape(value);
        separator = '&';
    };
    add("response_type", "code");
    add("client_id", client.client_id);
    add("redirect_uri", request.redirect_uri);
    add("scope", join(effective_scopes(client, Grant::refresh_token), " "));
    add("state", request.state);
    add("code_challenge", request.challenge);
    add("code_challenge_method", "S256");
    if (client.provider == Provider::google) {
        add("access_type", "offline");
        add("prompt", "consent");
    }
    if (!request.login_hint.empty())
        add("login_hint", request.login_hint);
    return url;
}

CallbackParameters parse_callback_query(std::string_view query) {
    CallbackParameters out;
    bool seen[4] = {};
    while (!query.empty()) {
        std::string_view pair = query.substr(0, query.find('&'));
        query.remove_prefix(std::min(query.size(), pair.size() + 1));
        std::size_t equals = pair.find('=');
        std::string name = percent_decode(pair.substr(0, equals));
        std::string value = equals == std::string_view::npos
                                ? std::string()
                                : percent_decode(pair.substr(equals + 1));
        std::string* fields[4] = {&out.code, &out.state, &out.error, &out.error_description};
        const char* names[4] = {"code", "state", "error", "error_description"};
        for (int i = 0; i < 4; ++i) {
            if (name != names[i])
                continue;
            out.repeated = out.repeated || seen[i];
            seen[i] = true;
            *fields[i] = std::move(value);
            break;
        }
    }
    return out;
}

bool is_stray(const CallbackParameters& callback, std::string_view expected_state) {
    return callback.repeated || callback.state != expected_state;
}

Result<std::string> accept_callback(const CallbackParameters& callback,
                                    std::string_view expected_state) {
    if (callback.repeated)
        return fail("the redirect to mailsync repeats a parameter, which no authorization server "
                    "does; nothing was exchanged");
    if (callback.state != expected_state)
        return fail("the redirect's state does not match the one mailsync sent, so it does not "
                    "answer this sign-in (a tab of an earlier run, or a link made by someone "
                    "else); nothing was exchanged. Run the command again");
    if (callback.error == "access_denied")
        return fail(fmt::format("the sign-in was refused (access_denied{}): the account did not "
                                "allow mailsync access, or the consent was cancelled",
                                described(callback.error_description)));
    if (!callback.error.empty())
        return fail(fmt::format("the authorization server answered with an error: {}{}",
                                one_line(callback.error), described(callback.error_description)));
    if (callback.code.empty())
        return fail("the redirect brings neither a code nor an error");
    return callback.code;
}

BrowserPage result_page(bool ok, std::string_view client_name, std::string_view problem) {
    std::string heading = ok ? "mailsync has the refresh token" : "mailsync got no refresh token";
    std::string detail =
        ok ? fmt::format("The sign-in for OAuth2Client {} worked, and mailsync saved the refresh "
                         "token where you asked.",
                         html_escape(client_name))
           : fmt::format("The sign-in for OAuth2Client {} did not work: {}.",
                         html_escape(client_name), html_escape(problem));
    BrowserPage page;
    page.html = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>mailsync: {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n"
        "<h1>{}</h1>\n<p>{}</p>\n<p>You can close this tab and go back to the terminal.</p>\n"
        "</main>\n</body>\n</html>\n",
        heading, page_style, heading, detail);
    page.content_security_policy = fmt::format(
        "default-src 'none'; style-src 'sha256-{}'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'",
        base64_encode(sha256_bytes(page_style)));
    return page;
}

} // namespace mailsync
