#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "config/mapping_file.hpp"
#include "import/importer.hpp"

using namespace mailsync;

namespace {

MappingProfile profile(const std::string& name = "server-to-cloud") {
    SourceFiles sources;
    Diagnostics diagnostics;
    auto loaded = load_mapping(name, sources, diagnostics);
    REQUIRE(loaded);
    return *loaded;
}

ImportResult import_csv(const std::string& text) {
    return import_text(text, "accounts.csv", profile());
}

ImportResult import_json(const std::string& text) {
    return import_text(text, "export.json", profile());
}

// Every diagnostic as the user sees it, source line and caret included.
std::string rendered(const ImportResult& result) {
    std::string out;
    for (const Diagnostic& diagnostic : result.diagnostics.items())
        out += render_diagnostic(diagnostic, result.sources, false);
    return out;
}

std::vector<std::string> errors(const ImportResult& result) {
    std::vector<std::string> out;
    for (const Diagnostic& diagnostic : result.diagnostics.items()) {
        if (diagnostic.severity == Severity::error)
            out.push_back(fmt::format("{}:{}: {}", diagnostic.where.line, diagnostic.where.column,
                                      diagnostic.message));
    }
    return out;
}

const WrittenResource& named(const ImportResult& result, const std::string& name) {
    for (const WrittenResource& resource : result.resources) {
        if (resource.name == name)
            return resource;
    }
    FAIL("nothing imported as " << name);
    return result.resources.front();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const std::string header = "name,protocol,host,port,encryption,username,password\n";

} // namespace

// The line under a quoted message and the column of its caret, from rendered output.
std::pair<std::string, std::size_t> quoted_at(const std::string& out, const std::string& marker) {
    std::size_t line_start = out.rfind('\n', out.find(marker));
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    std::size_t line_end = out.find('\n', line_start);
    std::size_t caret_end = out.find('\n', line_end + 1);
    std::string caret = out.substr(line_end + 1, caret_end - line_end - 1);
    return {out.substr(line_start, line_end - line_start), caret.find('^')};
}

TEST_CASE("import: a caret after a hidden password points at its own cell", "[import]") {
    ImportResult csv = import_csv("name,protocol,host,password,port,encryption,username\n"
                                  "Support,IMAP,imap.example.com,\"hunter,2\",99999,SSL,"
                                  "support@example.com\n");
    std::string out = rendered(csv);
    CHECK(out.find("hunter") == std::string::npos);
    auto [line, caret] = quoted_at(out, "(sensitive)");
    CHECK(line == "Support,IMAP,imap.example.com,(sensitive),99999,SSL,support@example.com");
    CHECK(caret == line.find("99999"));

    ImportResult json = import_json(
        R"({"incomingMailAccounts": [{"Name": "in", "Protocol": "IMAP", "Host": "imap.example.com",)"
        R"( "Password": "hun\"ter2", "Port": 99999, "Username": "in@example.com"}]})");
    out = rendered(json);
    CHECK(out.find("hun") == std::string::npos);
    std::tie(line, caret) = quoted_at(out, "(sensitive)");
    CHECK(line.find("\"Password\": (sensitive), \"Port\"") != std::string::npos);
    CHECK(caret == line.find("99999"));
}

TEST_CASE("import: a CSV row becomes a MailAccount with its password as a variable", "[import]") {
    ImportResult result =
        import_csv(header + "Support Inbox,IMAP,imap.example.com,993,SSL,Support@Example.com,"
                            "hunter-2-secret\n");
    CHECK(errors(result).empty());
    REQUIRE(result.resources.size() == 1);
    const WrittenResource& account = named(result, "Support Inbox");
    CHECK(account.kind == Kind::mail_account);
    CHECK(account.yaml == "apiVersion: mailsync/v1\n"
                          "kind: MailAccount\n"
                          "metadata:\n"
                          "  name: Support Inbox\n"
                          "spec:\n"
                          "  protocol: imap\n"
                          "  encryption: ssl\n"
                          "  host: imap.example.com\n"
                          "  port: 993\n"
                          "  username: Support@Example.com\n"
                          "  auth:\n"
                          "    password: ${env:MAIL_SUPPORT_INBOX_PASSWORD}\n");
    REQUIRE(account.secrets.size() == 1);
    CHECK(account.secrets[0].variable == "MAIL_SUPPORT_INBOX_PASSWORD");
    CHECK(account.secrets[0].about == "MailAccount Support Inbox: Password");
    CHECK(account.secrets[0].note == "in the input's password, not copied");
}

