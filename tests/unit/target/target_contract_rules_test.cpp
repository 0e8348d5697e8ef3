// The points schemas/target-api.yaml settles (issue 19), each as the contract writes it and as
// the fixture server does it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/json_schema.hpp"
#include "support/process.hpp"
#include "support/target_contract.hpp"
#include "support/target_server.hpp"
#include "target/http_target.hpp"

using namespace mailsync;
using namespace mailsync::test;
using nlohmann::json;

namespace {

json client_body(const std::string& name) {
    return {{"name", name}, {"provider", "Google"}, {"clientId", "id-" + name}};
}

json account_body(const std::string& name) {
    return {
        {"name", name}, {"serviceProvider", "General IMAP4 service"}, {"host", "imap.example.com"},
        {"port", 993},  {"description", "the " + name + " box"},      {"password", "pw-" + name}};
}

// The answer's error code, after checking the body is an Error of the contract.
std::string code_of(const TargetServer::RawAnswer& answer) {
    INFO(answer.body.dump());
    CHECK(contract_violations(answer.body, "Error").empty());
    return answer.body.value("code", "");
}

std::string etag(const TargetServer::RawAnswer& answer) {
    return "If-Match: " + answer.headers.at("etag");
}

} // namespace

TEST_CASE("contract: PUT replaces the object; a secret left out is kept, null clears it",
          "[contract][http]") {
    TargetServer server;
    auto made = server.request("POST", "/mail-accounts", account_body("box").dump());
    REQUIRE(made.status == 201);
    std::string path = "/mail-accounts/" + made.body["id"].get<std::string>();

    json whole = account_body("box");
    whole.erase("description");
    whole.erase("password");
    auto put = server.request("PUT", path, whole.dump(), {etag(made)});
    REQUIRE(put.status == 200);
    CHECK_FALSE(put.body.contains("description"));          // left out: cleared
    CHECK(put.body["secretFieldsSet"] == json{"password"}); // a secret left out: kept
    whole["password"] = nullptr;
    auto cleared = server.request("PUT", path, whole.dump(), {etag(put)});
    REQUIRE(cleared.status == 200);
    CHECK(cleared.body["secretFieldsSet"] == json::array());

    const json& info = target_contract();
    std::string top = read_file(MAILSYNC_SOURCE_DIR "/schemas/target-api.yaml");
    CHECK(top.find("# PUT replaces. A PUT body is the whole object: a field it leaves out is "
                   "cleared") != std::string::npos);
    CHECK(info["paths"]["/mail-accounts/{id}"]["put"]["summary"] ==
          "Replace one of the mail accounts as a whole, if it is still at the version given");
}

