#include <catch2/catch.hpp>

#include <filesystem>

#include "config/loader.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;

namespace {

LoadedConfig load(const std::vector<std::string>& paths) {
    LoadOptions options;
    options.resolve_secrets = false;
    return load_config(paths, options);
}

std::string client(const std::string& name, const std::string& provider = "google") {
    std::string extra = provider == "microsoft" ? "  tenantId: t.example.com\n" : "";
    return "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: " + name +
           "\nspec:\n  provider: " + provider + "\n  clientId: id\n  clientSecret: ${env:S}\n" +
           extra;
}

std::string account(const std::string& name, const std::string& spec_extra) {
    return "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: " + name +
           "\nspec:\n  protocol: imap\n  host: imap.example.com\n  username: u@example.com\n" +
           spec_extra;
}

std::vector<std::string> messages(const LoadedConfig& loaded) {
    std::vector<std::string> out;
    for (const Diagnostic& d : loaded.diagnostics.items())
        out.push_back(d.message);
    return out;
}

} // namespace

TEST_CASE("a folder's YAML files are read in sorted order, hidden folders skipped", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("b/two.yaml"), account("two", "  auth: {password: \"${env:P}\"}\n"));
    test::write_file(dir.file("a.yml"), account("one", "  auth: {password: \"${env:P}\"}\n"));
    test::write_file(dir.file(".git/ignored.yaml"), "not: [valid");
    test::write_file(dir.file("notes.txt"), "not yaml");
    LoadedConfig loaded = load({dir.path()});
    CHECK(messages(loaded).empty());
    REQUIRE(loaded.files.size() == 2);
    CHECK(loaded.files[0] == dir.file("a.yml"));
    CHECK(loaded.config.accounts.at(0).meta.name == "one");
    CHECK(loaded.config.accounts.at(1).meta.name == "two");
}

TEST_CASE("a file named twice is read once, a missing path is an error", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("a.yaml"), account("one", "  auth: {password: \"${env:P}\"}\n"));
    LoadedConfig loaded = load({dir.file("a.yaml"), dir.path(), dir.file("missing")});
    CHECK(loaded.files.size() == 1);
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message == "no such file or folder");
    CHECK(loaded.diagnostics.items()[0].where.file == dir.file("missing"));
}

TEST_CASE("defaults: port from protocol and encryption, timeout, folder, status", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("a.yaml"),
                     account("a", "  encryption: starttls\n  auth: {password: \"${env:P}\"}\n") +
                         "---\n" + account("b", "  auth: {password: \"${env:P}\"}\n") + "---\n" +
                         "apiVersion: mailsync/v1\nkind: SmtpConnection\nmetadata:\n  name: s\n"
                         "spec:\n  fromAddress: a@example.com\n  host: smtp.example.com\n");
    LoadedConfig loaded = load({dir.path()});
    REQUIRE(messages(loaded).empty());
    const MailAccount& a = loaded.config.accounts.at(0);
    CHECK(a.port == 143);
    CHECK_FALSE(a.port_given);
    CHECK(a.folder == "INBOX");
    CHECK(a.enabled);
    CHECK(a.timeout == std::chrono::seconds(30));
    CHECK(loaded.config.accounts.at(1).port == 993);
    CHECK(loaded.config.accounts.at(1).encryption == Encryption::ssl);
    const SmtpConnection& s = loaded.config.smtp_connections.at(0);
    CHECK(s.encryption == Encryption::starttls);
    CHECK(s.port == 587);
    CHECK_FALSE(s.auth.has_value());
}

TEST_CASE("every problem in every file is reported, not only the first", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("1.yaml"),
                     account("a", "  port: 0\n  auth: {password: \"${env:P}\"}\n"));
    test::write_file(dir.file("2.yaml"), "key: [broken\n");
    test::write_file(
        dir.file("3.yaml"),
        account("b", "  auth:\n    oauth2: {client: nope, refreshToken: \"${env:R}\"}\n"));
    LoadedConfig loaded = load({dir.path()});
    auto all = messages(loaded);
    REQUIRE(all.size() == 3);
    CHECK(all[0] == "spec.port must be from 1 to 65535, not 0");
    CHECK(all[1].starts_with("YAML syntax: "));
    CHECK(all[2] == "MailAccount 'b': OAuth2Client 'nope' is not declared");
}

TEST_CASE("the texts of the files are let go after loading and read again to quote a line, "
          "never once the file changed",
          "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("1.yaml"),
                     account("a", "  port: 0\n  auth: {password: \"literal-pw-1\"}\n"));
    LoadedConfig loaded = load({dir.path()});
    REQUIRE_FALSE(loaded.diagnostics.items().empty());
    CHECK(loaded.sources.text(dir.file("1.yaml")) == nullptr); // released
    CHECK(loaded.sources.sha256(dir.file("1.yaml")).size() == 64);
    const Diagnostic& port = loaded.diagnostics.items()[0];
    REQUIRE(port.message == "spec.port must be from 1 to 65535, not 0");
    std::string quoted = render_diagnostic(port, loaded.sources, false);
    CHECK(quoted.find("\n  port: 0\n") != std::string::npos);

    LoadedConfig again = load({dir.path()});
    // The file changes after it was read: its lines are not quoted, in case they hold a secret.
    test::write_file(dir.file("1.yaml"),
                     account("a", "  port: \"hunter2-now-here\"\n  auth: {password: x}\n"));
    std::string changed = render_diagnostic(again.diagnostics.items()[0], again.sources, false);
    CHECK(changed.find("hunter2") == std::string::npos);
    CHECK(changed.find("port: 0") == std::string::npos);
    CHECK(changed.starts_with(dir.file("1.yaml") + ":"));
}