TEST_CASE("import: columns by the mapping's Server labels, Cloud labels and keys", "[import]") {
    ImportResult result = import_csv(
        "Name;Service Provider;Host;Port;Encryption;Username;OAuth2 Credentials;Status\n"
        "box;General IMAP4 service;imap.example.com;993;ssl;box@example.com;;Not Active\n");
    CHECK(errors(result).empty());
    REQUIRE(result.resources.size() == 1);
    CHECK(contains(result.resources[0].yaml, "enabled: false"));
    CHECK(contains(result.resources[0].yaml, "protocol: imap"));
}

TEST_CASE("import: the provider column fills in host, port and encryption", "[import]") {
    ImportResult result = import_csv("name,username,password,provider,protocol,kind,from_address\n"
                                     "g,g@example.com,x,gmail,,,\n"
                                     "o,o@example.com,x,Office365,pop3,,\n"
                                     "d,d@example.com,x,domino,,,\n"
                                     "s,s@example.com,x,gmail,,SmtpConnection,s@example.com\n"
                                     "e,e@example.com,x,exchange,imap,,\n");
    CHECK(contains(named(result, "g").yaml, "host: imap.gmail.com\n  port: 993"));
    CHECK(contains(named(result, "g").yaml, "encryption: ssl"));
    CHECK(contains(named(result, "o").yaml, "protocol: pop3\n  encryption: ssl\n  host: "
                                            "outlook.office365.com\n  port: 995"));
    CHECK(contains(named(result, "s").yaml, "host: smtp.gmail.com\n  port: 587"));
    CHECK(contains(named(result, "s").yaml, "encryption: starttls"));
    // domino and exchange have no public host: the row must name it
    REQUIRE(errors(result).size() == 2);
    CHECK(errors(result)[0] ==
          "4:1: MailAccount 'd': it has no host, and provider domino has no public one");
    CHECK(result.skipped == 2);
}

TEST_CASE("import: names made safe and unique; duplicates are errors", "[import]") {
    ImportResult result = import_csv(header + "Sales (POP),imap,h.example.com,993,ssl,a@x.com,p\n"
                                              "Sales/POP,imap,h.example.com,993,ssl,b@x.com,p\n"
                                              "Sales POP,imap,h.example.com,993,ssl,c@x.com,p\n"
                                              "Sales (POP),imap,h.example.com,993,ssl,d@x.com,p\n");
    std::vector<std::string> names;
    for (const WrittenResource& resource : result.resources)
        names.push_back(resource.name);
    CHECK(names == std::vector<std::string>{"Sales POP", "Sales-POP", "Sales POP-2"});
    REQUIRE(errors(result).size() == 1);
    CHECK(errors(result)[0] == "5:1: MailAccount 'Sales (POP)': the name is taken: MailAccount "
                               "'Sales (POP)' comes first, at accounts.csv:2");
    CHECK(contains(rendered(result), "warning: MailAccount 'Sales POP' is written as 'Sales "
                                     "POP-2': another one has that name already"));
}

TEST_CASE("import: a bad port, an unknown protocol or encryption skips the row only", "[import]") {
    ImportResult result = import_csv(header + "a,imap,h.example.com,99x3,ssl,a@x.com,p\n"
                                              "b,imap4x,h.example.com,993,ssl,b@x.com,p\n"
                                              "c,imap,h.example.com,70000,ssl,c@x.com,p\n"
                                              "d,imap,h.example.com,993,sslv3,d@x.com,p\n"
                                              "e,pop3,h.example.com,995,ssl,e@x.com,p\n"
                                              "f,imap,bad host!,993,ssl,f@x.com,p\n");
    CHECK(errors(result) ==
          std::vector<std::string>{
              "2:22: MailAccount 'a': port '99x3' is not a port number (1 to 65535)",
              "3:3: MailAccount 'b': unknown protocol 'imap4x' in protocol; use imap or pop3; "
              "did you mean 'imap4'?",
              "4:22: MailAccount 'c': port '70000' is not a port number (1 to 65535)",
              "5:26: MailAccount 'd': unknown encryption 'sslv3' in encryption; use none, ssl or "
              "starttls; did you mean 'ssl'?",
              "7:8: MailAccount 'f': spec.host must be a host name such as imap.example.com, or "
              "an IP address, not 'bad host!'"});
    REQUIRE(result.resources.size() == 1);
    CHECK(result.resources[0].name == "e");
    CHECK(result.read == 6);
    CHECK(result.skipped == 5);
}