TEST_CASE("contract: an Idempotency-Key is per token, kept 24 hours, and names one request",
          "[contract][http]") {
    TargetServer server({"--token", std::string(target_token) + ",other-token"});
    std::string body = client_body("c").dump();
    std::vector<std::string> key{"Idempotency-Key: k-1"};

    auto first = server.request("POST", "/oauth2-clients", body, key);
    REQUIRE(first.status == 201);
    auto again = server.request("POST", "/oauth2-clients", body, key);
    CHECK(again.status == 201);
    CHECK(again.headers["idempotent-replayed"] == "true");
    CHECK(again.body["id"] == first.body["id"]);

    // Another body, method or path with the key: 422, nothing done.
    auto other_body = server.request("POST", "/oauth2-clients", client_body("d").dump(), key);
    CHECK(other_body.status == 422);
    CHECK(code_of(other_body) == "idempotency_key_reused");
    auto other_path = server.request("POST", "/mail-accounts", body, key);
    CHECK(other_path.status == 422);
    CHECK(server.stats()["objects"] == 1);

    // Under another token the key is another key: the request runs (and meets the name).
    auto other_token = server.request("POST", "/oauth2-clients", body, key, "other-token");
    CHECK(other_token.status == 409);
    CHECK(code_of(other_token) == "name_taken");

    // 4xx answers are replayed too: a DELETE whose 204 was lost gets it again, not a 404.
    std::string path = "/oauth2-clients/" + first.body["id"].get<std::string>();
    std::vector<std::string> remove{etag(first), "Idempotency-Key: k-2"};
    CHECK(server.request("DELETE", path, "", remove).status == 204);
    auto replayed = server.request("DELETE", path, "", remove);
    CHECK(replayed.status == 204);
    CHECK(replayed.headers["idempotent-replayed"] == "true");
    auto refused = server.request("POST", "/oauth2-clients", json{{"name", "x"}}.dump(),
                                  {"Idempotency-Key: k-3"});
    REQUIRE(refused.status == 400);
    auto refused_again = server.request("POST", "/oauth2-clients", json{{"name", "x"}}.dump(),
                                        {"Idempotency-Key: k-3"});
    CHECK(refused_again.status == 400);
    CHECK(refused_again.headers["idempotent-replayed"] == "true");

    // A 5xx did nothing and is not kept: the retry with the key does the work.
    server.set_faults({{"faults", {{{"kind", "status"}, {"status", 503}, {"count", 1}}}}});
    std::vector<std::string> fresh{"Idempotency-Key: k-4"};
    CHECK(server.request("POST", "/oauth2-clients", client_body("e").dump(), fresh).status == 503);
    auto after_503 = server.request("POST", "/oauth2-clients", client_body("e").dump(), fresh);
    CHECK(after_503.status == 201);
    CHECK_FALSE(after_503.headers.contains("idempotent-replayed"));

    // Past the retention the key is forgotten: the same request is a new one.
    server.set_faults({{"keyRetentionMs", 0}});
    auto forgotten = server.request("POST", "/oauth2-clients", client_body("e").dump(), fresh);
    CHECK(forgotten.status == 409);
    CHECK(code_of(forgotten) == "name_taken");

    const json& key_parameter = target_contract()["components"]["parameters"]["IdempotencyKey"];
    CHECK(key_parameter.value("required", false) == false);
    std::string text = key_parameter["description"];
    for (const char* words : {"per bearer token", "24 hours", "SHA-256", "idempotency_key_reused",
                              "request_in_progress", "401, 429 and 5xx answers are not kept"})
        CHECK(text.find(words) != std::string::npos);
}

TEST_CASE("contract: every error has a code the contract lists, and 502, 503, 504 are declared "
          "with Retry-After on every operation",
          "[contract][http]") {
    TargetServer server;
    auto made = server.request("POST", "/oauth2-clients", client_body("c").dump());
    REQUIRE(made.status == 201);
    std::string path = "/oauth2-clients/" + made.body["id"].get<std::string>();
    std::vector<std::pair<TargetServer::RawAnswer, std::string>> answers = {
        {server.request("GET", "/oauth2-clients", "", {}, "wrong"), "unauthorized"},
        {server.request("GET", "/oauth2-clients/nope"), "not_found"},
        {server.request("POST", "/oauth2-clients", "[]"), "bad_request"},
        {server.request("POST", "/oauth2-clients", client_body("c").dump()), "name_taken"},
        {server.request("PUT", path, client_body("c").dump()), "precondition_required"},
        {server.request("PUT", path, client_body("c").dump(), {"If-Match: \"7\""}),
         "version_mismatch"},
        {server.request("PUT", path, client_body("c").dump(), {"If-Match: W/\"1\""}),
         "precondition_failed"},
        {server.request("POST", "/oauth2-clients", "{}"), "bad_request"},
    };
    for (int status : {429, 500, 502, 503, 504}) {
        server.set_faults({{"faults", {{{"kind", "status"}, {"status", status}, {"count", 1}}}}});
        answers.emplace_back(server.request("GET", "/oauth2-clients"), "");
    }
    const json& codes = target_contract()["components"]["schemas"]["Error"]["properties"]["code"];
    CHECK(target_contract()["components"]["schemas"]["Error"]["required"] ==
          json{"code", "message"});
    for (const auto& [answer, expected] : answers) {
        INFO(answer.status << " " << answer.body.dump());
        std::string code = code_of(answer);
        CHECK(codes["enum"].dump().find("\"" + code + "\"") != std::string::npos);
        if (!expected.empty())
            CHECK(code == expected);
    }
    // Nothing the contract forbids slips through the check above.
    CHECK_FALSE(contract_violations(json{{"message", "no code"}}, "Error").empty());
    CHECK_FALSE(contract_violations(json{{"message", "m"}, {"code", "made_up"}}, "Error").empty());

    const json& responses = target_contract()["components"]["responses"];
    for (const auto& [path_name, item] : target_contract()["paths"].items()) {
        for (const auto& [method, operation] : item.items()) {
            if (method == "parameters")
                continue;
            INFO(method << " " << path_name);
            for (const char* status : {"429", "502", "503", "504"}) {
                REQUIRE(operation["responses"].contains(status));
                std::string ref = operation["responses"][status]["$ref"];
                std::string name = ref.substr(ref.rfind('/') + 1);
                CHECK(responses[name]["headers"].contains("Retry-After"));
            }
        }
    }
}

