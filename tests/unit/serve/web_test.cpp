// serve's web parts as pure functions: sessions, CSRF tokens, attempt limits, the pages (escaped,
// labelled, no script), the CSV (no formula), and which settings may serve.
#include <catch2/catch.hpp>

#include <algorithm>

#include "serve/pages.hpp"
#include "serve/server.hpp"
#include "serve/sessions.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"
#include "trust/policy.hpp"
#include "trust/routes.hpp"
#include "util/net.hpp"

using namespace mailsync;

TEST_CASE("owner sessions live in the state under their hash, until they expire",
          "[serve][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    Result<StateStore> state = StateStore::open(backend.location(dir));
    REQUIRE(state);
    std::string id = new_session_id();
    CHECK(id.size() == 43);
    CHECK(id != new_session_id());
    REQUIRE(keep_owner_session(*state, id, {"alice", "hash-of-invite", 5'000}));

    Result<std::optional<OwnerSession>> found = find_owner_session(*state, id, 4'999);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->migration == "alice");
    CHECK((*found)->invite_hash == "hash-of-invite");
    Result<std::optional<std::string>> raw = state->meta("owner-session:" + id);
    REQUIRE(raw);
    CHECK(!*raw); // the id itself is not a key of the state

    Result<std::optional<OwnerSession>> expired = find_owner_session(*state, id, 5'000);
    REQUIRE(expired);
    CHECK(!*expired);
    Result<std::optional<OwnerSession>> unknown = find_owner_session(*state, new_session_id(), 1);
    REQUIRE(unknown);
    CHECK(!*unknown);
    REQUIRE(end_owner_session(*state, id));
    Result<std::optional<OwnerSession>> ended = find_owner_session(*state, id, 1);
    REQUIRE(ended);
    CHECK(!*ended);
}

TEST_CASE("administrator sessions, CSRF tokens and attempt limits", "[serve]") {
    AdminSessions admins(std::chrono::hours(1));
    std::string id = admins.open();
    CHECK(admins.valid(id));
    CHECK(!admins.valid(""));
    CHECK(!admins.valid(new_session_id()));
    admins.close(id);
    CHECK(!admins.valid(id));
    AdminSessions brief(std::chrono::seconds(0));
    CHECK(!brief.valid(brief.open()));

    std::string key(32, 'k');
    std::string csrf = csrf_token(key, "session-a");
    CHECK(csrf_matches(key, "session-a", csrf));
    CHECK(!csrf_matches(key, "session-b", csrf));
    CHECK(!csrf_matches(key, "", csrf_token(key, "")));
    CHECK(!csrf_matches(std::string(32, 'j'), "session-a", csrf));
    CHECK(!csrf_matches(key, "session-a", ""));

    AttemptLimit limit(3, std::chrono::minutes(15));
    CHECK(limit.attempt("alice"));
    CHECK(limit.attempt("alice"));
    CHECK(limit.attempt("alice"));
    CHECK(!limit.attempt("alice"));
    CHECK(limit.attempt("bob"));
    CHECK(limit.retry_after("alice") > 800);
    CHECK(limit.retry_after("nobody") == 0);
}

TEST_CASE("serve listens beyond loopback only over TLS, and wants a long admin token", "[serve]") {
    ServeSettings settings;
    settings.admin_token = std::string(64, 'a');
    CHECK(check_serve_settings(settings));
    settings.host = "0.0.0.0";
    Result<void> open = check_serve_settings(settings);
    REQUIRE(!open);
    CHECK_THAT(open.error().message,
               Catch::StartsWith("plain http on 0.0.0.0 would carry the owners' passwords in "
                                 "clear over the network"));
    settings.tls_cert = "cert.pem";
    CHECK(!check_serve_settings(settings)); // half a pair
    settings.tls_key = "key.pem";
    CHECK(check_serve_settings(settings));
    settings.admin_token = "short";
    CHECK(!check_serve_settings(settings));
    for (std::string host : {"127.0.0.1", "127.0.0.2", "::1", "localhost"})
        CHECK(is_loopback_host(host));
    for (std::string host :
         {"0.0.0.0", "10.0.0.1", "example.com", "128.0.0.1", "127.0.0.1.attacker.example"})
        CHECK(!is_loopback_host(host));
}

namespace {

MigrationView hostile_view() {
    MigrationView view;
    view.name = "m<1>";
    view.description = "<script>alert(1)</script>";
    view.owner = "=HYPERLINK(\"http://evil\")";
    view.source = "a\"b@old on imap.old";
    view.destination = "x@new on imap.new";
    view.status = "ERROR";
    view.message = "-2+3 \"quoted\"";
    view.messages_done = 5;
    view.messages_total = 10;
    return view;
}

} // namespace

TEST_CASE("pages escape what they show and run no script", "[serve]") {
    MigrationView view = hostile_view();
    OwnerPage owner{view, "csrf-token", "It said: <b>no</b>", "alice@old", "", true, ""};
    Page page = owner_page(owner);
    CHECK(page.status == 422);
    CHECK(page.html.find("<script>") == std::string::npos);
    CHECK(page.html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(page.html.find("It said: &lt;b&gt;no&lt;/b&gt;") != std::string::npos);
    CHECK(page.html.find("<label for=\"password\">") != std::string::npos);
    CHECK(page.html.find("id=\"error\" class=\"alert\" role=\"alert\"") != std::string::npos);
    CHECK(page.html.find("name=\"csrf\" value=\"csrf-token\"") != std::string::npos);
    CHECK(page.html.find("<html lang=\"en\">") != std::string::npos);
    CHECK(page.html.find("name=\"viewport\"") != std::string::npos);

    std::string policy = page_security_policy();
    CHECK_THAT(policy, Catch::StartsWith("default-src 'none'; style-src 'sha256-"));
    CHECK(policy.find("unsafe") == std::string::npos);
    CHECK(policy.find("script-src") == std::string::npos);
    CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);

    OwnerPage blocked = owner;
    blocked.error.clear();
    blocked.blocked = "This copy cannot start yet";
    Page waiting = owner_page(blocked);
    CHECK(waiting.html.find("This copy cannot start yet") != std::string::npos);
    CHECK(waiting.html.find("name=\"password\"") == std::string::npos);
    CHECK(waiting.html.find(view.message) == std::string::npos); // the administrator's words

    owner.ask = false;
    owner.error.clear();
    view.status = "PENDING";
    owner.view = view;
    Page status = owner_page(owner);
    CHECK(status.html.find("id=\"status\" data-status=\"PENDING\"") != std::string::npos);
    CHECK(status.html.find("<progress id=\"progress\" max=\"100\" value=\"50\">") !=
          std::string::npos);
    CHECK(status.html.find("http-equiv=\"refresh\"") != std::string::npos);
    CHECK(status.html.find("name=\"password\"") == std::string::npos);

    Page admin = admin_page({hostile_view()}, "ERROR", "admin-csrf");
    CHECK(admin.html.find("data-name=\"m&lt;1&gt;\"") != std::string::npos);
    CHECK(admin.html.find("<option value=\"ERROR\" selected>") != std::string::npos);
    Page filtered = admin_page({hostile_view()}, "COMPLETED", "admin-csrf");
    CHECK(filtered.html.find("data-name=") == std::string::npos);
    CHECK(filtered.html.find("0 of 1 migrations") != std::string::npos);
}

TEST_CASE("the CSV quotes every text and defuses formulas", "[serve]") {
    std::string csv = admin_csv({hostile_view()});
    CHECK_THAT(csv, Catch::StartsWith("name,status,percent,messages_done,messages_total,"
                                      "bytes_done,bytes_total,owner,source,destination,"
                                      "updated_at,message\r\n"));
    CHECK(csv.find("\"m<1>\",\"ERROR\",50,5,10,0,0,\"'=HYPERLINK(\"\"http://evil\"\")\","
                   "\"a\"\"b@old on imap.old\"") != std::string::npos);
    CHECK(csv.find("\"'-2+3 \"\"quoted\"\"\"\r\n") != std::string::npos);
}

TEST_CASE("percent done counts messages, and is 100 only once COMPLETED", "[serve]") {
    MigrationView view;
    view.status = "PENDING";
    CHECK(percent_done(view) == 0);
    view.messages_total = 3;
    view.messages_done = 3;
    CHECK(percent_done(view) == 99);
    view.status = "COMPLETED";
    CHECK(percent_done(view) == 100);
}

TEST_CASE("a self-service migration's owner has routes of their own, which apply binds",
          "[serve]") {
    Config config;
    OAuth2Client custom;
    custom.meta.name = "custom";
    custom.provider = Provider::custom;
    custom.token_url = "https://login.example.org/token";
    custom.authorization_url = "https://login.example.org/authorize";
    OAuth2Client google;
    google.meta.name = "google";
    google.provider = Provider::google;
    config.clients = {custom, google};
    config.index_clients();
    MailboxMigration m;
    m.meta.name = "alice";
    m.source.host = "imap.old.example";
    m.source.port = 993;
    Auth auth;
    auth.self_service = SelfServiceAuth{};
    auth.self_service->client = "custom"; // no client secret: its endpoints count all the same
    m.source.auth = auth;
    m.destination.host = "imap.new.example";
    m.destination.port = 993;
    auto route = [&](std::string_view field) {
        std::vector<SecretRoute> routes = self_service_routes(m, config);
        auto found = std::ranges::find_if(
            routes, [&](const SecretRoute& r) { return r.field.starts_with(field); });
        REQUIRE(found != routes.end());
        return *found;
    };
    std::vector<SecretRoute> routes = self_service_routes(m, config);
    REQUIRE(routes.size() == 4);
    for (const SecretRoute& r : routes)
        CHECK(r.secret == "self-service:alice");
    CHECK(route("the owner's credentials").endpoint.text() == "imap://imap.old.example:993");
    CHECK(route("the owner's mail").endpoint.text() == "imap://imap.new.example:993");
    CHECK(route("the owner's sign-in code").endpoint.text() == "https://login.example.org:443");
    CHECK(!route("the owner's sign-in code").well_known);
    CHECK(!route("the owner, to sign in").well_known);
    TrustPolicy policy;
    policy.allowlist = *HostAllowlist::parse("imap.old.example imap.new.example");
    CHECK(refused_routes(routes, policy).size() == 2);
    policy.allowlist = *HostAllowlist::parse("imap.old.example login.example.org");
    CHECK(refused_routes(routes, policy).size() == 1); // the owner's mail to imap.new.example

    m.source.auth->self_service->client = "google";
    routes = self_service_routes(m, config);
    REQUIRE(routes.size() == 4);
    CHECK(route("the owner's sign-in code").well_known);
    CHECK(route("the owner, to sign in").well_known);
    policy.allowlist = *HostAllowlist::parse("imap.old.example imap.new.example");
    CHECK(refused_routes(routes, policy).empty());
    m.source.tls.verify = false; // weakened TLS is another endpoint
    CHECK(route("the owner's credentials").endpoint.text() ==
          "imap+noverify://imap.old.example:993");
    CHECK(migration_routes(m, config).size() == 4);
}
