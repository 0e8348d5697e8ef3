// `mailsync serve` as a command: what it refuses before it listens (plain http beyond loopback,
// missing or shared key files, a half TLS pair, configuration errors), TLS with a given
// certificate, and validate's checks of selfService.oauth2Client.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <httplib.h>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync::test;

namespace {

std::string migration(const std::string& self_service_extra = "") {
    return "apiVersion: mailsync/v1\nkind: MailboxMigration\nmetadata:\n  name: alice\nspec:\n"
           "  source:\n    host: imap.old.invalid\n    username: alice@old.invalid\n"
           "    auth:\n      selfService: {email: alice@example.com" +
           self_service_extra +
           "}\n  destination:\n    host: 127.0.0.1\n    port: 1\n"
           "    username: alice@example.com\n    auth: {password: \"${env:DESTINATION}\"}\n";
}

struct Checkout {
    TempDir dir;
    RunOptions options;
    Checkout() {
        write_file(dir.file("config/m.yaml"), migration());
        std::filesystem::create_directories(dir.file("keys"));
        write_file(dir.file("keys/invite.key"), std::string(64, 'i') + "\n");
        std::filesystem::permissions(dir.file("keys/invite.key"),
                                     std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
        options.cwd = dir.path();
        options.env = {{"DESTINATION", "destination-password"},
                       {"MAILSYNC_INVITE_KEY_FILE", dir.file("keys/invite.key")},
                       {"MAILSYNC_CREDENTIAL_KEY_FILE", dir.file("keys/credential.key")},
                       {"MAILSYNC_ADMIN_TOKEN_FILE", dir.file("keys/admin.token")}};
    }
    ProcessResult serve(std::vector<std::string> args) {
        args.insert(args.begin(), "serve");
        args.push_back("config");
        return run_mailsync(args, options);
    }
};

} // namespace

TEST_CASE("serve refuses plain http beyond loopback, a half TLS pair and shared or missing keys",
          "[cli][selfservice]") {
    Checkout checkout;
    ProcessResult open = checkout.serve({"--listen", "0.0.0.0:8080"});
    CHECK(open.exit_code == 1);
    CHECK_THAT(open.err, Catch::Contains("error: plain http on 0.0.0.0 would carry the owners' "
                                         "passwords in clear over the network: give --tls-cert "
                                         "and --tls-key, or listen on 127.0.0.1 behind a "
                                         "reverse proxy that terminates TLS"));
    ProcessResult half = checkout.serve({"--tls-cert", "cert.pem"});
    CHECK(half.exit_code == 1);
    CHECK_THAT(half.err, Catch::Contains("error: give both --tls-cert and --tls-key, or neither"));
    ProcessResult port = checkout.serve({"--listen", "127.0.0.1:99999"});
    CHECK(port.exit_code == 1);
    CHECK_THAT(port.err, Catch::Contains("the port must be 0 to 65535"));

    ProcessResult shared =
        checkout.serve({"--credential-key", checkout.dir.file("keys/invite.key")});
    CHECK(shared.exit_code == 1);
    CHECK_THAT(shared.err, Catch::Contains("--credential-key must be another file than "
                                           "--invite-key"));
    RunOptions no_invite = checkout.options;
    no_invite.env["MAILSYNC_INVITE_KEY_FILE"] = checkout.dir.file("keys/none.key");
    ProcessResult missing = run_mailsync({"serve", "config"}, no_invite);
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.err, Catch::Contains("cannot read the invite key file"));
    RunOptions no_token = checkout.options;
    no_token.unset_env = {"MAILSYNC_ADMIN_TOKEN_FILE"};
    no_token.env.erase("MAILSYNC_ADMIN_TOKEN_FILE");
    ProcessResult token = run_mailsync({"serve", "config"}, no_token);
    CHECK(token.exit_code == 1);
    CHECK_THAT(token.err, Catch::Contains("no admin token: give --admin-token-file FILE"));

    write_file(checkout.dir.file("keys/admin.token"), std::string(40, 'a'));
    std::filesystem::permissions(checkout.dir.file("keys/admin.token"),
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::group_read |
                                     std::filesystem::perms::others_read);
    ProcessResult readable = checkout.serve({});
    CHECK(readable.exit_code == 1);
    CHECK_THAT(readable.err,
               Catch::Contains("the admin token file " + checkout.dir.file("keys/admin.token") +
                               " can be read or written by others"));
    CHECK(readable.out.empty());
}