TEST_CASE("contract: ETags are strong, and If-Match compares strongly", "[contract][http]") {
    TargetServer server;
    auto made = server.request("POST", "/oauth2-clients", client_body("c").dump());
    REQUIRE(made.status == 201);
    CHECK(made.headers["etag"] == "\"1\"");
    json etag_schema = target_contract()["components"]["headers"]["ETag"]["schema"];
    CHECK(schema_violations(etag_schema, json("\"1\""), SchemaDraft::draft4).empty());
    CHECK_FALSE(schema_violations(etag_schema, json("W/\"1\""), SchemaDraft::draft4).empty());

    std::string path = "/oauth2-clients/" + made.body["id"].get<std::string>();
    std::string body = client_body("c").dump();
    for (const char* never :
         {"If-Match: W/\"1\"", "If-Match: *", "If-Match: \"1\", \"2\"", "If-Match: 1"}) {
        INFO(never);
        auto refused = server.request("PUT", path, body, {never});
        CHECK(refused.status == 412);
        CHECK(code_of(refused) == "precondition_failed");
        CHECK(server.request("DELETE", path, "", {never}).status == 412);
    }
    CHECK(server.request("PUT", path, body, {"If-Match: \"1\""}).status == 200);
    auto stale = server.request("DELETE", path, "", {"If-Match: \"1\""});
    CHECK(stale.status == 409);
    CHECK(code_of(stale) == "version_mismatch");
    CHECK(server.request("DELETE", path, "", {"If-Match: \"2\""}).status == 204);
}

TEST_CASE("contract: oauth2Client names a client that exists, and a client in use stays",
          "[contract][http]") {
    TargetServer server;
    auto target = HttpTarget::open(server.url(), server.options());
    REQUIRE(target);
    HttpTarget& api = **target;
    WriteRequest account;
    account.fields = {{"name", "box"},
                      {"serviceProvider", "GMail/GSuite with OAuth2"},
                      {"host", "imap.gmail.com"},
                      {"port", 993},
                      {"oauth2Client", "oa-nope"}};
    auto dangling = api.create("mail-accounts", account);
    REQUIRE_FALSE(dangling);
    CHECK(dangling.error().message == "POST /mail-accounts: 422 Unprocessable Entity: "
                                      "oauth2Client \"oa-nope\" is not the id of an OAuth2 client");
    CHECK(server.stats()["objects"] == 0);

    WriteRequest client;
    client.fields = client_body("g");
    auto made = api.create("oauth2-clients", client);
    REQUIRE(made);
    account.fields["oauth2Client"] = made->id;
    auto user = api.create("mail-accounts", account);
    REQUIRE(user);
    auto in_use = api.remove("oauth2-clients", made->id, made->version);
    REQUIRE_FALSE(in_use);
    CHECK(in_use.error().code == TargetError::Code::conflict);
    CHECK(in_use.error().message == "DELETE /oauth2-clients/" + made->id +
                                        ": 409 Conflict: OAuth2 client " + made->id +
                                        " is still named by mail-accounts/" + user->id);
    auto raw = server.request("DELETE", "/oauth2-clients/" + made->id, "", {"If-Match: \"1\""});
    CHECK(code_of(raw) == "in_use");
    // Connections first, then the client: the order mailsync's plans keep.
    REQUIRE(api.remove("mail-accounts", user->id, user->version));
    REQUIRE(api.remove("oauth2-clients", made->id, made->version));
}

