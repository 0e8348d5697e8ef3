// The values import must not turn into another configuration without a word: TLS on a STARTTLS
// port, a timeout in milliseconds, a status that means the opposite of its closest word.
#include <catch2/catch.hpp>

#include "config/mapping_file.hpp"
#include "import/importer.hpp"
#include "import/values.hpp"

using namespace mailsync;

namespace {

MappingProfile server_to_cloud() {
    SourceFiles sources;
    Diagnostics diagnostics;
    auto loaded = load_mapping("server-to-cloud", sources, diagnostics);
    REQUIRE(loaded);
    return *loaded;
}

// Every diagnostic as "line:column: severity: message".
std::vector<std::string> said(const ImportResult& result) {
    std::vector<std::string> out;
    for (const Diagnostic& d : result.diagnostics.items())
        out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
                      (d.severity == Severity::error ? "error: " : "warning: ") + d.message);
    return out;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("import values: a port is a number from 1 to 65535", "[import][values]") {
    CHECK(read_port("993", "Port").value == 993);
    CHECK(read_port("993", "Port").error.empty());
    for (const char* bad : {"99x3", "0", "70000", "", "1234567"}) {
        INFO(bad);
        CHECK(read_port(bad, "Port").value.is_null());
        CHECK(read_port(bad, "Port").error ==
              std::string("Port '") + bad + "' is not a port number (1 to 65535)");
    }
}

TEST_CASE("import values: implicit TLS named on a STARTTLS port is written starttls",
          "[import][values]") {
    ValueReading imap = read_encryption("ssl", "TLS", "Encryption", "imap", 143);
    CHECK(imap.value == "starttls");
    CHECK(imap.warning == "Encryption 'TLS' on port 143, where IMAP upgrades with STARTTLS, is "
                          "written as starttls (a plain connection upgraded to TLS, as on ports "
                          "143, 110 and 587); if the server speaks TLS from the first byte on "
                          "that port, write ssl");
    CHECK(read_encryption("ssl", "SSL", "Encryption", "pop3", 110).value == "starttls");
    CHECK(read_encryption("ssl", "TLS", "Encryption", "smtp", 587).value == "starttls");
    CHECK(read_encryption("ssl", "tls", "encryption", "smtp", 25).value == "starttls");

    // On its own port, or without one, implicit TLS is what it says.
    for (std::optional<int> port : {std::optional<int>(993), std::optional<int>()}) {
        ValueReading kept = read_encryption("ssl", "TLS", "Encryption", "imap", port);
        CHECK(kept.value == "ssl");
        CHECK(kept.warning.empty());
    }
    CHECK(read_encryption("ssl", "TLS", "Encryption", "smtp", 465).warning.empty());
    // "TLS" on a port of neither kind may mean either: kept, and said.
    ValueReading other = read_encryption("ssl", "TLS", "Encryption", "imap", 1143);
    CHECK(other.value == "ssl");
    CHECK(other.warning == "Encryption 'TLS' on port 1143 is written as ssl (TLS from the first "
                           "byte, as on ports 993, 995 and 465); if the server expects STARTTLS "
                           "on that port, write starttls");
    CHECK(read_encryption("ssl", "SSL", "Encryption", "imap", 1143).warning.empty());
    CHECK(read_encryption("starttls", "STARTTLS", "Encryption", "imap", 143).warning.empty());
    CHECK(read_encryption("none", "None", "Encryption", "imap", 143).value == "none");
}

TEST_CASE("import values: a timeout without a unit is seconds up to 600, milliseconds from 1000",
          "[import][values]") {
    ValueReading seconds = read_timeout("45", "Timeout");
    CHECK(seconds.value == 45);
    CHECK(seconds.warning.empty());

    ValueReading java = read_timeout("30000", "Timeout");
    CHECK(java.value == "30s");
    CHECK(java.warning == "Timeout '30000' is read as milliseconds: 30s (a number without a unit "
                          "is seconds up to 600, milliseconds from 1000)");
    CHECK(read_timeout("1500", "Timeout").value == "1500ms");

    CHECK(read_timeout("700", "Timeout").error ==
          "Timeout '700' is neither seconds (at most 600, 10 minutes) nor milliseconds (from "
          "1000): write its unit, such as 700s or 700ms");
    CHECK(read_timeout("0", "Timeout").error == "Timeout '0' is no time to wait");
    CHECK(read_timeout("900000", "Timeout").error ==
          "Timeout '900000' is more than 10 minutes even as milliseconds: write its unit if that "
          "is meant, such as 900000ms");

    CHECK(read_timeout("2m", "Timeout").value == "2m");
    CHECK(read_timeout("2h", "Timeout").error ==
          "Timeout '2h' is more than a mail server waits; a timeout is from 1ms to 10m");
    CHECK(read_timeout("30 seconds", "Timeout").error ==
          "Timeout '30 seconds' is not a time such as 30 (seconds), 30s or 2m; did you mean 30s?");
}

TEST_CASE("import: a Server export's TLS on 143, timeout in milliseconds and Inactive status",
          "[import][values]") {
    ImportResult result = import_text(R"({
  "incomingMailAccounts": [
    {"Name": "helpdesk", "Protocol": "IMAP", "Encryption": "TLS", "Host": "imap.example.com",
     "Port": 143, "Username": "h@example.com", "Timeout": "30000", "Status": "Inactive"}
  ]
})",
                                      "export.json", server_to_cloud());
    CHECK(said(result) ==
          std::vector<std::string>{
              "3:60: warning: MailAccount 'helpdesk' (/incomingMailAccounts/0): Encryption 'TLS' "
              "on port 143, where IMAP upgrades with STARTTLS, is written as starttls (a plain "
              "connection upgraded to TLS, as on ports 143, 110 and 587); if the server speaks "
              "TLS from the first byte on that port, write ssl",
              "4:59: warning: MailAccount 'helpdesk' (/incomingMailAccounts/0): Timeout '30000' "
              "is read as milliseconds: 30s (a number without a unit is seconds up to 600, "
              "milliseconds from 1000)"});
    REQUIRE(result.resources.size() == 1);
    const std::string& yaml = result.resources[0].yaml;
    INFO(yaml);
    CHECK(contains(yaml, "  encryption: starttls\n"));
    CHECK(contains(yaml, "  port: 143\n"));
    CHECK(contains(yaml, "  enabled: false\n"));
    CHECK(contains(yaml, "  timeout: 30s\n"));
}

