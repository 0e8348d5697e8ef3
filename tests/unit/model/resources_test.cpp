#include <catch2/catch.hpp>

#include "model/resources.hpp"

using namespace mailsync;

TEST_CASE("default ports follow protocol and encryption", "[model]") {
    CHECK(default_port(Protocol::imap, Encryption::ssl) == 993);
    CHECK(default_port(Protocol::imap, Encryption::starttls) == 143);
    CHECK(default_port(Protocol::imap, Encryption::none) == 143);
    CHECK(default_port(Protocol::pop3, Encryption::ssl) == 995);
    CHECK(default_port(Protocol::pop3, Encryption::starttls) == 110);
    CHECK(default_port(Protocol::pop3, Encryption::none) == 110);
    CHECK(default_port(Protocol::smtp, Encryption::ssl) == 465);
    CHECK(default_port(Protocol::smtp, Encryption::starttls) == 587);
    CHECK(default_port(Protocol::smtp, Encryption::none) == 25);
}

TEST_CASE("token endpoints and scopes come from the provider unless given", "[model]") {
    OAuth2Client google;
    google.provider = Provider::google;
    CHECK(effective_token_url(google) == "https://oauth2.googleapis.com/token");
    CHECK(effective_scopes(google, Grant::refresh_token) ==
          std::vector<std::string>{"https://mail.google.com/"});

    OAuth2Client microsoft;
    microsoft.provider = Provider::microsoft;
    microsoft.tenant_id = "contoso.onmicrosoft.com";
    CHECK(effective_token_url(microsoft) ==
          "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    CHECK(effective_scopes(microsoft, Grant::client_credentials) ==
          std::vector<std::string>{"https://outlook.office365.com/.default"});
    CHECK(effective_scopes(microsoft, Grant::refresh_token).front() == "offline_access");

    microsoft.token_url = "https://login.example.test/token";
    microsoft.scopes = {"custom"};
    CHECK(effective_token_url(microsoft) == "https://login.example.test/token");
    CHECK(effective_scopes(microsoft, Grant::client_credentials) ==
          std::vector<std::string>{"custom"});
}

TEST_CASE("Google issues refresh tokens only, Microsoft and custom all grants", "[model]") {
    CHECK(provider_supports(Provider::google, Grant::refresh_token));
    CHECK_FALSE(provider_supports(Provider::google, Grant::client_credentials));
    CHECK_FALSE(provider_supports(Provider::google, Grant::password));
    for (Grant grant : {Grant::refresh_token, Grant::client_credentials, Grant::password}) {
        CHECK(provider_supports(Provider::microsoft, grant));
        CHECK(provider_supports(Provider::custom, grant));
    }
}

TEST_CASE("names of kinds and enums read back", "[model]") {
    for (Kind kind : all_kinds)
        CHECK(parse_kind(kind_name(kind)) == kind);
    CHECK_FALSE(parse_kind("mailaccount").has_value());
    CHECK(parse_grant("clientCredentials") == Grant::client_credentials);
    CHECK(grant_name(Grant::refresh_token) == "refreshToken");
}

TEST_CASE("a secret describes its reference, never its value", "[model]") {
    Secret secret;
    secret.source = Secret::Source::env;
    secret.reference = "PW";
    secret.value.emplace("the-value");
    CHECK(secret.describe() == "${env:PW}");
    secret.source = Secret::Source::literal;
    CHECK(secret.describe() == "(literal)");
}
