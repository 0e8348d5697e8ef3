// The https target against the fixture server of the contract, faults included.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "support/target_server.hpp"
#include "target/http_answers.hpp"
#include "target/http_target.hpp"

using namespace mailsync;
using namespace mailsync::test;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<HttpTarget> open(const TargetServer& server, TargetOptions options) {
    auto target = HttpTarget::open(server.url(), options);
    REQUIRE(target);
    return std::move(*target);
}

std::unique_ptr<HttpTarget> open(const TargetServer& server) {
    return open(server, server.options());
}

WriteRequest account(const std::string& name, const std::string& password = "pw-1") {
    WriteRequest request;
    request.fields = {{"name", name},
                      {"serviceProvider", "General IMAP4 service"},
                      {"host", "imap.example.com"},
                      {"port", 993}};
    request.secrets.emplace_back("password", SecretValue(password));
    return request;
}

long count_status(const nlohmann::json& stats, const std::string& status) {
    return stats["statuses"].value(status, 0L);
}

} // namespace

TEST_CASE("https target: create, list in pages, update with If-Match, delete", "[target][http]") {
    TargetServer server;
    TargetOptions options = server.options();
    options.page_size = 2;
    auto target = open(server, options);
    std::vector<TargetObject> made;
    for (int i = 0; i < 5; ++i) {
        auto object = target->create("mail-accounts", account("box-" + std::to_string(i)));
        REQUIRE(object);
        CHECK(object->version == "1");
        CHECK(object->fields["host"] == "imap.example.com");
        CHECK_FALSE(object->fields.contains("password")); // write-only, never returned
        CHECK(object->secrets_set == std::vector<std::string>{"password"});
        made.push_back(*object);
    }
    long lists_before = server.stats()["listRequests"];
    auto listed = target->list("mail-accounts");
    REQUIRE(listed);
    CHECK(listed->size() == 5);
    CHECK(server.stats()["listRequests"].get<long>() - lists_before == 3); // pages of 2, 2, 1

    WriteRequest change = account("box-0");
    change.fields["host"] = "imap2.example.com";
    change.secrets.clear(); // a secret not sent is kept
    auto updated = target->update("mail-accounts", made[0].id, "1", change);
    REQUIRE(updated);
    CHECK(updated->version == "2");
    CHECK(updated->secrets_set == std::vector<std::string>{"password"});

    auto stale = target->update("mail-accounts", made[0].id, "1", change);
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == TargetError::Code::conflict);
    CHECK(stale.error().message == "PUT /mail-accounts/" + made[0].id + ": 409 Conflict: object " +
                                       made[0].id + " is at version 2, not 1");

    auto taken = target->create("mail-accounts", account("box-1"));
    REQUIRE_FALSE(taken);
    CHECK(taken.error().code == TargetError::Code::conflict);
    CHECK(taken.error().message == "POST /mail-accounts: 409 Conflict: an object named 'box-1' "
                                   "already exists in mail-accounts");

    REQUIRE(target->remove("mail-accounts", made[1].id, "1"));
    auto gone = target->remove("mail-accounts", made[1].id, "1");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == TargetError::Code::not_found);
    CHECK(target->list("mail-accounts")->size() == 4);
    CHECK(target->report().empty());
}

TEST_CASE("https target: a 429 with Retry-After is waited out, then retried", "[target][http]") {
    TargetServer server;
    server.set_faults({{"faults",
                        {{{"kind", "status"},
                          {"status", 429},
                          {"retryAfter", 1},
                          {"route", "POST /mail-accounts"},
                          {"count", 1}}}}});
    auto target = open(server);
    auto start = Clock::now();
    auto object = target->create("mail-accounts", account("box"));
    auto took = Clock::now() - start;
    REQUIRE(object);
    CHECK(took >= std::chrono::milliseconds(1000)); // the server said one second
    CHECK(took < std::chrono::milliseconds(3000));
    nlohmann::json stats = server.stats();
    CHECK(count_status(stats, "429") == 1);
    CHECK(count_status(stats, "201") == 1);
    std::vector<std::string> report = target->report();
    REQUIRE(report.size() == 2);
    CHECK(report[0] == "1 of 2 requests to the target were retried (1 × 429 Too Many Requests)");
}