TEST_CASE("import: a row separated otherwise than the header says so", "[import]") {
    ImportResult result = import_csv(header + "a;imap;h.example.com;993;ssl;a@x.com;pw-secret-1\n"
                                              "b,imap,h.example.com,993,ssl,b@x.com,pw-secret-2\n");
    REQUIRE(errors(result).size() == 1);
    CHECK(errors(result)[0] == "2:1: this row has 1 field, the header has 7 (the header is "
                               "separated by ',', this row by ';')");
    CHECK(result.resources.size() == 1);
    // the row is not quoted: which of its fields is the password is not known
    CHECK_FALSE(contains(rendered(result), "pw-secret-1"));
}

TEST_CASE("import: a header without the columns needed imports nothing", "[import]") {
    ImportResult missing = import_csv("name,protocol,port,username\na,imap,993,a@x.com\n");
    CHECK(missing.unreadable);
    CHECK(errors(missing) ==
          std::vector<std::string>{"1:1: the header row has no column host (or provider); it has "
                                   "name, protocol, port, username (separated by ',')"});
    ImportResult piped = import_csv("name|protocol|host|port|username|password\na|b|c|d|e|f\n");
    CHECK(piped.unreadable);
    CHECK(contains(errors(piped)[0], "unknown column 'name|protocol|host|port|username|password'"));
    ImportResult typo = import_csv("name,protocol,hots,username\n");
    CHECK(errors(typo) ==
          std::vector<std::string>{"1:15: unknown column 'hots'; did you mean 'host'?"});
    ImportResult twice = import_csv("name,host,Host,protocol,username\n");
    CHECK(errors(twice) ==
          std::vector<std::string>{"1:11: column 'Host' says the same as column 'host'"});
    ImportResult empty = import_csv("");
    CHECK(empty.unreadable);
}

TEST_CASE("import: OAuth2 connections name their client; clients come first", "[import]") {
    ImportResult result = import_csv(
        "kind;name;protocol;host;username;oauth2_client;client_id;client_secret;provider\n"
        "MailAccount;box;imap;imap.gmail.com;box@x.com;Google WS;;;\n"
        "MailAccount;other;imap;imap.gmail.com;o@x.com;Gogle WS;;;\n"
        "MailAccount;third;imap;imap.gmail.com;t@x.com;Broken;;;\n"
        "OAuth2Client;Google WS;;;;;id-1;sec-ret-1;google\n"
        "OAuth2Client;Broken;;;;;id-2;;nobody\n");
    CHECK(errors(result) ==
          std::vector<std::string>{
              "3:47: MailAccount 'other': oauth2_client names OAuth2 client 'Gogle WS', which is "
              "not in the input; did you mean 'Google WS'?",
              "4:47: MailAccount 'third': its OAuth2 client 'Broken' is not imported (see "
              "accounts.csv:6)",
              "6:31: OAuth2Client 'Broken': unknown provider 'nobody' in provider; use google, "
              "microsoft or custom"});
    REQUIRE(result.resources.size() == 2);
    CHECK(result.resources[0].kind == Kind::oauth2_client);
    CHECK(
        contains(result.resources[0].yaml, "clientSecret: ${env:OAUTH2_GOOGLE_WS_CLIENT_SECRET}"));
    CHECK(contains(result.resources[1].yaml, "client: Google WS\n      refreshToken: "
                                             "${env:MAIL_BOX_REFRESH_TOKEN}"));
    CHECK(result.resources[1].secrets[0].note == "not in the input");
}

TEST_CASE("import: encryption none is kept, with allowPlaintextAuth and a warning", "[import]") {
    ImportResult result = import_csv(header + "plain,pop3,pop.example.com,110,None,p@x.com,pw\n");
    REQUIRE(result.resources.size() == 1);
    CHECK(contains(result.resources[0].yaml, "allowPlaintextAuth: true"));
    CHECK(contains(rendered(result), "warning: MailAccount 'plain': encryption none sends the "
                                     "credentials in clear"));
}

