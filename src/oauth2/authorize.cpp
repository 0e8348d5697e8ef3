#include "oauth2/authorize.hpp"

#include <fmt/format.h>

#include "oauth2/authorization.hpp"
#include "oauth2/loopback.hpp"
#include "probe/server_text.hpp"
#include "probe/token.hpp"
#include "probe/trace.hpp"
#include "probe/transfers.hpp"

namespace mailsync {

namespace {

// "5m", "30s" or "1500ms", as --timeout takes it.
std::string duration_text(std::chrono::milliseconds duration) {
    long long ms = duration.count();
    if (ms % 60'000 == 0)
        return fmt::format("{}m", ms / 60'000);
    if (ms % 1000 == 0)
        return fmt::format("{}s", ms / 1000);
    return fmt::format("{}ms", ms);
}

} // namespace

Result<SecretValue> redeem_authorization_code(const OAuth2Client& client, const std::string& code,
                                              const std::string& verifier,
                                              const std::string& redirect_uri,
                                              std::chrono::milliseconds timeout) {
    TokenRequest request = authorization_code_request(client, code, verifier, redirect_uri);
    Redactor redactor;
    redactor.add(code);
    redactor.add(verifier);
    if (client.client_secret && client.client_secret->value)
        redactor.add(client.client_secret->value->reveal());
    std::string body;
    std::unique_ptr<curl::Easy> easy = token_transfer(request, timeout, body, nullptr);
    CURLcode sent = easy->perform();
    if (sent != CURLE_OK)
        return fail(redactor.apply(
            fmt::format("token endpoint {}: {}", request.url, easy->error_text(sent))));
    TokenResponse response = parse_token_response(easy->response_code(), body);
    redactor.add(response.access_token);
    redactor.add(response.refresh_token);
    if (!response.ok) {
        std::string sentence = first_sentence(response.description);
        return fail(redactor.apply(fmt::format("the token endpoint {} refused the code: {}{}",
                                               request.url, one_line(response.error),
                                               sentence.empty() ? "" : ": " + sentence)));
    }
    if (response.refresh_token.empty())
        return fail(fmt::format(
            "the token endpoint {} gave an access token but no refresh token: the client must "
            "ask for offline access (Microsoft and most others: the offline_access scope in "
            "spec.scopes; Google: access_type=offline, which mailsync sends)",
            request.url));
    return SecretValue(std::move(response.refresh_token));
}

Result<void> authorize(const OAuth2Client& client, const AuthorizeOptions& options,
                       const ShowUrl& show_url, const KeepToken& keep) {
    if (effective_authorization_url(client).empty())
        return fail(fmt::format("OAuth2Client '{}' has no spec.authorizationUrl, which a custom "
                                "provider needs for the browser's sign-in",
                                client.meta.name));
    if (effective_token_url(client).empty())
        return fail(fmt::format("OAuth2Client '{}' has no spec.tokenUrl, which a custom provider "
                                "needs to redeem the code",
                                client.meta.name));
    LoopbackListener listener;
    Result<int> port = listener.listen(options.port);
    if (!port)
        return std::unexpected(port.error());
    std::string redirect_uri = fmt::format("http://127.0.0.1:{}/callback", *port);
    AuthorizationSecrets secrets = new_authorization_secrets();
    show_url(authorization_url(client, {redirect_uri, code_challenge(secrets.verifier),
                                        secrets.state, options.login_hint}),
             *port);

    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    Result<std::string> code;
    std::size_t strays = 0;
    while (true) {
        Result<std::optional<std::string>> query = listener.wait_for_get("/callback", deadline);
        if (!query)
            return std::unexpected(query.error());
        if (!*query)
            return fail(fmt::format(
                "no answer from the browser within {}: the sign-in at the URL above was not "
                "finished (run the command again; --timeout gives more time){}",
                duration_text(options.timeout),
                strays == 0
                    ? std::string()
                    : fmt::format("; {} redirect{} of another sign-in (another state) "
                                  "came and {} refused",
                                  strays, strays == 1 ? "" : "s", strays == 1 ? "was" : "were")));
        code = accept_callback(parse_callback_query(**query), secrets.state);
        if (code || !is_stray(parse_callback_query(**query), secrets.state))
            break;
        // Not this sign-in's (a tab of an earlier run, or a page that knows the port): refused,
        // and the wait goes on, so that it cannot cut the real sign-in short.
        ++strays;
        listener.answer(400, result_page(false, client.meta.name, code.error().message));
    }
    Result<void> kept = code ? Result<void>() : std::unexpected(code.error());
    if (kept) {
        Result<SecretValue> token = redeem_authorization_code(
            client, *code, secrets.verifier, redirect_uri, options.exchange_timeout);
        kept = token ? keep(*token) : std::unexpected(token.error());
    }
    listener.answer(kept ? 200 : 400,
                    result_page(kept.has_value(), client.meta.name,
                                kept ? std::string_view() : kept.error().message));
    return kept;
}

} // namespace mailsync