TEST_CASE("https target: 503, 502, 504 and dropped connections are retried; 500 is not",
          "[target][http]") {
    TargetServer server;
    server.set_faults({{"faults",
                        {{{"kind", "status"}, {"status", 503}, {"count", 1}},
                         {{"kind", "status"}, {"status", 502}, {"count", 1}},
                         {{"kind", "status"}, {"status", 504}, {"count", 1}},
                         {{"kind", "drop"}, {"count", 1}}}}});
    auto target = open(server);
    // Each fault fires on the first matching request: one request meets all four in turn.
    REQUIRE(target->create("mail-accounts", account("a")));
    CHECK(server.stats()["objects"] == 1);

    server.set_faults({{"faults", {{{"kind", "status"}, {"status", 500}, {"count", 1}}}}});
    auto failed = target->create("mail-accounts", account("b"));
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message == "POST /mail-accounts: 500 Internal Server Error: injected 500");
}

TEST_CASE("https target: a create whose answer is lost is retried and makes one object",
          "[target][http]") {
    TargetServer server;
    server.set_faults(
        {{"faults", {{{"kind", "lost"}, {"route", "POST /mail-accounts"}, {"count", 2}}}}});
    auto target = open(server);
    auto object = target->create("mail-accounts", account("box"));
    REQUIRE(object);
    nlohmann::json stats = server.stats();
    CHECK(stats["objects"] == 1);
    CHECK(stats["replays"] == 2); // the second and third tries got the first one's answer
    auto listed = target->list("mail-accounts");
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().id == object->id);
}

TEST_CASE("https target: an answer that vanishes after the work on a kept-alive connection is "
          "retried with the backoff and counted, never re-sent by libcurl alone",
          "[target][http]") {
    TargetServer server;
    TargetOptions options = server.options();
    options.backoff = std::chrono::milliseconds(100);
    auto target = open(server, options);
    REQUIRE(target->create("mail-accounts", account("first"))); // a connection kept alive
    auto start = Clock::now();
    for (int i = 0; i < 25; ++i) {
        server.set_faults(
            {{"faults", {{{"kind", "vanish"}, {"route", "POST /mail-accounts"}, {"count", 1}}}}});
        REQUIRE(target->create("mail-accounts", account("box-" + std::to_string(i))));
    }
    auto took = Clock::now() - start;
    nlohmann::json stats = server.stats();
    CHECK(stats["faultsInjected"] == 25);
    CHECK(stats["objects"] == 26);
    CHECK(stats["replays"] == 25); // each retry got the answer of the work already done
    // Every request the server saw is one the target counted: 26 creates and 25 retries.
    CHECK(stats["methods"]["POST"] == 51);
    std::vector<std::string> report = target->report();
    REQUIRE_FALSE(report.empty());
    CHECK(report[0] == "25 of 51 requests to the target were retried (25 × connection dropped "
                       "or timed out)");
    // Each retry waited its backoff first (at least half the base of 100 ms).
    CHECK(took >= std::chrono::milliseconds(25 * 50));
}

TEST_CASE("https target: a create that times out is retried and makes one object",
          "[target][http]") {
    TargetServer server;
    server.set_faults(
        {{"faults",
          {{{"kind", "latency"}, {"ms", 1500}, {"route", "POST /mail-accounts"}, {"count", 1}}}}});
    TargetOptions options = server.options();
    options.timeout = std::chrono::milliseconds(500);
    options.max_tries = 10;
    auto target = open(server, options);
    auto object = target->create("mail-accounts", account("box"));
    REQUIRE(object);
    nlohmann::json stats = server.stats();
    CHECK(stats["objects"] == 1);
    // While the first is still being worked on, its retries hear 409 request_in_progress.
    CHECK(count_status(stats, "409") >= 1);
    CHECK(stats["replays"].get<long>() + count_status(stats, "409") >= 1);
}

TEST_CASE("https target: a slow answer within the timeout is read whole", "[target][http]") {
    TargetServer server;
    server.set_faults({{"faults", {{{"kind", "slow-body"}, {"ms", 400}, {"count", 1}}}}});
    auto target = open(server);
    auto object = target->create("mail-accounts", account("box"));
    REQUIRE(object);
    CHECK(object->name() == "box");
}

TEST_CASE("https target: errors say what the server said", "[target][http]") {
    TargetServer server;
    SECTION("a wrong token is a clear 401, not retried") {
        TargetOptions options = server.options();
        options.token.emplace("wrong");
        auto target = open(server, options);
        auto listed = target->list("mail-accounts");
        REQUIRE_FALSE(listed);
        CHECK(listed.error().message ==
              "GET /mail-accounts: 401 Unauthorized: missing or invalid bearer token (the target "
              "refused the bearer token; check MAILSYNC_TARGET_TOKEN)");
        CHECK(server.stats()["apiRequests"] == 1);
    }
    SECTION("a certificate from another CA fails the TLS check, not retried") {
        TargetOptions options = server.options();
        options.ca_file = TargetServer::other_ca_file();
        auto target = open(server, options);
        auto listed = target->list("mail-accounts");
        REQUIRE_FALSE(listed);
        CHECK(listed.error().message.starts_with("GET /mail-accounts?pageSize=500: "));
        CHECK(listed.error().message.find("certificate") != std::string::npos);
    }
    SECTION("nothing listening: retried, then given up with the count") {
        TargetOptions options = server.options();
        options.max_tries = 2;
        auto target = HttpTarget::open("https://localhost:1/api", options);
        REQUIRE(target);
        auto listed = (*target)->list("mail-accounts");
        REQUIRE_FALSE(listed);
        CHECK(listed.error().message.find("(gave up after 2 tries)") != std::string::npos);
    }
}