TEST_CASE("names are unique within a kind, not across kinds", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("a.yaml"), client("same") + "---\n" +
                                             account("same", "  auth: {password: \"${env:P}\"}\n") +
                                             "---\n" + client("same"));
    LoadedConfig loaded = load({dir.path()});
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message ==
          "duplicate OAuth2Client name 'same' (first declared at " + dir.file("a.yaml") + ":4:9)");
}

TEST_CASE("grants must suit the provider and bring what they need", "[loader]") {
    test::TempDir dir;
    test::write_file(
        dir.file("a.yaml"),
        client("g") + "---\n" + client("m", "microsoft") + "---\n" +
            account("cc-google", "  auth:\n    oauth2: {client: g, grant: clientCredentials}\n") +
            "---\n" + account("pw", "  auth:\n    oauth2: {client: m, grant: password}\n") +
            "---\n" +
            account("rt", "  auth:\n    oauth2: {client: m, grant: clientCredentials, "
                          "refreshToken: \"${env:R}\"}\n"));
    LoadedConfig loaded = load({dir.path()});
    auto all = messages(loaded);
    REQUIRE(all.size() == 3);
    CHECK(all[0] == "MailAccount 'cc-google': provider google of OAuth2Client 'g' does not offer "
                    "the clientCredentials grant; Google issues refresh tokens only");
    CHECK(all[1] == "MailAccount 'pw': the password grant needs spec.auth.oauth2.password");
    CHECK(all[2] == "MailAccount 'rt': spec.auth.oauth2.refreshToken is not used by the "
                    "clientCredentials grant");
    CHECK(loaded.diagnostics.warning_count() == 1);
}

TEST_CASE("plaintext logins need allowPlaintextAuth, odd ports warn", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("a.yaml"),
                     account("plain", "  encryption: none\n  allowPlaintextAuth: true\n"
                                      "  auth: {password: \"${env:P}\"}\n") +
                         "---\n" +
                         account("odd", "  encryption: starttls\n  port: 993\n"
                                        "  auth: {password: \"${env:P}\"}\n"));
    LoadedConfig loaded = load({dir.path()});
    CHECK_FALSE(loaded.diagnostics.has_errors());
    REQUIRE(loaded.diagnostics.warning_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message ==
          "MailAccount 'odd': port 993 is the implicit-TLS port of imap; with encryption starttls "
          "the usual port is 143");
}

TEST_CASE("a 10 MB file is refused before it is parsed", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("big.yaml"), std::string(10 * 1024 * 1024, '#'));
    LoadedConfig loaded = load({dir.file("big.yaml")});
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message ==
          "file is 10.0 MiB; mailsync reads files of at most 4.0 MiB");
}

TEST_CASE("a UTF-8 byte order mark is accepted, other binary input is not", "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("bom.yaml"),
                     "\xEF\xBB\xBF" + account("a", "  auth: {password: \"${env:P}\"}\n"));
    test::write_file(dir.file("bin.yaml"), std::string("kind: x\n\x7F"
                                                       "ELF\x02\x01\x00",
                                                       15));

    LoadedConfig loaded = load({dir.path()});
    CHECK(loaded.config.accounts.size() == 1);
    CAPTURE(messages(loaded));
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message == "file is not UTF-8 text (byte 0x00)");
    CHECK(loaded.diagnostics.items()[0].where.line == 2);
}

TEST_CASE("a mapping profile turns a value it cannot map into an error at the reference",
          "[loader]") {
    test::TempDir dir;
    test::write_file(dir.file("a.yaml"),
                     client("g") + "---\n" +
                         "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: p\nspec:\n"
                         "  protocol: pop3\n  host: pop.gmail.com\n  username: u\n  auth:\n"
                         "    oauth2: {client: g, refreshToken: \"${env:R}\"}\n");
    SourceFiles sources;
    Diagnostics ignored;
    MappingProfile profile;
    profile.name = "p";
    KindMapping mapping;
    FieldMapping field;
    field.from = "service";
    field.label = "Service Provider";
    field.key = "serviceProvider";
    field.values = {{"imap/google", "Gmail"}};
    mapping.fields.push_back(field);
    profile.kinds = {{Kind::mail_account, mapping}, {Kind::oauth2_client, KindMapping{}}};
    LoadOptions options;
    options.resolve_secrets = false;
    options.mapping = &profile;
    LoadedConfig loaded = load_config({dir.path()}, options);
    REQUIRE(loaded.diagnostics.error_count() == 1);
    CHECK(loaded.diagnostics.items()[0].message ==
          "OAuth2 client 'g' (provider google) cannot serve protocol pop3: mapping 'p' has no "
          "Service Provider for 'pop3/google' (it has imap/google)");
    CHECK(loaded.diagnostics.items()[0].where.line == 19);
}
