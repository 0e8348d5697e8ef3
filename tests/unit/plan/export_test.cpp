#include <catch2/catch.hpp>

#include "config/mapping_file.hpp"
#include "plan/export.hpp"

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
