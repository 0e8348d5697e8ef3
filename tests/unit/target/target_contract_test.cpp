// schemas/target-api.yaml agrees with the mapping profile, and the fixture server answers the
// way it says.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "config/mapping_file.hpp"
#include "model/attributes.hpp"
#include "support/json_schema.hpp"
#include "support/target_server.hpp"
#include "target/http_target.hpp"

using namespace mailsync;
using namespace mailsync::test;
using nlohmann::json;

namespace {

// YAML → JSON, scalars typed the way YAML 1.2's core schema reads them.
json to_json(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& item : node)
            out[item.first.as<std::string>()] = to_json(item.second);
        return out;
    }
    case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const auto& item : node)
            out.push_back(to_json(item));
        return out;
    }
    case YAML::NodeType::Scalar: {
        std::string text = node.Scalar();
        if (node.Tag() == "!")
            return text; // quoted
        if (text == "true" || text == "false")
            return text == "true";
        if (!text.empty() && text.find_first_not_of("0123456789-") == std::string::npos)
            return std::stoll(text);
        return text;
    }
    default:
        return nullptr;
    }
}

const json& contract() {
    static const json document =
        to_json(YAML::LoadFile(MAILSYNC_SOURCE_DIR "/schemas/target-api.yaml"));
    return document;
}

MappingProfile server_to_cloud() {
    SourceFiles sources;
    Diagnostics diagnostics;
    return *load_mapping("server-to-cloud", sources, diagnostics);
}

bool secret_attribute(Kind kind, const std::string& name) {
    for (const AttributeInfo& info : attribute_catalog(kind)) {
        if (info.name == name)
            return info.about.find("(secret)") != std::string_view::npos;
    }
    return false;
}

// Validates `instance` against one of the contract's component schemas.
std::vector<std::string> violations(const json& instance, const std::string& schema) {
    json document = {{"components", contract()["components"]},
                     {"$ref", "#/components/schemas/" + schema}};
    return test::schema_violations(document, instance, test::SchemaDraft::draft4);
}

} // namespace

TEST_CASE("the contract has every route of every collection the mapping names", "[contract]") {
    const json& api = contract();
    CHECK(api["openapi"].get<std::string>().starts_with("3.0"));
    CHECK(api["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
    for (const auto& [kind, mapping] : server_to_cloud().kinds) {
        INFO(mapping.collection);
        const json& collection = api["paths"]["/" + mapping.collection];
        const json& item = api["paths"]["/" + mapping.collection + "/{id}"];
        CHECK(collection.contains("get"));
        CHECK(collection.contains("post"));
        CHECK(item.contains("get"));
        CHECK(item.contains("put"));
        CHECK(item.contains("delete"));
        json parameters = item["put"]["parameters"];
        CHECK(parameters.dump().find("IfMatch") != std::string::npos);
        CHECK(collection["post"]["parameters"].dump().find("IdempotencyKey") != std::string::npos);
        CHECK(collection["get"]["responses"].contains("429"));
    }
}

TEST_CASE("the contract's fields are the mapping's API keys, secrets write-only", "[contract]") {
    const json& schemas = contract()["components"]["schemas"];
    for (const auto& [kind, mapping] : server_to_cloud().kinds) {
        std::string name(kind_name(kind));
        INFO(name);
        const json& properties = schemas[name]["allOf"][1]["properties"];
        std::set<std::string> in_contract, in_mapping, secret_in_contract, secret_in_mapping;
        for (const auto& [key, property] : properties.items()) {
            in_contract.insert(key);
            if (property.value("$ref", "") == "#/components/schemas/Secret")
                secret_in_contract.insert(key);
        }
        for (const FieldMapping& field : mapping.fields) {
            in_mapping.insert(field.key);
            if (secret_attribute(kind, field.from))
                secret_in_mapping.insert(field.key);
            // Every value the mapping can send is one the contract allows.
            if (!field.values.empty() && properties[field.key].contains("enum")) {
                for (const auto& [from, to] : field.values)
                    CHECK(properties[field.key]["enum"].dump().find("\"" + to + "\"") !=
                          std::string::npos);
            }
        }
        CHECK(in_contract == in_mapping);
        CHECK(secret_in_contract == secret_in_mapping);
        CHECK(schemas["Secret"]["writeOnly"] == true);
    }
}

TEST_CASE("the fixture server answers as the contract says", "[contract][http]") {
    TargetServer server;
    auto target = HttpTarget::open(server.url(), server.options());
    REQUIRE(target);
    HttpTarget& api = **target;
    WriteRequest client;
    client.fields = {{"name", "g"}, {"provider", "Google"}, {"clientId", "id"}};
    client.secrets.emplace_back("clientSecret", SecretValue("s3cret-value"));
    auto made = api.create("oauth2-clients", client);
    REQUIRE(made);
    WriteRequest account;
    account.fields = {{"name", "box"},
                      {"serviceProvider", "GMail/GSuite with OAuth2"},
                      {"host", "imap.gmail.com"},
                      {"port", 993},
                      {"encryption", "SSL"},
                      {"oauth2Client", made->id},
                      {"status", "Active"},
                      {"timeout", 30}};
    account.secrets.emplace_back("oauth2RefreshToken", SecretValue("refresh-value"));
    REQUIRE(api.create("mail-accounts", account));
    WriteRequest smtp;
    smtp.fields = {{"name", "out"},
                   {"serviceProvider", "Custom SMTP server"},
                   {"host", "smtp.example.com"},
                   {"port", 587},
                   {"debug", false},
                   {"encryption", "STARTTLS"}};
    smtp.secrets.emplace_back("password", SecretValue("smtp-value"));
    REQUIRE(api.create("smtp-connections", smtp));

    for (const auto& [collection, schema] :
         std::vector<std::pair<std::string, std::string>>{{"oauth2-clients", "OAuth2Client"},
                                                          {"mail-accounts", "MailAccount"},
                                                          {"smtp-connections", "SmtpConnection"}}) {
        INFO(collection);
        auto page = api.send({"GET", "/" + collection + "?pageSize=10", "", "", ""});
        REQUIRE(page);
        CHECK(page->status == 200);
        json body = json::parse(page->body);
        CHECK(violations(body, schema + "Page").empty());
        std::string id = body["items"][0]["id"];
        auto one = api.send({"GET", "/" + collection + "/" + id, "", "", ""});
        REQUIRE(one);
        CHECK(one->headers["etag"] == "\"1\"");
        CHECK(violations(json::parse(one->body), schema).empty());
        for (const char* value : {"s3cret-value", "refresh-value", "smtp-value"})
            CHECK(one->body.find(value) == std::string::npos);
        CHECK(json::parse(one->body)["secretFieldsSet"].size() == 1);
    }
    auto missing = api.send({"GET", "/mail-accounts/nope", "", "", ""});
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(violations(json::parse(missing->body), "Error").empty());
    // What the contract forbids, the validation sees.
    CHECK_FALSE(violations(json{{"items", {{{"id", "x"}}}}}, "MailAccountPage").empty());
}
