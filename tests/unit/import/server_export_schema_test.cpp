// schemas/server-export.schema.json documents what import reads: the sample passes it, and its
// fields are the Server labels of the mapping profile, section by section.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "config/mapping_file.hpp"

using namespace mailsync;
using nlohmann::json;

namespace {

json load(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}

std::vector<std::string> violations(const json& schema_document, const json& document) {
    valijson::Schema schema;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_document);
    parser.populateSchema(schema_adapter, schema);
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    validator.validate(schema, adapter, &results);
    std::vector<std::string> out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        std::string where;
        for (const std::string& part : error.context)
            where += part;
        out.push_back(where + ": " + error.description);
    }
    return out;
}

} // namespace

TEST_CASE("the Server export sample passes schemas/server-export.schema.json", "[import][schema]") {
    json schema = load(MAILSYNC_SOURCE_DIR "/schemas/server-export.schema.json");
    json sample = load(MAILSYNC_SOURCE_DIR "/samples/import/server-export.json");
    CHECK(violations(schema, sample).empty());
    json broken = sample;
    broken["incomingMailAccounts"][0]["Port"] = "99x3";
    broken["outgoingMailConnections"][0].erase("Host");
    CHECK(violations(schema, broken).size() >= 2);
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