TEST_CASE("import: status and debug take the obvious synonyms and never guess a word",
          "[import][values]") {
    const std::string header = "name,protocol,host,port,encryption,username,password,enabled\n";
    auto enabled = [&](const std::string& word) {
        ImportResult result =
            import_text(header + "a,imap,imap.example.com,993,ssl,a@x.com,pw," + word + "\n",
                        "accounts.csv", server_to_cloud());
        INFO(word);
        REQUIRE(result.resources.size() == 1);
        return contains(result.resources[0].yaml, "enabled: true") ||
               !contains(result.resources[0].yaml, "enabled: false");
    };
    for (const char* yes : {"Active", "Enabled", "Yes", "True", "on", "1", "activated"})
        CHECK(enabled(yes));
    for (const char* no : {"Not Active", "Inactive", "Disabled", "No", "False", "off", "0",
                           "Deactivated", "INACTIVE"})
        CHECK_FALSE(enabled(no));

    // "Inactiv" is one letter from "Inactive" and two from "Active": neither is guessed.
    ImportResult typo = import_text(header + "a,imap,imap.example.com,993,ssl,a@x.com,pw,Inactiv\n",
                                    "accounts.csv", server_to_cloud());
    CHECK(said(typo) ==
          std::vector<std::string>{
              "2:44: error: MailAccount 'a': unknown status 'Inactiv' in enabled: it is true "
              "(Active, yes, on, 1, enabled, activated) or false (Not Active, no, off, 0, "
              "disabled, inactive, deactivated)"});
    CHECK(typo.resources.empty());
}
