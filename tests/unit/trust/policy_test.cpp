#include <catch2/catch.hpp>

#include "trust/policy.hpp"
#include "trust/routes.hpp"

using namespace mailsync;

namespace {

SecretRoute route(const std::string& host, int port, const std::string& secret = "env:BOX_PW") {
    SecretRoute out;
    out.kind = Kind::mail_account;
    out.name = "box";
    out.field = "spec.auth.password";
    out.secret = secret;
    out.reference = "${" + secret + "}";
    out.endpoint = {"imap", host, port};
    return out;
}

} // namespace

TEST_CASE("the allowlist takes hosts, host:port, *.domain, addresses and *", "[trust]") {
    auto list = HostAllowlist::parse("imap.example.com, *.corp.example:993 [::1]:1143\n127.0.0.1");
    REQUIRE(list);
    CHECK(list->allows({"imap", "imap.example.com", 993}));
    CHECK(list->allows({"imap", "IMAP.Example.com.", 143}));
    CHECK(list->allows({"imap", "mail.corp.example", 993}));
    CHECK_FALSE(list->allows({"imap", "mail.corp.example", 143}));
    CHECK_FALSE(list->allows({"imap", "corp.example", 993}));
    CHECK_FALSE(list->allows({"imap", "evilcorp.example", 993}));
    CHECK_FALSE(list->allows({"imap", "imap.example.com.evil.example", 993}));
    CHECK(list->allows({"imap", "[::1]", 1143}));
    CHECK_FALSE(list->allows({"imap", "[::1]", 993}));
    CHECK(list->allows({"imap", "127.0.0.1", 1}));
    CHECK(HostAllowlist::parse("*")->allows({"https", "anything.example", 443}));

    CHECK(HostAllowlist::parse("a.example:99999").error().message ==
          "MAILSYNC_ALLOWED_HOSTS: 'a.example:99999': the port must be a number from 1 to 65535");
    CHECK(HostAllowlist::parse("*.*.example").error().message ==
          "MAILSYNC_ALLOWED_HOSTS: '*.*.example' is not a host pattern (host, *.domain, "
          "host:port)");
    CHECK(HostAllowlist::parse("https://a.example/").error().message ==
          "MAILSYNC_ALLOWED_HOSTS: 'https://a.example/': give a host (host, host:port, "
          "*.domain), not a URL");
    TrustPolicy ported;
    ported.allowlist = *HostAllowlist::parse("pop.example.com:995");
    std::vector<Refusal> wrong_port = refused_routes({route("pop.example.com", 110)}, ported);
    REQUIRE(wrong_port.size() == 1);
    CHECK(wrong_port[0].reason ==
          "pop.example.com:110 is not in MAILSYNC_ALLOWED_HOSTS (the host is, with another port)");
    CHECK(HostAllowlist::parse(" , ")->empty());
}

TEST_CASE("with an allowlist only it decides; without, bindings and allow_new", "[trust]") {
    std::vector<SecretRoute> routes = {route("imap.example.com", 993),
                                       route("attacker.example", 993)};
    TrustPolicy listed;
    listed.allowlist = *HostAllowlist::parse("imap.example.com");
    listed.allow_new = true; // does not widen an allowlist
    std::vector<Refusal> refused = refused_routes(routes, listed);
    REQUIRE(refused.size() == 1);
    CHECK(describe_refusal(refused[0]) ==
          "MailAccount 'box': refusing to send spec.auth.password (${env:BOX_PW}) to "
          "imap://attacker.example:993: attacker.example is not in MAILSYNC_ALLOWED_HOSTS");
    CHECK(refused[0].hint.find("outside the repository") != std::string::npos);

    TrustPolicy bound;
    bound.bound = {{"env:BOX_PW", "imap://imap.example.com:993"}};
    refused = refused_routes(routes, bound);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].route.endpoint.host == "attacker.example");
    CHECK(refused[0].reason == "no apply has sent this secret there yet");
    // The same host on another port, or another secret to the bound host, is a new binding.
    CHECK(refused_routes({route("imap.example.com", 143)}, bound).size() == 1);
    CHECK(refused_routes({route("imap.example.com", 993, "env:OTHER")}, bound).size() == 1);

    bound.allow_new = true;
    CHECK(refused_routes(routes, bound).empty());
    CHECK(bindings_of(routes).size() == 2);
}

TEST_CASE("Google's and Microsoft's fixed token endpoints are always allowed", "[trust]") {
    SecretRoute google = route("oauth2.googleapis.com", 443);
    google.well_known = true;
    CHECK(refused_routes({google}, TrustPolicy{}).empty());
    CHECK(bindings_of({google}).empty());
}

TEST_CASE("Google's token endpoint reached without verification or through a CA of the YAML's "
          "own is not well known",
          "[trust]") {
    OAuth2Client google;
    google.meta.name = "g";
    google.provider = Provider::google;
    auto well_known = [](const OAuth2Client& client) {
        Endpoint endpoint;
        bool known = false;
        REQUIRE(token_endpoint(client, endpoint, known));
        return known;
    };
    CHECK(well_known(google));
    OAuth2Client unverified = google;
    unverified.tls.verify = false;
    CHECK_FALSE(well_known(unverified));
    OAuth2Client own_ca = google;
    own_ca.tls.ca_file_written = "certs/my-ca.pem";
    own_ca.tls.ca_file = "/repo/certs/my-ca.pem";
    CHECK_FALSE(well_known(own_ca));
}