TEST_CASE("https target: what the URL and the token may be", "[target][http]") {
    TargetOptions options;
    options.token.emplace("t");
    CHECK(HttpTarget::open("http://cloud.example.com/api", options).error().message ==
          "target http://cloud.example.com/api: plain http:// is allowed only on this machine "
          "(localhost, 127.0.0.1, ::1); use https://");
    std::vector<std::string> warnings;
    options.warn = [&](const std::string& text) { warnings.push_back(text); };
    auto loopback = HttpTarget::open("http://127.0.0.1:8080/api/", options);
    REQUIRE(loopback);
    CHECK((*loopback)->describe() == "http://127.0.0.1:8080/api");
    CHECK(warnings.size() == 1);
    CHECK(HttpTarget::open("https://user:pw@cloud.example.com/api", options).error().message ==
          "the target URL must not hold credentials; the bearer token comes from "
          "MAILSYNC_TARGET_TOKEN");
    options.ca_file = "/nonexistent/ca.pem";
    CHECK(HttpTarget::open("https://cloud.example.com/api", options).error().message ==
          "--target-ca-file /nonexistent/ca.pem: no such readable file");
    options.ca_file.clear();
    options.token.reset();
    CHECK(HttpTarget::open("https://cloud.example.com/api", options).error().message ==
          "target https://cloud.example.com/api needs a bearer token: set MAILSYNC_TARGET_TOKEN");
}

TEST_CASE("https target: concurrency backs off on 429 and recovers", "[target][http]") {
    TargetServer server({"--max-in-flight", "3", "--latency-ms", "20"});
    TargetOptions options = server.options();
    options.max_concurrency = 10;
    options.max_tries = 20;
    auto target = open(server, options);
    std::vector<std::jthread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 10; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                if (!target->create("mail-accounts",
                                    account("box-" + std::to_string(t) + "-" + std::to_string(i))))
                    ++failures;
            }
        });
    }
    threads.clear();
    CHECK(failures == 0);
    nlohmann::json stats = server.stats();
    CHECK(stats["objects"] == 100);
    long throttled = count_status(stats, "429");
    CHECK(throttled > 0);
    // Far fewer 429s than requests: the pace came down instead of hammering.
    CHECK(throttled < 100);
    std::vector<std::string> report = target->report();
    REQUIRE(report.size() == 2);
    CHECK(report[1].starts_with("the target asked to slow down: requests in flight went down to "));
}

TEST_CASE("https target: a collection that would leave the base URL is never requested",
          "[target][http]") {
    CHECK(is_collection_name("mail-accounts"));
    for (const char* bad : {"", "../../admin/tokens", "a/b", "mail-accounts?x=1", "Mail", "%2e%2e"})
        CHECK_FALSE(is_collection_name(bad));
    TargetServer server;
    auto target = open(server, server.options());
    WriteRequest request;
    request.fields = {{"name", "a"}};
    auto created = target->create("../../admin/tokens", request);
    REQUIRE_FALSE(created);
    CHECK(created.error().message ==
          "POST: '../../admin/tokens' is not a collection name; nothing was sent");
    CHECK_FALSE(target->list("../admin"));
    CHECK_FALSE(target->update("a/b", "1", "1", request));
    CHECK_FALSE(target->remove("..", "1", "1"));
    nlohmann::json stats = server.stats();
    CHECK(stats["apiRequests"] == 0);
    CHECK(stats["outsideBase"] == 0);
    CHECK(stats["writes"] == 0);

    // The fixture does see requests outside its base, so the zeros above mean something.
    auto elsewhere = HttpTarget::open(
        "https://localhost:" + std::to_string(server.port()) + "/admin", server.options());
    REQUIRE(elsewhere);
    CHECK_FALSE((*elsewhere)->create("tokens", request));
    stats = server.stats();
    CHECK(stats["outsideBase"] == 1);
    CHECK(stats["writes"] == 1);
}
