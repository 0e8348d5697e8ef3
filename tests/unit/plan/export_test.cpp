#include <catch2/catch.hpp>

#include "config/mapping_file.hpp"
#include "plan/export.hpp"
#include "plan/export_adoption.hpp"

using namespace mailsync;

namespace {

MappingProfile server_to_cloud() {
    SourceFiles sources;
    Diagnostics diagnostics;
    std::optional<MappingProfile> profile = load_mapping("server-to-cloud", sources, diagnostics);
    REQUIRE(profile);
    return *profile;
}

TargetObject object(std::string id, nlohmann::json fields, std::vector<std::string> secrets) {
    return {std::move(id), "1", std::move(fields), std::move(secrets)};
}

std::vector<std::string> names(const ExportResult& result) {
    std::vector<std::string> out;
    for (const WrittenResource& resource : result.resources)
        out.push_back(resource.name);
    return out;
}

} // namespace

TEST_CASE("export leaves out what the loader refuses, and then what refers to it", "[export]") {
    TargetSnapshot snapshot;
    // A Google client without its secret: the loader refuses it in the checks across resources,
    // so its account loads in the first round and is refused in the second.
    snapshot.collections["oauth2-clients"] = {
        object("c1", {{"name", "g-client"}, {"provider", "Google"}, {"clientId", "id"}}, {})};
    snapshot.collections["mail-accounts"] = {
        object("a1",
               {{"name", "gmail-box"},
                {"serviceProvider", "GMail/GSuite with OAuth2"},
                {"encryption", "SSL"},
                {"host", "imap.gmail.com"},
                {"port", 993},
                {"username", "g@example.com"},
                {"oauth2Client", "c1"}},
               {"oauth2RefreshToken"}),
        object("a2",
               {{"name", "fine"},
                {"serviceProvider", "General IMAP4 service"},
                {"encryption", "SSL"},
                {"host", "imap.example.com"},
                {"port", 993},
                {"username", "f@example.com"}},
               {"password"})};
    snapshot.collections["smtp-connections"] = {object("s1",
                                                       {{"name", "no-from"},
                                                        {"serviceProvider", "Custom SMTP server"},
                                                        {"host", "smtp.example.com"},
                                                        {"port", 587}},
                                                       {})};
    ExportResult result = export_snapshot(snapshot, server_to_cloud());
    CHECK(names(result) == std::vector<std::string>{"fine"});
    CHECK(result.errors ==
          std::vector<std::string>{
              "OAuth2Client 'g-client' (id c1): provider google needs spec.clientSecret to "
              "refresh tokens",
              "SmtpConnection 'no-from' (id s1): missing required field 'fromAddress' in spec",
              "MailAccount 'gmail-box' (id a1): OAuth2Client 'g-client' is not declared"});
}

TEST_CASE("export adopts a secret as exported only where the state holds no fingerprint of that "
          "object",
          "[export]") {
    WrittenResource resource{Kind::mail_account, "box", "id-7", "", {}};
    resource.secrets = {{"MAIL_BOX_PASSWORD", "password", "", true, ""},
                        {"MAIL_BOX_REFRESH_TOKEN", "oauth2RefreshToken", "", false, ""}};
    std::map<FingerprintKey, std::string> held{
        {{Kind::mail_account, "box", "password"}, "hmac-sha256:real"}};
    std::set<FingerprintKey> kept;

    SECTION("the state manages this object: its fingerprint is kept") {
        std::vector<ManagedObject> managed{{Kind::mail_account, "box", "id-7"}};
        CHECK(adopted_fingerprints(resource, managed, held, kept).empty());
        CHECK(kept == std::set<FingerprintKey>{{Kind::mail_account, "box", "password"}});
    }
    SECTION("the name is managed under another id: that fingerprint is another object's") {
        std::vector<ManagedObject> managed{{Kind::mail_account, "box", "id-3"}};
        CHECK(adopted_fingerprints(resource, managed, held, kept) ==
              std::map<std::string, std::string>{{"password", exported_fingerprint}});
        CHECK(kept.empty());
    }
    SECTION("managed without a fingerprint for the key: exported") {
        std::vector<ManagedObject> managed{{Kind::mail_account, "box", "id-7"}};
        CHECK(adopted_fingerprints(resource, managed, {}, kept) ==
              std::map<std::string, std::string>{{"password", exported_fingerprint}});
        CHECK(kept.empty());
    }
}