TEST_CASE("serve over TLS with a given certificate: its pages carry HSTS and the security "
          "headers",
          "[cli][selfservice]") {
    Checkout checkout;
    std::string certs = MAILSYNC_TEST_CERTS;
    std::string out = checkout.dir.file("serve.out");
    Background serve = start_mailsync_to_files(
        {"serve", "config", "--listen", "127.0.0.1:0", "--tls-cert", certs + "/server.pem",
         "--tls-key", certs + "/server.key", "--state", checkout.dir.file("state.db")},
        out, checkout.dir.file("serve.err"), checkout.options);
    int port = wait_for_serving(out);
    INFO(read_file(out) << read_file(checkout.dir.file("serve.err")));
    REQUIRE(port != 0);
    httplib::SSLClient client("localhost", port);
    client.set_ca_cert_path((certs + "/ca.pem").c_str());
    httplib::Result page = client.Get("/admin");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Strict-Transport-Security") == "max-age=31536000");
    CHECK_THAT(page->get_header_value("Content-Security-Policy"),
               Catch::StartsWith("default-src 'none'; style-src 'sha256-"));
    CHECK(page->get_header_value("X-Frame-Options") == "DENY");
    CHECK(page->get_header_value("Cache-Control") == "no-store");
    CHECK_THAT(page->body, Catch::Contains("<label for=\"admin-token\">"));
    CHECK(client.Get("/no-such-page")->status == 404);
    stop_process(serve.pid);
    CHECK(serve.wait() == 0);
    CHECK_THAT(read_file(checkout.dir.file("serve.err")),
               Catch::Contains("stopping on SIGTERM: copies in progress stay PENDING"));
}

TEST_CASE("validate checks selfService.oauth2Client", "[cli][selfservice]") {
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata: {name: google}\nspec:\n"
               "  provider: google\n  clientId: x.apps.example\n"
               "  clientSecret: \"${env:DESTINATION}\"\n---\n" +
                   migration(", oauth2Client: googel"));
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"DESTINATION", "destination-password"}};
    ProcessResult unknown = run_mailsync({"validate", "config"}, options);
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.err, Catch::Contains("config/m.yaml:18:61: error: MailboxMigration "
                                            "'alice': OAuth2Client 'googel' is not declared; did "
                                            "you mean 'google'?"));
    write_file(dir.file("config/m.yaml"),
               "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata: {name: google}\nspec:\n"
               "  provider: google\n  clientId: x.apps.example\n"
               "  clientSecret: \"${env:DESTINATION}\"\n---\n" +
                   migration(", oauth2Client: google"));
    ProcessResult known = run_mailsync({"validate", "config"}, options);
    INFO(known.out << known.err);
    CHECK(known.exit_code == 0);
}

TEST_CASE("validate refuses a tenantId or a sign-in URL that could redirect an owner's sign-in",
          "[cli][selfservice]") {
    TempDir dir;
    RunOptions options;
    options.cwd = dir.path();
    options.env = {{"SECRET", "client-secret"}};
    auto client = [](const std::string& extra) {
        return "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata: {name: m365}\nspec:\n"
               "  provider: microsoft\n  clientId: app\n  clientSecret: \"${env:SECRET}\"\n" +
               extra;
    };
    write_file(dir.file("config/c.yaml"),
               client("  tenantId: \"common/oauth2/v2.0/authorize?client_id=EVIL#\"\n"));
    ProcessResult tenant = run_mailsync({"validate", "config"}, options);
    CHECK(tenant.exit_code == 1);
    CHECK_THAT(tenant.err, Catch::Contains("must be a tenant's GUID, its domain "
                                           "(contoso.onmicrosoft.com), or common, organizations "
                                           "or consumers"));
    write_file(dir.file("config/c.yaml"),
               client("  tenantId: contoso.onmicrosoft.com\n  authorizationUrl: "
                      "\"https://login.example.org/authorize?client%5Fid=EVIL&x=1#frag\"\n"));
    ProcessResult url = run_mailsync({"validate", "config"}, options);
    CHECK(url.exit_code == 1);
    CHECK_THAT(url.err, Catch::Contains("OAuth2Client 'm365': authorizationUrl must not hold a "
                                        "fragment ('#')"));
    CHECK_THAT(url.err, Catch::Contains("OAuth2Client 'm365': authorizationUrl must not set "
                                        "'client_id' in its query: mailsync sets it"));
    write_file(dir.file("config/c.yaml"),
               client("  tenantId: 00000000-0000-0000-0000-000000000000\n"));
    ProcessResult good = run_mailsync({"validate", "config"}, options);
    INFO(good.out << good.err);
    CHECK(good.exit_code == 0);
}
