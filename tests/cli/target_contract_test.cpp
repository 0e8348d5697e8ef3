// What mailsync sends over the https target keeps schemas/target-api.yaml, and what the
// contract lets a server add does not upset it.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "support/target_contract.hpp"
#include "support/target_under_test.hpp"

using namespace mailsync::test;
using nlohmann::json;

namespace {

// The contract's request schema of a collection.
std::string request_schema(const std::string& path) {
    if (path.starts_with("/oauth2-clients"))
        return "OAuth2ClientRequest";
    if (path.starts_with("/mail-accounts"))
        return "MailAccountRequest";
    return "SmtpConnectionRequest";
}

void replace_in(const std::string& file, const std::string& from, const std::string& to) {
    std::string text = read_file(file);
    std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    write_file(file, text);
}

void replace_all_in(const std::string& file, const std::string& from, const std::string& to) {
    std::string text = read_file(file);
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    write_file(file, text);
}

} // namespace

TEST_CASE("every create and update mailsync sends is valid against the contract's request "
          "schemas",
          "[cli][https][contract]") {
    TempDir dir;
    write_config(dir.path(), {2, 4, 2});
    TargetUnderTest target("https");
    RunOptions in = target.in(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, in).exit_code == 0);

    // Updates of every kind: fields only; a secret cleared (box-1 leaves OAuth2 for a password);
    // then every secret written again.
    std::string config = dir.file("config.yaml");
    replace_all_in(config, "clientId: id-", "clientId: cid-");
    replace_all_in(config, "description: Mailbox", "description: Box");
    replace_all_in(config, "host: smtp.example.com", "host: smtp2.example.com");
    replace_in(config,
               "  auth:\n    oauth2:\n      client: client-1\n"
               "      refreshToken: ${env:TEST_REFRESH_TOKEN}\n",
               "  auth:\n    password: ${env:TEST_PASSWORD}\n");
    ProcessResult changed = run_mailsync({"apply", "--auto-approve", "."}, in);
    INFO(changed.out << changed.err);
    REQUIRE(changed.exit_code == 0);
    ProcessResult again = run_mailsync({"apply", "--auto-approve", "--replace-secrets", "."}, in);
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);

    std::set<std::string> seen; // "PUT /mail-accounts", with " secret" or " null" when sent
    for (const json& write : target.server().writes()) {
        std::string method = write["method"];
        std::string path = write["path"];
        if (method == "DELETE")
            continue;
        INFO(method << " " << path << " " << write["body"].dump());
        CHECK(contract_violations(write["body"], request_schema(path)).empty());
        std::string route = method + " /" + path.substr(1, path.find('/', 1) - 1);
        seen.insert(route);
        for (const char* secret : {"password", "clientSecret", "oauth2RefreshToken"}) {
            if (write["body"].contains(secret))
                seen.insert(route + (write["body"][secret].is_null() ? " null" : " secret"));
        }
    }
    for (const char* collection : {"/oauth2-clients", "/mail-accounts", "/smtp-connections"}) {
        INFO(collection);
        CHECK(seen.contains(std::string("POST ") + collection));
        CHECK(seen.contains(std::string("PUT ") + collection));
        CHECK(seen.contains(std::string("PUT ") + collection + " secret"));
    }
    CHECK(seen.contains("PUT /mail-accounts null")); // box-1's refresh token, cleared

    // What the check above would refuse: a request naming a read-only field.
    json with_id = {{"id", "x"},
                    {"name", "n"},
                    {"provider", "Google"},
                    {"clientId", "cid"},
                    {"labels", json::object()}};
    CHECK_FALSE(contract_violations(with_id, "OAuth2ClientRequest").empty());
}

TEST_CASE("a plan that deletes clients with the connections that use them meets no in_use",
          "[cli][https][contract]") {
    TempDir dir;
    write_config(dir.path(), {2, 4, 2});
    TargetUnderTest target("https");
    RunOptions in = target.in(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, in).exit_code == 0);
    write_config(dir.path(), {0, 0, 1}); // the clients go, with every account that uses them
    ProcessResult removed = run_mailsync({"apply", "--auto-approve", "."}, in);
    INFO(removed.out << removed.err);
    CHECK(removed.exit_code == 0);
    CHECK(removed.out.find("7 deleted") != std::string::npos);
    CHECK(target.server().stats()["objects"] == 1);
    CHECK(target.server().stats()["statuses"].value("409", 0) == 0);
}

TEST_CASE("plan, apply and export over https ignore fields the contract does not name",
          "[cli][https][contract]") {
    TempDir dir;
    write_config(dir.path(), {1, 3, 1});
    TargetUnderTest target("https");
    RunOptions in = target.in(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, in).exit_code == 0);
    // A later version of the API answers more than this contract names, in objects and pages.
    target.server().set_faults(
        {{"extraFields", {{"region", "eu-1"}, {"audit", {{"by", "admin"}, {"rev", 3}}}}}});
    ProcessResult planned = run_mailsync({"plan", "--detailed-exitcode", "."}, in);
    INFO(planned.out << planned.err);
    CHECK(planned.exit_code == 0);
    CHECK(planned.out.find("region") == std::string::npos);

    replace_all_in(dir.file("config.yaml"), "description: Mailbox", "description: Box");
    ProcessResult applied = run_mailsync({"apply", "--auto-approve", "."}, in);
    INFO(applied.out << applied.err);
    CHECK(applied.exit_code == 0);
    CHECK(run_mailsync({"plan", "--detailed-exitcode", "."}, in).exit_code == 0);

    ProcessResult exported =
        run_mailsync({"export", "--out", "cloud", "--state", "other.db"}, target.in(dir));
    INFO(exported.out << exported.err);
    CHECK(exported.exit_code == 0);
    CHECK(read_file(dir.file("cloud/mail-accounts.yaml")).find("eu-1") == std::string::npos);
}

TEST_CASE("plan refuses a --target-page-size above the contract's most", "[cli][https][contract]") {
    TempDir dir;
    write_config(dir.path(), {1, 1, 1});
    TargetUnderTest target("https");
    ProcessResult refused =
        run_mailsync({"plan", "--target-page-size", "501", "."}, target.in(dir));
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("'501' is not a page size from 1 to 500: the target API gives at most "
                           "500 objects per page (pageSize in schemas/target-api.yaml)") !=
          std::string::npos);
    CHECK(target.server().stats()["apiRequests"] == 0);
    CHECK(run_mailsync({"plan", "--target-page-size", "500", "."}, target.in(dir)).exit_code == 0);
}
