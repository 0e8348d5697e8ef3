#include <catch2/catch.hpp>

#include <filesystem>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;

namespace {

LoadedConfig load(const std::string& path) {
    LoadOptions options;
    options.resolve_secrets = false;
    return load_config({path}, options);
}

// A migration whose source's auth block is `source_auth` (indented under auth:).
std::string migration(const std::string& source_auth,
                      const std::string& destination_auth = "      password: ${env:D}\n") {
    return "apiVersion: mailsync/v1\nkind: MailboxMigration\nmetadata:\n  name: alice\nspec:\n"
           "  source:\n    host: imap.old.example\n    username: alice@old.example\n"
           "    auth:\n" +
           source_auth +
           "  destination:\n    host: imap.new.example\n    username: alice@new.example\n"
           "    auth:\n" +
           destination_auth;
}

const std::string smtp = "---\napiVersion: mailsync/v1\nkind: SmtpConnection\nmetadata:\n"
                         "  name: out\nspec:\n  fromAddress: it@example.com\n  host: "
                         "smtp.example.com\n  username: it@example.com\n  auth: {password: "
                         "\"${env:S}\"}\n";

// "file:line:col: severity: message" of every diagnostic.
std::vector<std::string> problems(const LoadedConfig& loaded) {
    std::vector<std::string> out;
    for (const Diagnostic& d : loaded.diagnostics.items())
        out.push_back(fmt::format("{}:{}:{}: {}: {}",
                                  std::filesystem::path(d.where.file.str()).filename().string(),
                                  d.where.line, d.where.column,
                                  d.severity == Severity::error ? "error" : "warning", d.message));
    return out;
}

} // namespace

TEST_CASE("a self-service source is read with its owner's address and the link's lifetime",
          "[loader][selfservice]") {
    test::TempDir dir;
    test::write_file(dir.file("m.yaml"),
                     migration("      selfService: {email: alice@example.com, expires: 3d}\n") +
                         smtp);
    LoadedConfig loaded = load(dir.file("m.yaml"));
    CHECK(problems(loaded).empty());
    REQUIRE(loaded.config.migrations.size() == 1);
    const MailboxMigration& m = loaded.config.migrations[0];
    REQUIRE(is_self_service(m));
    CHECK(m.source.auth->self_service->email == "alice@example.com");
    CHECK(m.source.auth->self_service->expires == std::chrono::hours(72));
    CHECK(!m.source.auth->password);
}

TEST_CASE("selfService.expires defaults to seven days", "[loader][selfservice]") {
    test::TempDir dir;
    test::write_file(dir.file("m.yaml"),
                     migration("      selfService: {email: alice@example.com}\n") + smtp);
    LoadedConfig loaded = load(dir.file("m.yaml"));
    CHECK(problems(loaded).empty());
    REQUIRE(loaded.config.migrations.size() == 1);
    CHECK(loaded.config.migrations[0].source.auth->self_service->expires ==
          std::chrono::hours(24 * 7));
}

TEST_CASE("a bad owner address is an error at its place", "[loader][selfservice]") {
    test::TempDir dir;
    test::write_file(dir.file("m.yaml"),
                     migration("      selfService: {email: \"Alice <alice@example.com>\"}\n") +
                         smtp);
    CHECK(problems(load(dir.file("m.yaml"))) ==
          std::vector<std::string>{
              "m.yaml:10:28: error: spec.source.auth.selfService.email must be a plain email "
              "address such as owner@example.com (no name, brackets or spaces), not 'Alice "
              "<alice@example.com>'"});
}

TEST_CASE("a bad or too long selfService.expires is an error at its place",
          "[loader][selfservice]") {
    test::TempDir dir;
    test::write_file(dir.file("a.yaml"),
                     migration("      selfService: {email: a@example.com, expires: 7 days}\n") +
                         smtp);
    CHECK(problems(load(dir.file("a.yaml"))) ==
          std::vector<std::string>{"a.yaml:10:52: error: spec.source.auth.selfService.expires "
                                   "must be a duration such as 7d, 36h or 90m, not '7 days'"});
    test::write_file(dir.file("b.yaml"),
                     migration("      selfService: {email: a@example.com, expires: 91d}\n") + smtp);
    CHECK(problems(load(dir.file("b.yaml"))) ==
          std::vector<std::string>{"b.yaml:10:52: error: MailboxMigration 'alice': "
                                   "spec.source.auth.selfService.expires must be between 10m "
                                   "and 90d"});
}

TEST_CASE("selfService on the destination is an error", "[loader][selfservice]") {
    test::TempDir dir;
    test::write_file(
        dir.file("m.yaml"),
        migration("      password: ${env:S}\n", "      selfService: {email: alice@example.com}\n") +
            smtp);
    CHECK(problems(load(dir.file("m.yaml"))) ==
          std::vector<std::string>{"m.yaml:15:7: error: MailboxMigration 'alice': selfService "
                                   "is for the source only; the destination's credentials come "
                                   "from the administrator"});
}

TEST_CASE("a self-service migration without any SmtpConnection warns that invite needs one",
          "[loader][selfservice]") {
    test::TempDir dir;
    test::write_file(dir.file("m.yaml"),
                     migration("      selfService: {email: alice@example.com}\n"));
    CHECK(problems(load(dir.file("m.yaml"))) ==
          std::vector<std::string>{"m.yaml:10:7: warning: MailboxMigration 'alice': its owner "
                                   "is invited by email through an SmtpConnection, and none is "
                                   "declared; 'mailsync invite' needs one"});
}

TEST_CASE("auth of a migration's side names selfService among its choices",
          "[loader][selfservice]") {
    test::TempDir dir;
    test::write_file(dir.file("m.yaml"), migration("      selfService: {email: alice@example.com}\n"
                                                   "      password: ${env:S}\n") +
                                             smtp);
    std::vector<std::string> found = problems(load(dir.file("m.yaml")));
    REQUIRE(found.size() == 1);
    CHECK(found[0] == "m.yaml:9:5: error: spec.source.auth takes exactly one of 'password', "
                      "'oauth2', 'admin' or 'selfService'");
}
