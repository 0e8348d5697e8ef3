// schemas/server-export.schema.json documents what import reads: the sample passes it, and its
// fields are the Server labels of the mapping profile, section by section.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "config/mapping_file.hpp"
#include "support/json_schema.hpp"
#include "support/process.hpp"

using namespace mailsync;
using nlohmann::json;

namespace {

json load(const std::string& path) {
    return json::parse(test::read_file(path));
}

} // namespace

TEST_CASE("the Server export sample passes schemas/server-export.schema.json", "[import][schema]") {
    json schema = load(MAILSYNC_SOURCE_DIR "/schemas/server-export.schema.json");
    json sample = load(MAILSYNC_SOURCE_DIR "/samples/import/server-export.json");
    CHECK(test::schema_violations(schema, sample).empty());
    json broken = sample;
    broken["incomingMailAccounts"][0]["Port"] = "99x3";
    broken["outgoingMailConnections"][0].erase("Host");
    CHECK(test::schema_violations(schema, broken).size() >= 2);
}

TEST_CASE("the Server export schema names the mapping profile's Server labels",
          "[import][schema]") {
    json schema = load(MAILSYNC_SOURCE_DIR "/schemas/server-export.schema.json");
    SourceFiles sources;
    Diagnostics diagnostics;
    std::optional<MappingProfile> profile = load_mapping("server-to-cloud", sources, diagnostics);
    REQUIRE(profile);
    const std::map<Kind, std::pair<std::string, std::string>> sections{
        {Kind::oauth2_client, {"oauth2Credentials", "oauth2Credential"}},
        {Kind::mail_account, {"incomingMailAccounts", "incomingMailAccount"}},
        {Kind::smtp_connection, {"outgoingMailConnections", "outgoingMailConnection"}},
    };
    for (const auto& [kind, mapping] : profile->kinds) {
        INFO(kind_name(kind));
        const auto& [section, definition] = sections.at(kind);
        CHECK(schema["properties"].contains(section));
        std::set<std::string> labels;
        for (const FieldMapping& field : mapping.fields) {
            if (!field.source_label.empty())
                labels.insert(field.source_label);
        }
        std::set<std::string> documented;
        for (const auto& [key, value] : schema["definitions"][definition]["properties"].items())
            documented.insert(key);
        CHECK(documented == labels);
    }
}
