#include <catch2/catch.hpp>

#include "config/value_hints.hpp"

using namespace mailsync;

TEST_CASE("a word for TLS that does not say which kind names both, with their meaning",
          "[value_hints]") {
    const std::string both = "; did you mean 'ssl' (TLS from the first byte, as on ports 993, "
                             "995 and 465) or 'starttls' (a plain connection upgraded to TLS, as "
                             "on ports 143, 110 and 587)?";
    for (const char* said : {"SSL", "tls", "TLS", "SSL/TLS", "tls-ssl"}) {
        INFO(said);
        CHECK(encryption_hint(said) == both);
    }
    CHECK(encryption_hint("StartTLS") == "; did you mean 'starttls' (a plain connection upgraded "
                                         "to TLS, as on ports 143, 110 and 587)?");
    CHECK(encryption_hint("start_tls") == encryption_hint("STARTTLS"));
    CHECK(encryption_hint("sslv3").empty());
    CHECK(encryption_hint("none").empty());
}

TEST_CASE("a bare timeout is seconds up to 600 and milliseconds from 1000", "[value_hints]") {
    CHECK(read_bare_timeout(30).duration == "30s");
    CHECK_FALSE(read_bare_timeout(30).milliseconds);
    CHECK(read_bare_timeout(600).duration == "600s");
    BareTimeout java = read_bare_timeout(30000);
    CHECK(java.duration == "30s");
    CHECK(java.milliseconds);
    CHECK(read_bare_timeout(1500).duration == "1500ms");
    CHECK(read_bare_timeout(600000).duration == "600s");
    for (std::uint64_t refused : {0, 601, 999, 600001}) {
        INFO(refused);
        BareTimeout reading = read_bare_timeout(refused);
        CHECK(reading.duration.empty());
        CHECK_FALSE(reading.problem.empty());
    }
    CHECK(read_bare_timeout(700).problem ==
          "is neither seconds (at most 600, 10 minutes) nor milliseconds (from 1000): write its "
          "unit, such as 700s or 700ms");
}

TEST_CASE("a duration without its unit, or with the unit spelled out, gets a suggestion",
          "[value_hints]") {
    CHECK(duration_hint("30") == "; did you mean 30s?");
    CHECK(duration_hint("30000") == "; did you mean 30000ms (30s)?");
    CHECK(duration_hint("1500") == "; did you mean 1500ms?");
    CHECK(duration_hint("700") == "; did you mean 700s or 700ms?");
    CHECK(duration_hint("30 seconds") == "; did you mean 30s?");
    CHECK(duration_hint("2 min") == "; did you mean 2m?");
    CHECK(duration_hint("500 msec") == "; did you mean 500ms?");
    CHECK(duration_hint("1 hour") == "; did you mean 1h?");
    CHECK(duration_hint("0").empty());
    CHECK(duration_hint("soon").empty());
    CHECK(duration_hint("30 fortnights").empty());
}
