// schemas/target-api.yaml agrees with the mapping profile, and the fixture server answers the
// way it says.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "config/mapping_file.hpp"
#include "model/attributes.hpp"
#include "support/target_contract.hpp"
#include "support/target_server.hpp"
#include "target/http_target.hpp"

using namespace mailsync;
using namespace mailsync::test;
using nlohmann::json;

namespace {

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

} // namespace

TEST_CASE("the contract has every route of every collection the mapping names", "[contract]") {
    const json& api = target_contract();
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
    const json& schemas = target_contract()["components"]["schemas"];
    for (const auto& [kind, mapping] : server_to_cloud().kinds) {
        std::string name(kind_name(kind));
        INFO(name);
        const json& properties = schemas[name + "Fields"]["properties"];
        REQUIRE(properties.is_object());
        for (const std::string& schema : {name, name + "Request"}) {
            std::string parts = schemas[schema]["allOf"].dump();
            CHECK(parts.find("#/components/schemas/Labeled") != std::string::npos);
            CHECK(parts.find("#/components/schemas/" + name + "Fields") != std::string::npos);
        }
        // Read-only fields are in answers only: a request schema neither has nor allows them.
        CHECK(schemas[name]["allOf"].dump().find("ObjectMeta") != std::string::npos);
        CHECK(schemas[name + "Request"]["allOf"].dump().find("ObjectMeta") == std::string::npos);
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
    for (const auto& [key, property] : schemas["ObjectMeta"]["properties"].items()) {
        INFO(key);
        CHECK(property["readOnly"] == true);
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
                   {"fromAddress", "out@example.com"},
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
        CHECK(contract_violations(body, schema + "Page").empty());
        std::string id = body["items"][0]["id"];
        auto one = api.send({"GET", "/" + collection + "/" + id, "", "", ""});
        REQUIRE(one);
        CHECK(one->headers["etag"] == "\"1\"");
        CHECK(contract_violations(json::parse(one->body), schema).empty());
        for (const char* value : {"s3cret-value", "refresh-value", "smtp-value"})
            CHECK(one->body.find(value) == std::string::npos);
        CHECK(json::parse(one->body)["secretFieldsSet"].size() == 1);
    }
    auto missing = api.send({"GET", "/mail-accounts/nope", "", "", ""});
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(contract_violations(json::parse(missing->body), "Error").empty());
    // What the contract forbids, the validation sees.
    CHECK_FALSE(contract_violations(json{{"items", {{{"id", "x"}}}}}, "MailAccountPage").empty());
}

TEST_CASE("the fixture server keeps labels as written and refuses labels that are not strings",
          "[contract][http]") {
    TargetServer server;
    auto target = HttpTarget::open(server.url(), server.options());
    REQUIRE(target);
    HttpTarget& api = **target;
    WriteRequest client;
    client.fields = {{"name", "g"},
                     {"provider", "Google"},
                     {"clientId", "id"},
                     {"labels", {{"mailsync/scope", "support"}, {"team", "blue"}}}};
    auto made = api.create("oauth2-clients", client);
    REQUIRE(made);
    auto one = api.send({"GET", "/oauth2-clients/" + made->id, "", "", ""});
    REQUIRE(one);
    json body = json::parse(one->body);
    CHECK(contract_violations(body, "OAuth2Client").empty());
    CHECK(body["labels"] == json{{"mailsync/scope", "support"}, {"team", "blue"}});
    auto listed = api.list("oauth2-clients");
    REQUIRE(listed);
    CHECK(listed->front().fields["labels"]["mailsync/scope"] == "support");

    // A PUT replaces the labels with the fields; without labels they are gone.
    WriteRequest plain;
    plain.fields = {{"name", "g"}, {"provider", "Google"}, {"clientId", "id"}};
    auto updated = api.update("oauth2-clients", made->id, made->version, plain);
    REQUIRE(updated);
    auto again = api.list("oauth2-clients");
    REQUIRE(again);
    CHECK_FALSE(again->front().fields.contains("labels"));

    WriteRequest bad = plain;
    bad.fields["name"] = "h";
    bad.fields["labels"] = {{"mailsync/scope", 3}};
    auto refused = api.create("oauth2-clients", bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("label mailsync/scope must be a string") !=
          std::string::npos);
    CHECK_FALSE(contract_violations(json{{"id", "x"},
                                         {"version", "1"},
                                         {"secretFieldsSet", json::array()},
                                         {"name", "h"},
                                         {"provider", "Google"},
                                         {"clientId", "id"},
                                         {"labels", {{"k", 3}}}},
                                    "OAuth2Client")
                    .empty());
}