TEST_CASE("import: a Server export through the mapping's Server labels", "[import]") {
    ImportResult result = import_json(R"({
  "oauth2Credentials": [
    {"Name": "gw", "Provider": "Google", "Client ID": "id", "Client Secret": "gw-secret-77"}
  ],
  "incomingMailAccounts": [
    {"Name": "in", "Protocol": "IMAP", "Encryption": "SSL", "Host": "imap.example.com",
     "Username": "in@example.com", "Password": "in-secret-88", "Port": 993, "Timeout": 45,
     "Status": "Active", "Created": "2020-01-01"},
    {"Name": "oauth", "Protocol": "IMAP", "Encryption": "SSL", "Host": "imap.gmail.com",
     "Username": "o@example.com", "OAuth Credentials": "gw", "Created": "2020-01-02"},
    {"Name": "lost", "Protocol": "IMAP", "Host": "imap.gmail.com", "Username": "l@example.com",
     "OAuth Credentials": "gw2"}
  ],
  "outgoingMailConnections": [
    {"Name": "out", "From Address": "out@example.com", "Connect Mode": "OAuth2",
     "Encryption": "STARTTLS", "Host": "smtp.gmail.com", "Port": 587,
     "Username": "out@example.com", "OAuth2 Credentials": "gw", "Debug": true},
    {"Name": "broken", "From Address": "b@example.com", "Connect Mode": "OAuth2",
     "Encryption": "STARTTLS", "Host": "smtp.gmail.com", "Port": "587"}
  ]
})");
    CHECK(errors(result) ==
          std::vector<std::string>{
              "12:27: MailAccount 'lost' (/incomingMailAccounts/2): OAuth Credentials names "
              "OAuth2 client 'gw2', which is not in the input; did you mean 'gw'?",
              "18:73: SmtpConnection 'broken' (/outgoingMailConnections/1): Connect Mode "
              "'OAuth2' needs OAuth2 credentials, and it names none"});
    REQUIRE(result.resources.size() == 4);
    CHECK(contains(named(result, "in").yaml, "enabled: true\n  timeout: 45s"));
    CHECK(contains(named(result, "out").yaml, "debug: true"));
    CHECK(contains(named(result, "out").yaml, "client: gw"));
    // an unknown field is said once, not once per object
    std::string text = rendered(result);
    INFO(text);
    CHECK(contains(text, "export.json:8:37: warning: /incomingMailAccounts/0/Created: 'Created' "
                         "is not a field mapping server-to-cloud knows for MailAccount"));
    CHECK(text.find("'Created' is not a field") == text.rfind("'Created' is not a field"));
}

TEST_CASE("import: a broken Server export says where", "[import]") {
    ImportResult syntax =
        import_json("{\n  \"incomingMailAccounts\": [\n    {\"Name\": \"a\",, }\n");
    CHECK(syntax.unreadable);
    REQUIRE(errors(syntax).size() == 1);
    CHECK(errors(syntax)[0].starts_with("3:18: not valid JSON: syntax error while parsing object "
                                        "key"));
    ImportResult list = import_json("[1, 2]");
    CHECK(list.unreadable);
    CHECK(contains(errors(list)[0], "a Server export is a JSON object with the sections "
                                    "oauth2Credentials, incomingMailAccounts, "
                                    "outgoingMailConnections, not array"));
    ImportResult wrong = import_json(R"({"incomingMailAccounts": [42, {"Name": {"a": 1}}]})");
    CHECK(errors(wrong) ==
          std::vector<std::string>{
              "1:27: /incomingMailAccounts/0: a MailAccount must be an object, not number",
              "1:40: /incomingMailAccounts/1/Name: 'Name' must be a string, a number or true or "
              "false, not object"});
    CHECK(wrong.skipped == 2);
    ImportResult none = import_json(R"({"accounts": []})");
    CHECK(none.unreadable);
}

TEST_CASE("import: no secret of the input is in any YAML, variable or message", "[import]") {
    std::vector<std::string> secrets{"csv-secret-a1", "csv-secret-b2", "csv-secret-c3",
                                     "json-secret-d4", "json-secret-e5"};
    ImportResult csv =
        import_csv("name,protocol,host,port,encryption,username,password\n"
                   "a,imap,h.example.com,99x3,ssl,a@x.com,csv-secret-a1\n" // an error on the row
                   "b;imap;h.example.com;993;ssl;b@x.com;csv-secret-b2\n"  // misaligned
                   "c,imap,h.example.com,993,none,c@x.com,\"csv-secret-c3\nx\"\n"); // a warning
    ImportResult json = import_json(
        R"({"incomingMailAccounts": [{"Name": "d", "Protocol": "IMAP", "Host": "bad host!", )"
        R"("Username": "d@x.com", "Password": "json-secret-d4"}]})");
    ImportResult broken =
        import_json("{\"incomingMailAccounts\": [\n{\"Password\": \"json-secret-e5\",,}]}");
    for (const ImportResult* result : {&csv, &json, &broken}) {
        std::string everything = rendered(*result);
        for (const WrittenResource& resource : result->resources) {
            everything += resource.yaml;
            for (const SecretVariable& secret : resource.secrets)
                everything += secret.variable + secret.about + secret.note;
        }
        CHECK(result->diagnostics.items().size() > 0);
        for (const std::string& secret : secrets)
            CHECK_FALSE(contains(everything, secret));
    }
}

