// The pure parts of `oauth2 authorize`: PKCE, the authorization URL, the redirect read and
// checked, the browser's page.
#include <catch2/catch.hpp>

#include "oauth2/authorization.hpp"
#include "util/crypto.hpp"

using namespace mailsync;

namespace {

OAuth2Client client_of(Provider provider) {
    OAuth2Client client;
    client.meta.name = "mail";
    client.provider = provider;
    client.client_id = "id 1";
    client.tenant_id = "tenant";
    return client;
}

const AuthorizationRequest request{"http://127.0.0.1:5000/callback", "CHALLENGE", "STATE", ""};

} // namespace

TEST_CASE("the S256 challenge is that of RFC 7636's example", "[oauth2]") {
    CHECK(code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
          "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("each authorization has a verifier of 43 unreserved characters and a state of its own",
          "[oauth2]") {
    AuthorizationSecrets one = new_authorization_secrets();
    AuthorizationSecrets two = new_authorization_secrets();
    CHECK(one.verifier.size() == 43);
    CHECK(one.verifier.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789-_") == std::string::npos);
    CHECK(one.state.size() == 22);
    CHECK(one.verifier != two.verifier);
    CHECK(one.state != two.state);
}

TEST_CASE("the authorization URL asks for a code with PKCE, and Google for offline access",
          "[oauth2]") {
    CHECK(authorization_url(client_of(Provider::google), request) ==
          "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=id%201&"
          "redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback&scope=https%3A%2F%2Fmail."
          "google.com%2F&state=STATE&code_challenge=CHALLENGE&code_challenge_method=S256&"
          "access_type=offline&prompt=consent");
    std::string microsoft = authorization_url(client_of(Provider::microsoft), request);
    CHECK(microsoft.starts_with("https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize?"
                                "response_type=code&"));
    CHECK(microsoft.find("&scope=offline_access%20https%3A%2F%2Foutlook.office365.com%2FIMAP."
                         "AccessAsUser.All%20") != std::string::npos);
    CHECK(microsoft.find("access_type") == std::string::npos);

    OAuth2Client custom = client_of(Provider::custom);
    custom.authorization_url = "https://sso.example.com/auth?realm=mail";
    custom.scopes = {"mail"};
    AuthorizationRequest hinted = request;
    hinted.login_hint = "a@example.com";
    CHECK(authorization_url(custom, hinted) ==
          "https://sso.example.com/auth?realm=mail&response_type=code&client_id=id%201&"
          "redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback&scope=mail&state=STATE&"
          "code_challenge=CHALLENGE&code_challenge_method=S256&login_hint=a%40example.com");
}

TEST_CASE("the redirect's query is read percent-decoded", "[oauth2]") {
    CallbackParameters read =
        parse_callback_query("state=a%2Fb&code=4%2F0Ab&scope=x+y&error_description=one+two%21%");
    CHECK(read.state == "a/b");
    CHECK(read.code == "4/0Ab");
    CHECK(read.error_description == "one two!%");
    CHECK_FALSE(read.repeated);
    CHECK(parse_callback_query("code=a&code=b").repeated);
    CHECK(parse_callback_query("").code.empty());
}

TEST_CASE("a redirect is accepted with the state sent and no error", "[oauth2]") {
    CallbackParameters answer;
    answer.code = "the-code";
    answer.state = "STATE";
    CHECK(accept_callback(answer, "STATE").value() == "the-code");

    CallbackParameters other = answer;
    other.state = "ELSE";
    CHECK(accept_callback(other, "STATE").error().message ==
          "the redirect's state does not match the one mailsync sent, so it does not answer this "
          "sign-in (a tab of an earlier run, or a link made by someone else); nothing was "
          "exchanged. Run the command again");
    other.state.clear();
    CHECK_FALSE(accept_callback(other, "STATE"));

    CallbackParameters denied;
    denied.state = "STATE";
    denied.error = "access_denied";
    CHECK(accept_callback(denied, "STATE").error().message ==
          "the sign-in was refused (access_denied): the account did not allow mailsync access, "
          "or the consent was cancelled");
    denied.error = "invalid_scope";
    denied.error_description = "AADSTS70011: The provided value for scope x is not valid.\r\n"
                               "Trace ID: 1\r\nCorrelation ID: 2";
    CHECK(accept_callback(denied, "STATE").error().message ==
          "the authorization server answered with an error: invalid_scope: AADSTS70011: The "
          "provided value for scope x is not valid.");

    CallbackParameters empty;
    empty.state = "STATE";
    CHECK(accept_callback(empty, "STATE").error().message ==
          "the redirect brings neither a code nor an error");
    CallbackParameters twice = answer;
    twice.repeated = true;
    CHECK_FALSE(accept_callback(twice, "STATE"));
}

TEST_CASE("the browser's page is escaped, and its policy allows its one style block only",
          "[oauth2]") {
    BrowserPage page = result_page(false, "a<b", "the token endpoint said <script>");
    CHECK(page.html.find("OAuth2Client a&lt;b did not work: the token endpoint said "
                         "&lt;script&gt;.") != std::string::npos);
    CHECK(page.html.find("<script") == std::string::npos);
    std::size_t open = page.html.find("<style>") + 7;
    std::string style = page.html.substr(open, page.html.find("</style>") - open);
    CHECK(page.content_security_policy ==
          "default-src 'none'; style-src 'sha256-" + base64_encode(sha256_bytes(style)) +
              "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    CHECK(result_page(true, "mail", "").html.find("You can close this tab") != std::string::npos);
}
