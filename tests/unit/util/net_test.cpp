#include <catch2/catch.hpp>

#include "util/curl.hpp"
#include "util/net.hpp"

using namespace mailsync;

TEST_CASE("loopback means an address of 127.0.0.0/8 or ::1, or the name localhost", "[net]") {
    for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost"})
        CHECK(is_loopback_host(host));
    for (const char* host :
         {"127.0.0.1.example", "127.x.example", "127.evil.example.com", "localhost.example.com",
          "10.0.0.1", "", "::2", "[::1", "0.0.0.0", "127.0.0.1:80", "2130706433"})
        CHECK_FALSE(is_loopback_host(host));
}

TEST_CASE("split_url finds scheme, credentials, host and port", "[net]") {
    auto parts = curl::split_url("https://user:pw@cloud.example.com:8443/api/v1?x=1#f");
    REQUIRE(parts);
    CHECK(parts->scheme == "https");
    CHECK(parts->user == "user");
    CHECK(parts->password == "pw");
    CHECK(parts->host == "cloud.example.com");
    CHECK(parts->port_number == 8443);
    CHECK(parts->path == "/api/v1");

    auto v6 = curl::split_url("http://[::1]:9000/token");
    REQUIRE(v6);
    CHECK(v6->scheme == "http");
    CHECK(is_loopback_host(v6->host));
    CHECK_FALSE(curl::split_url("not a url at all"));
    CHECK(v6->port_number == 9000);

    auto tricky = curl::split_url("http://127.0.0.1.evil.example/x");
    REQUIRE(tricky);
    CHECK_FALSE(is_loopback_host(tricky->host));
}