TEST_CASE("import: another profile's labels read an account list", "[import]") {
    ImportResult result = import_text("Name,Mailbox Type,Host,Port,Account,Password,SSL Enabled\n"
                                      "box,IMAP,imap.example.com,993,box@x.com,pw,Yes\n",
                                      "form.csv", profile("mailbox-form"));
    CHECK(errors(result).empty());
    REQUIRE(result.resources.size() == 1);
    CHECK(contains(result.resources[0].yaml, "username: box@x.com"));
}

TEST_CASE("server defaults follow seed 004's server types", "[import]") {
    ServerDefaults gmail = server_defaults("gmail", "imap");
    CHECK(gmail.host == "imap.gmail.com");
    CHECK(gmail.port == 993);
    CHECK(gmail.encryption == "ssl");
    CHECK(server_defaults("office", "smtp").host == "smtp.office365.com");
    CHECK(server_defaults("default", "pop3").port == 995);
    CHECK(server_defaults("exchange", "imap").host.empty());
}

// Fuzzing found it (fuzz/regressions/import-csv): a byte that is not UTF-8 in a CSV cell reached
// the JSON of the written resource, whose dump threw. import_text now refuses such text as
// import_file does, at the byte.
TEST_CASE("text that is not UTF-8 is refused where the byte is, not written", "[import]") {
    ImportResult csv = import_csv("name;protocol;host\nsales;imap;imap.ex\xBB"
                                  "ample.com\n");
    CHECK(csv.unreadable);
    CHECK(csv.resources.empty());
    CHECK(errors(csv) == std::vector<std::string>{"2:19: file is not UTF-8 text (byte 0xBB)"});
    ImportResult migration = import_text(
        "login_source;pass_source;host_source;type_messagerie;login_destination;subscribed_only\n"
        "anne@old.example;pw1\xBB;imap.old.example;default;anne@new.example;False\n",
        "migrations.csv", profile(), ImportFormat::automatic,
        MigrationTarget{"imap.new", 993, "", ""});
    CHECK(migration.unreadable);
    CHECK(migration.resources.empty());
    ImportResult json = import_json("{\"incoming\": [{\"name\": \"s\xC3\"}]}");
    CHECK(json.unreadable);
    CHECK(errors(json).size() == 1);
}

// Fuzzing found it (fuzz/regressions/import-json): a number beyond double's range made the JSON
// parser throw an exception the importer did not catch, and mailsync ended with "internal error".
TEST_CASE("a JSON number too large is an error at its place", "[import]") {
    ImportResult result = import_json("{\"incoming\": [{\"name\": \"a\", \"port\": 1E400}]}");
    CHECK(result.unreadable);
    CHECK(errors(result) ==
          std::vector<std::string>{"1:37: not valid JSON: the number 1E400 is too large"});
}

TEST_CASE("import: a row refused for its kind, or a CSV with lone CRs, never shows a password",
          "[import]") {
    ImportResult kind = import_csv("kind,name,host,username,password\n"
                                   "MailAcount,a,imap.example.com,u@example.com,Hunter2-kind\n");
    REQUIRE_FALSE(errors(kind).empty());
    CHECK(contains(errors(kind)[0], "unknown kind 'MailAcount'"));
    CHECK(rendered(kind).find("Hunter2") == std::string::npos);

    ImportResult cr = import_csv("name,protocol,host,port,encryption,username,password\r"
                                 "acc1,IMAPX,imap.example.com,993,SSL,u@example.com,\"p1\rX\"\r"
                                 "acc2,IMAP,imap.example.com,993,SSL,v@example.com,SECRET-cr-2\r");
    REQUIRE_FALSE(errors(cr).empty());
    std::string out = rendered(cr);
    CHECK(out.find("SECRET-cr-2") == std::string::npos);
    CHECK(out.find("p1") == std::string::npos);
    CHECK(out.find("IMAPX") != std::string::npos); // the bad cell's line is still quoted
}