TEST_CASE("contract: the server's name rule is wider than mailsync's, which it holds",
          "[contract][http]") {
    TargetServer server;
    json name_schema = target_contract()["components"]["schemas"]["Name"];
    for (const std::string& name : {std::string("Sales/EU"), std::string("a"),
                                    std::string(128, 'x'), std::string("Zürich (alt)")}) {
        INFO(name);
        CHECK(contract_violations(name, "Name").empty());
        auto made = server.request("POST", "/oauth2-clients", client_body(name).dump());
        CHECK(made.status == 201);
    }
    for (const std::string& name : {std::string(""), std::string(129, 'x'), std::string("a\nb")}) {
        INFO(name);
        CHECK_FALSE(contract_violations(name, "Name").empty());
        auto refused = server.request("POST", "/oauth2-clients", client_body(name).dump());
        CHECK(refused.status == 400);
        CHECK(code_of(refused) == "bad_request");
    }
    // Every name mailsync's own rule allows is one the server takes.
    json mailsync_schema =
        json::parse(read_file(MAILSYNC_SOURCE_DIR "/schemas/mailsync.schema.json"));
    json mailsync_name = mailsync_schema["definitions"]["name"];
    mailsync_name.erase("errorMessage");
    for (const std::string& name : {std::string("a"), std::string("Sales EU"),
                                    std::string("x@y.example"), std::string(128, 'b')}) {
        INFO(name);
        CHECK(schema_violations(mailsync_name, name).empty());
        CHECK(contract_violations(name, "Name").empty());
    }
    CHECK_FALSE(schema_violations(mailsync_name, std::string(129, 'b')).empty());
    CHECK_FALSE(schema_violations(mailsync_name, "Sales/EU").empty());
    CHECK(name_schema["description"].get<std::string>().find("`mailsync export` names and leaves "
                                                             "out") != std::string::npos);
}

TEST_CASE("contract: fromAddress is required of an SMTP connection, as mailsync requires it",
          "[contract][http]") {
    TargetServer server;
    json smtp = {{"name", "out"},
                 {"serviceProvider", "Custom SMTP server"},
                 {"host", "smtp.example.com"},
                 {"port", 587}};
    CHECK_FALSE(contract_violations(smtp, "SmtpConnectionRequest").empty());
    auto refused = server.request("POST", "/smtp-connections", smtp.dump());
    CHECK(refused.status == 400);
    CHECK(refused.body["message"] == "fromAddress is required");
    smtp["fromAddress"] = "out@example.com";
    CHECK(contract_violations(smtp, "SmtpConnectionRequest").empty());
    CHECK(server.request("POST", "/smtp-connections", smtp.dump()).status == 201);
    json mailsync_schema =
        json::parse(read_file(MAILSYNC_SOURCE_DIR "/schemas/mailsync.schema.json"));
    CHECK(mailsync_schema.dump().find("\"required\":[\"fromAddress\",\"host\"]") !=
          std::string::npos);
}

TEST_CASE("contract: pageSize is at most 500, and so is mailsync's page size", "[contract][http]") {
    const json& page_size = target_contract()["components"]["parameters"]["PageSize"]["schema"];
    CHECK(page_size["maximum"] == static_cast<long>(max_page_size));
    TargetServer server;
    CHECK(server.request("GET", "/mail-accounts?pageSize=500").status == 200);
    auto refused = server.request("GET", "/mail-accounts?pageSize=501");
    CHECK(refused.status == 400);
    CHECK(refused.body["message"] == "pageSize must be 1 to 500");
    TargetOptions options = server.options();
    options.page_size = max_page_size + 1;
    auto opened = HttpTarget::open(server.url(), options);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().message == "a listing page of 501 objects: the target API gives 1 to 500");
}

TEST_CASE("contract: unknown fields of a request are ignored, and the https target ignores "
          "those of an answer",
          "[contract][http]") {
    TargetServer server;
    json body = client_body("c");
    body["addedLater"] = "by a newer client";
    auto made = server.request("POST", "/oauth2-clients", body.dump());
    REQUIRE(made.status == 201);
    CHECK_FALSE(made.body.contains("addedLater"));
    CHECK(contract_violations(body, "OAuth2ClientRequest").empty());

    server.set_faults({{"extraFields", {{"etagFormat", "strong"}, {"owner", {{"team", "x"}}}}}});
    auto target = HttpTarget::open(server.url(), server.options());
    REQUIRE(target);
    auto listed = (*target)->list("oauth2-clients");
    REQUIRE(listed);
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().name() == "c");
    WriteRequest change;
    change.fields = client_body("c");
    change.fields["description"] = "changed";
    auto updated = (*target)->update("oauth2-clients", listed->front().id, "1", change);
    REQUIRE(updated);
    CHECK(updated->version == "2");
    CHECK(updated->fields["owner"]["team"] == "x"); // there, and harmless
    CHECK(contract_violations(server.request("GET", "/oauth2-clients").body, "OAuth2ClientPage")
              .empty());
}
