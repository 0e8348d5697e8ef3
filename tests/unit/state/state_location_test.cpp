#include <catch2/catch.hpp>

#include "state/state_location.hpp"

using namespace mailsync;

TEST_CASE("a state location is a path, sqlite:PATH, or a PostgreSQL URL", "[state]") {
    auto file = parse_state_location(".mailsync/state.db");
    REQUIRE(file);
    CHECK(file->kind == StateBackendKind::sqlite);
    CHECK(file->address == ".mailsync/state.db");
    auto prefixed = parse_state_location("sqlite:/var/lib/mailsync/state.db");
    REQUIRE(prefixed);
    CHECK(prefixed->kind == StateBackendKind::sqlite);
    CHECK(prefixed->address == "/var/lib/mailsync/state.db");

    auto url =
        parse_state_location("postgresql://ci:s3cret@db.example.com:5432/mail?sslmode=verify-full&"
                             "mailsync_namespace=staging&connect_timeout=5");
    REQUIRE(url);
    CHECK(url->kind == StateBackendKind::postgres);
    CHECK(url->name_space == "staging");
    // What libpq gets is the URL without mailsync's own parameter, nothing else changed.
    CHECK(url->address ==
          "postgresql://ci:s3cret@db.example.com:5432/mail?sslmode=verify-full&connect_timeout=5");
    CHECK(url->display == "postgresql://ci:***@db.example.com:5432/mail?sslmode=verify-full&"
                          "mailsync_namespace=staging&connect_timeout=5");
    auto plain = parse_state_location("postgres:///mail");
    REQUIRE(plain);
    CHECK(plain->name_space == "default");
    CHECK(plain->address == "postgres:///mail");
}

TEST_CASE("a state URL never shows its password", "[state]") {
    CHECK(redact_state_url("postgres://u:pw@h/db") == "postgres://u:***@h/db");
    CHECK(redact_state_url("postgres://u@h/db?password=pw&sslmode=require") ==
          "postgres://u@h/db?password=***&sslmode=require");
    CHECK(redact_state_url("postgres://u:p%40ss@h:1/db") == "postgres://u:***@h:1/db");
    CHECK(redact_state_url("postgres://h/db") == "postgres://h/db");
}

TEST_CASE("an unknown scheme or a bad namespace is refused", "[state]") {
    auto mysql = parse_state_location("mysql://root:pw@localhost/state");
    REQUIRE_FALSE(mysql);
    CHECK(mysql.error().message ==
          "the state mysql://root:***@localhost/state: unknown scheme 'mysql:'; give a file "
          "path, sqlite:PATH, or postgres://USER@HOST/DATABASE");
    auto upper = parse_state_location("postgres://h/db?mailsync_namespace=Prod-1");
    REQUIRE_FALSE(upper);
    CHECK(upper.error().message ==
          "the state postgres://h/db?mailsync_namespace=Prod-1: the namespace 'Prod-1' must be 1 "
          "to 40 lower-case letters, digits or '_'");
}
