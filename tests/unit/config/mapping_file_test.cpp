#include <catch2/catch.hpp>

#include "config/mapping_file.hpp"
#include "support/process.hpp"

using namespace mailsync;

TEST_CASE("both built-in profiles parse and match the files in schemas/mappings", "[mapping]") {
    for (const std::string& name : builtin_mapping_names()) {
        INFO(name);
        std::string on_disk =
            test::read_file(std::string(MAILSYNC_SOURCE_DIR "/schemas/mappings/") + name + ".yaml");
        CHECK(builtin_mapping_text(name) == on_disk);
        Diagnostics diagnostics;
        auto profile = parse_mapping(on_disk, name, diagnostics);
        CHECK(diagnostics.items().empty());
        REQUIRE(profile);
        CHECK(profile->name == name);
    }
}

TEST_CASE("the server-to-cloud profile holds the tables of seeds 000 and 001", "[mapping]") {
    SourceFiles sources;
    Diagnostics diagnostics;
    auto profile = load_mapping("server-to-cloud", sources, diagnostics);
    REQUIRE(profile);
    const KindMapping* incoming = profile->find(Kind::mail_account);
    REQUIRE(incoming);
    std::vector<std::pair<std::string, std::string>> labels;
    for (const FieldMapping& field : incoming->fields)
        labels.emplace_back(field.source_label, field.label);
    for (auto [server, cloud] : std::vector<std::pair<std::string, std::string>>{
             {"Name", "Name"},
             {"Description", "Description"},
             {"Protocol", "Service Provider"},
             {"Encryption", "Encryption"},
             {"Host", "Host"},
             {"Username", "Username"},
             {"Password", "Password"},
             {"Port", "Port"},
             {"Timeout", "Timeout"},
             {"OAuth Credentials", "OAuth2 Credentials"}}) {
        INFO(server);
        CHECK(std::find(labels.begin(), labels.end(), std::make_pair(server, cloud)) !=
              labels.end());
    }
    const KindMapping* outgoing = profile->find(Kind::smtp_connection);
    REQUIRE(outgoing);
    labels.clear();
    for (const FieldMapping& field : outgoing->fields)
        labels.emplace_back(field.source_label, field.label);
    for (auto [server, cloud] : std::vector<std::pair<std::string, std::string>>{
             {"Name", "Name"},
             {"Description", "Description"},
             {"From Address", "From Email Address"},
             {"Prefix", "Email Prefix"},
             {"Connect Mode", "Service Provider"},
             {"Encryption", "Encryption"},
             {"Username", "Username"},
             {"Password", "Password"},
             {"Host", "Host"},
             {"Port", "SMTP Port"},
             {"Debug", "Debug"},
             {"OAuth2 Credentials", "OAuth2 Credentials"}}) {
        INFO(server);
        CHECK(std::find(labels.begin(), labels.end(), std::make_pair(server, cloud)) !=
              labels.end());
    }
}

TEST_CASE("a broken profile reports every problem with its place", "[mapping]") {
    Diagnostics diagnostics;
    auto profile = parse_mapping("profile: p\nkinds:\n  MailAcount: {}\n  MailAccount:\n"
                                 "    collection: c\n    fields:\n"
                                 "      - {from: hots, label: Host, key: host}\n"
                                 "      - {from: port, label: Port, key: host, colour: red}\n",
                                 "p.yaml", diagnostics);
    CHECK_FALSE(profile);
    std::vector<std::string> all;
    for (const Diagnostic& d : diagnostics.items())
        all.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + " " +
                      d.message);
    REQUIRE(all.size() == 4);
    CHECK(all[0] == "3:3 unknown kind 'MailAcount'; did you mean 'MailAccount'?");
    CHECK(all[1] == "7:16 unknown attribute 'hots' for MailAccount; did you mean 'host'?");
    CHECK(all[2] == "8:46 unknown field 'colour'");
    CHECK(all[3] == "8:40 key 'host' is mapped twice in MailAccount");
}

TEST_CASE("a profile file that does not exist is an error", "[mapping]") {
    SourceFiles sources;
    Diagnostics diagnostics;
    CHECK_FALSE(load_mapping("/nonexistent/profile.yaml", sources, diagnostics));
    CHECK(diagnostics.items().at(0).message.starts_with("cannot read: "));
}

TEST_CASE("sourceValues: what the source product shows, for import", "[mapping]") {
    std::string text = R"(profile: p
title: P
source: Server
target: Cloud
kinds:
  SmtpConnection:
    collection: smtp
    fields:
      - from: service
        label: Service Provider
        key: serviceProvider
        values: { smtp: Custom SMTP server }
        sourceValues: { SMTP: smtp, OAuth2: smtp/custom }
)";
    Diagnostics diagnostics;
    auto profile = parse_mapping(text, "p.yaml", diagnostics);
    REQUIRE(profile);
    const FieldMapping& service = profile->find(Kind::smtp_connection)->fields.at(0);
    CHECK(service.source_values == std::vector<std::pair<std::string, std::string>>{
                                       {"SMTP", "smtp"}, {"OAuth2", "smtp/custom"}});

    Diagnostics bad;
    parse_mapping(text + "      - { from: host, label: Host, key: host, sourceValues: [a, b] }\n",
                  "p.yaml", bad);
    REQUIRE(bad.error_count() == 1);
    CHECK(bad.items()[0].message == "'sourceValues' must be a map, not a list");
    CHECK(bad.items()[0].where.line == 14);
}
