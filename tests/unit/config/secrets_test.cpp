#include <catch2/catch.hpp>

#include <filesystem>

#include <sys/stat.h>

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
          "MailAccount 'box' spec.auth.password: secret file nope.txt: no such file");
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

namespace {

// The single error of loading a password `${file:reference}` from a config root `root`.
std::string
file_error(const std::string& root, const std::string& reference,
           std::optional<std::vector<std::string>> allowed = std::vector<std::string>{}) {
    test::write_file(root + "/a.yaml", account("${file:" + reference + "}"));
    LoadOptions options;
    options.env = fake_env({});
    options.allowed_paths = std::move(allowed);
    LoadedConfig loaded = load_config({root}, options);
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK_FALSE(loaded.config.accounts.at(0).auth->password->value.has_value());
    return loaded.diagnostics.items()[0].message;
}

} // namespace

TEST_CASE("a file: secret never leaves the configuration root", "[secrets][confine]") {
    test::TempDir dir;
    test::write_file(dir.file("outside.txt"), "outside-secret");
    test::write_file(dir.file("config/inside.txt"), "inside-secret");
    std::string root = dir.file("config");
    std::string outside = "MailAccount 'box' spec.auth.password: secret file ";
    std::string rule = " leads outside the configuration root " + root +
                       "; mailsync reads files only below it (absolute paths: below the folders "
                       "in MAILSYNC_ALLOWED_PATHS)";

    SECTION("`..` out of the root, whether the file exists or not, reads the same") {
        CHECK(file_error(root, "../outside.txt") == outside + "../outside.txt" + rule);
        CHECK(file_error(root, "../missing.txt") == outside + "../missing.txt" + rule);
        CHECK(file_error(root, "sub/../../outside.txt") ==
              outside + "sub/../../outside.txt" + rule);
    }
    SECTION("a link inside the root that leads out") {
        std::filesystem::create_symlink("../outside.txt", root + "/link.txt");
        CHECK(file_error(root, "link.txt") == outside + "link.txt" + rule);
        std::filesystem::create_directory_symlink(dir.path(), root + "/up");
        CHECK(file_error(root, "up/outside.txt") == outside + "up/outside.txt" + rule);
        std::filesystem::create_symlink("/proc/self/environ", root + "/environ");
        CHECK(file_error(root, "environ") == outside + "environ" + rule);
    }
    SECTION("an absolute path needs an allowed folder, given outside the YAML") {
        std::string message = file_error(root, dir.file("outside.txt"));
        CHECK(message == outside + dir.file("outside.txt") +
                             " is an absolute path; mailsync reads those only below a folder "
                             "listed in MAILSYNC_ALLOWED_PATHS (set outside the repository)");
        CHECK(file_error(root, "/etc/hostname") ==
              outside + "/etc/hostname is an absolute path; mailsync reads those only below a "
                        "folder listed in MAILSYNC_ALLOWED_PATHS (set outside the repository)");
    }
    SECTION("kernel files, FIFOs and folders are not secret files") {
        CHECK(file_error(root, "/proc/self/environ", std::vector<std::string>{"/proc"}) ==
              outside + "/proc/self/environ: it is a kernel file (/proc or /sys), not a regular "
                        "file");
        REQUIRE(::mkfifo((root + "/fifo").c_str(), 0600) == 0);
        CHECK(file_error(root, "fifo") == outside + "fifo: it is not a regular file");
        std::filesystem::create_directory(root + "/folder");
        CHECK(file_error(root, "folder") == outside + "folder: it is a folder");
    }
    SECTION("the size limit holds") {
        test::write_file(root + "/big.txt", std::string(64 * 1024 + 1, 'x'));
        CHECK(file_error(root, "big.txt") == outside + "big.txt: it is larger than 64.0 KiB");
    }
}

TEST_CASE("a file: secret may be read inside the root, through inner links, and below an "
          "allowed folder",
          "[secrets][confine]") {
    test::TempDir dir;
    test::write_file(dir.file("config/secrets/box.txt"), "inside-secret\n");
    test::write_file(dir.file("vault/box.txt"), "vault-secret\n");
    std::filesystem::create_symlink("secrets/box.txt", dir.file("config/link.txt"));
    LoadOptions options;
    options.env = fake_env({});
    options.allowed_paths = std::vector<std::string>{dir.file("vault")};

    test::write_file(dir.file("config/a.yaml"), account("${file:link.txt}"));
    LoadedConfig linked = load_config({dir.file("config")}, options);
    REQUIRE_FALSE(linked.diagnostics.has_errors());
    CHECK(linked.config.accounts.at(0).auth->password->value->reveal() == "inside-secret");

    test::write_file(dir.file("config/a.yaml"),
                     account("${file:" + dir.file("vault/box.txt") + "}"));
    LoadedConfig vault = load_config({dir.file("config")}, options);
    REQUIRE_FALSE(vault.diagnostics.has_errors());
    CHECK(vault.config.accounts.at(0).auth->password->value->reveal() == "vault-secret");
}

TEST_CASE("mailsync's own settings are not secrets a configuration may name", "[secrets]") {
    test::TempDir dir;
    LoadedConfig loaded = load(dir, account("${env:MAILSYNC_TARGET_TOKEN}"),
                               fake_env({{"MAILSYNC_TARGET_TOKEN", "admin-token"}}));
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message.find("MAILSYNC_TARGET_TOKEN") != std::string::npos);
    const std::optional<Secret>& password = loaded.config.accounts.at(0).auth->password;
    CHECK_FALSE((password && password->value));
}
