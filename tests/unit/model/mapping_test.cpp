#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "config/mapping_file.hpp"

using namespace mailsync;

namespace {

MappingProfile builtin(const std::string& name) {
    SourceFiles sources;
    Diagnostics diagnostics;
    auto profile = load_mapping(name, sources, diagnostics);
    REQUIRE(profile);
    return *profile;
}

const CloudObject& object_named(const std::vector<CloudObject>& objects, Kind kind,
                                const std::string& name) {
    for (const CloudObject& object : objects) {
        if (object.kind == kind && object.name == name)
            return object;
    }
    FAIL("no object " << name);
    return objects.front();
}

std::string field(const CloudObject& object, const std::string& label) {
    for (const CloudField& f : object.fields) {
        if (f.label == label) {
            if (std::holds_alternative<Secret>(f.value))
                return masked_secret;
            return value_key(f.value);
        }
    }
    return "<absent>";
}

} // namespace

TEST_CASE("the same resources render through both profiles", "[mapping]") {
    LoadOptions options;
    options.resolve_secrets = false;
    LoadedConfig loaded = load_config({MAILSYNC_SOURCE_DIR "/samples/mailbox-form"}, options);
    REQUIRE_FALSE(loaded.diagnostics.has_errors());

    Diagnostics cloud_problems;
    auto cloud = cloud_view(loaded.config, builtin("server-to-cloud"), cloud_problems);
    CHECK_FALSE(cloud_problems.has_errors());
    const CloudObject& team = object_named(cloud, Kind::mail_account, "team-gmail");
    CHECK(field(team, "Service Provider") == "GMail/GSuite with OAuth2");
    CHECK(field(team, "Encryption") == "SSL");
    CHECK(field(team, "Port") == "993");
    CHECK(field(team, "OAuth2 Credentials") == "gmail-app");
    CHECK(field(team, "Refresh Token") == "(sensitive)");
    CHECK(field(team, "Status") == "Active");
    const CloudObject& jdoe = object_named(cloud, Kind::mail_account, "jdoe");
    CHECK(field(jdoe, "Service Provider") == "General POP3 service");
    CHECK(field(jdoe, "Password") == "(sensitive)");
    CHECK(field(jdoe, "Port") == "995");
    const CloudObject& client = object_named(cloud, Kind::oauth2_client, "office-app");
    CHECK(field(client, "Tenant ID") == "example.onmicrosoft.com");
    CHECK(field(client, "Client Secret") == "(sensitive)");

    Diagnostics form_problems;
    auto form = cloud_view(loaded.config, builtin("mailbox-form"), form_problems);
    CHECK_FALSE(form_problems.has_errors());
    CHECK(form.size() == 3); // clients are inlined into the mailboxes
    const CloudObject& team_form = object_named(form, Kind::mail_account, "team-gmail");
    CHECK(field(team_form, "Mailbox Type") == "IMAP");
    CHECK(field(team_form, "SSL Enabled") == "Yes");
    CHECK(field(team_form, "Oauth Enabled") == "Yes");
    CHECK(field(team_form, "Oauth Provider") == "Gmail");
    CHECK(field(team_form, "Client ID") == "9012-ghi.apps.googleusercontent.com");
    CHECK(field(team_form, "Client Secret") == "(sensitive)");
    CHECK(field(team_form, "Account") == "team@example.com");
    const CloudObject& office = object_named(form, Kind::mail_account, "office-inbox");
    CHECK(field(office, "Oauth Provider") == "Office365");
    CHECK(field(office, "Authentication Method") == "Client Secret");
    CHECK(field(office, "Tenant ID") == "example.onmicrosoft.com");
    CHECK(field(office, "Status") == "Not Active");
    const CloudObject& jdoe_form = object_named(form, Kind::mail_account, "jdoe");
    CHECK(field(jdoe_form, "Mailbox Type") == "POP3");
    CHECK(field(jdoe_form, "Oauth Enabled") == "No");
    CHECK(field(jdoe_form, "Oauth Provider") == "<absent>");
    CHECK(field(jdoe_form, "Comments") == "John's mailbox, read over POP3");
}

TEST_CASE("a profile without a kind cannot render it", "[mapping]") {
    LoadOptions options;
    options.resolve_secrets = false;
    LoadedConfig loaded = load_config({MAILSYNC_SOURCE_DIR "/samples/outgoing-smtp"}, options);
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    Diagnostics problems;
    auto form = cloud_view(loaded.config, builtin("mailbox-form"), problems);
    CHECK(form.empty());
    REQUIRE(problems.error_count() == 2);
    CHECK(problems.items()[0].message ==
          "mapping 'mailbox-form' has no fields for kind SmtpConnection");
}

TEST_CASE("SMTP connect modes map to Cloud service providers", "[mapping]") {
    LoadOptions options;
    options.resolve_secrets = false;
    LoadedConfig loaded = load_config({MAILSYNC_SOURCE_DIR "/samples/outgoing-smtp",
                                       MAILSYNC_SOURCE_DIR "/samples/outgoing-smtp-oauth2"},
                                      options);
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    Diagnostics problems;
    auto cloud = cloud_view(loaded.config, builtin("server-to-cloud"), problems);
    CHECK_FALSE(problems.has_errors());
    const CloudObject& main = object_named(cloud, Kind::smtp_connection, "outgoing-main");
    CHECK(field(main, "Service Provider") == "Custom SMTP server");
    CHECK(field(main, "SMTP Port") == "587");
    CHECK(field(main, "Email Prefix") == "[Support]");
    CHECK(field(main, "From Email Address") == "support@example.com");
    CHECK(field(main, "Debug") == "false");
    const CloudObject& relay = object_named(cloud, Kind::smtp_connection, "internal-relay");
    CHECK(field(relay, "SMTP Port") == "465");
    CHECK(field(relay, "Username") == "<absent>");
    const CloudObject& gmail = object_named(cloud, Kind::smtp_connection, "gmail-outgoing");
    CHECK(field(gmail, "Service Provider") == "GMail/GSuite with OAuth2");
    CHECK(field(gmail, "OAuth2 Credentials") == "google-smtp");
}
