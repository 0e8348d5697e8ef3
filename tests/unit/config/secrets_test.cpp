#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        auto found = values.find(name);
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

std::string account(const std::string& password) {
    return "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: box\nspec:\n"
           "  protocol: imap\n  host: imap.example.com\n  username: u\n  auth:\n    password: " +
           password + "\n";
}

LoadedConfig load(const test::TempDir& dir, const std::string& text, EnvLookup env) {
    test::write_file(dir.file("a.yaml"), text);
    LoadOptions options;
    options.env = std::move(env);
    return load_config({dir.path()}, options);
}

} // namespace

TEST_CASE("an env: secret resolves from the environment", "[secrets]") {
    test::TempDir dir;
    LoadedConfig loaded =
        load(dir, account("${env:BOX_PASSWORD}"), fake_env({{"BOX_PASSWORD", "pw-1"}}));
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    const Secret& secret = *loaded.config.accounts.at(0).auth->password;
    CHECK(secret.source == Secret::Source::env);
    CHECK(secret.describe() == "${env:BOX_PASSWORD}");
    CHECK(secret.value->reveal() == "pw-1");
}

TEST_CASE("a missing variable names resource, field and variable, never a value", "[secrets]") {
    test::TempDir dir;
    LoadedConfig loaded = load(dir, account("${env:BOX_PASSWORD}"), fake_env({}));
    REQUIRE(loaded.diagnostics.error_count() == 1);
    const Diagnostic& d = loaded.diagnostics.items()[0];
    CHECK(d.message ==
          "MailAccount 'box' spec.auth.password: environment variable BOX_PASSWORD is not set");
    CHECK(d.where.line == 10);
    CHECK(d.where.column == 15);
}

TEST_CASE("an empty variable is an error too", "[secrets]") {
    test::TempDir dir;
    LoadedConfig loaded =
        load(dir, account("${env:BOX_PASSWORD}"), fake_env({{"BOX_PASSWORD", ""}}));
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message ==
          "MailAccount 'box' spec.auth.password: environment variable BOX_PASSWORD is empty");
}

TEST_CASE("a file: secret is read relative to the YAML file, one final newline dropped",
          "[secrets]") {
    test::TempDir dir;
    test::write_file(dir.file("secrets/box.txt"), "file-secret\n");
    LoadedConfig loaded = load(dir, account("${file:secrets/box.txt}"), fake_env({}));
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    CHECK(loaded.config.accounts.at(0).auth->password->value->reveal() == "file-secret");
}

TEST_CASE("a missing secret file is an error naming the path", "[secrets]") {
    test::TempDir dir;
    LoadedConfig loaded = load(dir, account("${file:nope.txt}"), fake_env({}));
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message ==
          "MailAccount 'box' spec.auth.password: secret file " + dir.file("nope.txt") +
              " cannot be read: No such file or directory");
}

TEST_CASE("malformed references are errors, literals are warnings", "[secrets]") {
    test::TempDir dir;
    CHECK(load(dir, account("${env:1BAD}"), fake_env({})).diagnostics.items().at(0).message ==
          "spec.auth.password: '1BAD' is not an environment variable name (letters, digits and _, "
          "not starting with a digit)");
    CHECK(load(dir, account("${env:X"), fake_env({})).diagnostics.items().at(0).message ==
          "spec.auth.password is not a secret reference; write ${env:NAME} or ${file:PATH} as the "
          "whole value");
    CHECK(load(dir, account("${envv:X}"), fake_env({})).diagnostics.items().at(0).message ==
          "spec.auth.password: unknown secret source 'envv'; mailsync reads ${env:NAME} and "
          "${file:PATH}; did you mean 'env'?");
    LoadedConfig literal = load(dir, account("plain-text-pw"), fake_env({}));
    CHECK_FALSE(literal.diagnostics.has_errors());
    REQUIRE(literal.diagnostics.warning_count() == 1);
    CHECK(literal.config.accounts.at(0).auth->password->value->reveal() == "plain-text-pw");
}

TEST_CASE("without secret resolution nothing is read", "[secrets]") {
    test::TempDir dir;
    test::write_file(dir.file("a.yaml"), account("${env:BOX_PASSWORD}"));
    LoadOptions options;
    options.resolve_secrets = false;
    options.env = fake_env({});
    LoadedConfig loaded = load_config({dir.path()}, options);
    CHECK_FALSE(loaded.diagnostics.has_errors());
    CHECK_FALSE(loaded.config.accounts.at(0).auth->password->value.has_value());
}
