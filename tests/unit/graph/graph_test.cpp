#include <catch2/catch.hpp>

#include "graph/graph.hpp"

using namespace mailsync;

TEST_CASE("levels put dependencies first and group independent nodes", "[graph]") {
    Graph graph(5);
    graph.add_edge(2, 0); // 2 depends on 0
    graph.add_edge(3, 0);
    graph.add_edge(3, 1);
    graph.add_edge(4, 3);
    auto levels = graph.levels();
    REQUIRE(levels);
    CHECK(*levels == std::vector<std::vector<std::size_t>>{{0, 1}, {2, 3}, {4}});
}

TEST_CASE("a cycle is an error", "[graph]") {
    Graph graph(3);
    graph.add_edge(0, 1);
    graph.add_edge(1, 2);
    graph.add_edge(2, 1);
    auto levels = graph.levels();
    REQUIRE_FALSE(levels);
    CHECK(levels.error().message.starts_with("dependency cycle through node"));
}

TEST_CASE("closure holds a node and everything it depends on", "[graph]") {
    Graph graph(4);
    graph.add_edge(3, 2);
    graph.add_edge(2, 0);
    CHECK(graph.closure(3) == std::set<std::size_t>{0, 2, 3});
    CHECK(graph.closure(1) == std::set<std::size_t>{1});
}

TEST_CASE("the config graph links connections to their OAuth2 client", "[graph]") {
    Config config;
    OAuth2Client client;
    client.meta.name = "g";
    config.clients.push_back(client);
    MailAccount account;
    account.meta.name = "box";
    account.auth = Auth{};
    account.auth->oauth2 = OAuth2Auth{};
    account.auth->oauth2->client = "g";
    config.accounts.push_back(account);
    SmtpConnection plain;
    plain.meta.name = "relay";
    config.smtp_connections.push_back(plain);
    ConfigGraph graph = build_config_graph(config);
    REQUIRE(graph.ids.size() == 3);
    std::size_t box = graph.find({Kind::mail_account, "box"});
    std::size_t g = graph.find({Kind::oauth2_client, "g"});
    CHECK(graph.graph.dependencies(box) == std::set<std::size_t>{g});
    CHECK(graph.graph.dependencies(graph.find({Kind::smtp_connection, "relay"})).empty());
    CHECK(to_string(graph.ids[box]) == "MailAccount/box");
    CHECK(graph.find({Kind::mail_account, "nope"}) == graph.ids.size());
}

TEST_CASE("a mailbox migration is a node of its own, depending on nothing", "[graph]") {
    Config config;
    OAuth2Client client;
    client.meta.name = "g";
    config.clients.push_back(client);
    MailboxMigration migration;
    migration.meta.name = "alice";
    migration.source.auth = Auth{};
    migration.source.auth->oauth2 = OAuth2Auth{};
    migration.source.auth->oauth2->client = "g";
    config.migrations.push_back(migration);
    ConfigGraph graph = build_config_graph(config);
    REQUIRE(graph.ids.size() == 2);
    std::size_t alice = graph.find({Kind::mailbox_migration, "alice"});
    REQUIRE(alice < graph.ids.size());
    CHECK(graph.graph.closure(alice) == std::set<std::size_t>{alice});
}
