#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/schema.hpp"
#include "config/source_file.hpp"
#include "support/process.hpp"

using namespace mailsync;

namespace {

std::vector<std::string> errors_of(const std::string& text, Kind kind) {
    Diagnostics diagnostics;
    auto documents = yaml::parse(text, "s.yaml", diagnostics);
    SchemaValidator validator;
    validator.validate(documents.at(0).root, kind, "s.yaml", diagnostics);
    diagnostics.sort({"s.yaml"});
    std::vector<std::string> out;
    for (const Diagnostic& d : diagnostics.items())
        out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + " " +
                      d.message);
    return out;
}

const std::string header = "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: a\n";

} // namespace

TEST_CASE("the embedded schema is the one in schemas/", "[schema]") {
    std::string on_disk = test::read_file(MAILSYNC_SOURCE_DIR "/schemas/mailsync.schema.json");
    CHECK(schema_text() == on_disk);
    auto parsed = nlohmann::json::parse(schema_text());
    CHECK(parsed["$schema"] == "http://json-schema.org/draft-07/schema#");
}

TEST_CASE("a valid account passes", "[schema]") {
    CHECK(errors_of(header + "spec:\n  protocol: imap\n  host: imap.example.com\n  username: u\n"
                             "  auth:\n    password: ${env:P}\n",
                    Kind::mail_account)
              .empty());
}

TEST_CASE("schema errors are reported at the YAML place in mailsync's words", "[schema]") {
    auto errors = errors_of(header + "spec:\n  protocol: imap\n  host: imap.example.com\n"
                                     "  port: 99999\n  username: u\n  auth: {}\n  folder: 7\n",
                            Kind::mail_account);
    REQUIRE(errors.size() == 3);
    CHECK(errors[0] == "8:9 spec.port must be from 1 to 65535, not 99999");
    CHECK(errors[1] == "10:3 spec.auth takes exactly one of 'password', 'oauth2' or 'admin'");
    CHECK(errors[2] == "11:11 spec.folder must be a string, not a number (7)");
}

TEST_CASE("encryption and timeout mistakes get a hint of what was meant", "[schema]") {
    auto spec = [](const std::string& fields) {
        return header +
               "spec:\n  protocol: imap\n  host: imap.example.com\n  username: u\n"
               "  auth:\n    password: ${env:P}\n" +
               fields;
    };
    const std::string both = "; did you mean 'ssl' (TLS from the first byte, as on ports 993, "
                             "995 and 465) or 'starttls' (a plain connection upgraded to TLS, as "
                             "on ports 143, 110 and 587)?";
    CHECK(errors_of(spec("  encryption: SSL\n"), Kind::mail_account) ==
          std::vector<std::string>{
              "11:15 spec.encryption must be 'none', 'ssl' or 'starttls', not 'SSL'" + both});
    CHECK(errors_of(spec("  encryption: tls\n"), Kind::mail_account) ==
          std::vector<std::string>{
              "11:15 spec.encryption must be 'none', 'ssl' or 'starttls', not 'tls'" + both});
    CHECK(errors_of(spec("  encryption: STARTTLS\n"), Kind::mail_account) ==
          std::vector<std::string>{"11:15 spec.encryption must be 'none', 'ssl' or 'starttls', "
                                   "not 'STARTTLS'; did you mean 'starttls' (a plain connection "
                                   "upgraded to TLS, as on ports 143, 110 and 587)?"});
    CHECK(errors_of(spec("  encryption: nne\n"), Kind::mail_account) ==
          std::vector<std::string>{"11:15 spec.encryption must be 'none', 'ssl' or 'starttls', "
                                   "not 'nne'; did you mean 'none'?"});
    CHECK(errors_of(spec("  timeout: 30\n"), Kind::mail_account) ==
          std::vector<std::string>{"11:12 spec.timeout must be a duration such as 30s, 2m or "
                                   "500ms, not a number (30); did you mean 30s?"});
    CHECK(errors_of(spec("  timeout: \"30\"\n"), Kind::mail_account) ==
          std::vector<std::string>{"11:12 spec.timeout must be a duration such as 30s, 2m or "
                                   "500ms, not '30'; did you mean 30s?"});
    CHECK(errors_of(spec("  timeout: 30000\n"), Kind::mail_account) ==
          std::vector<std::string>{"11:12 spec.timeout must be a duration such as 30s, 2m or "
                                   "500ms, not a number (30000); did you mean 30000ms (30s)?"});
    CHECK(errors_of(spec("  timeout: 2 minutes\n"), Kind::mail_account) ==
          std::vector<std::string>{"11:12 spec.timeout must be a duration such as 30s, 2m or "
                                   "500ms, not '2 minutes'; did you mean 2m?"});
}

TEST_CASE("unknown fields suggest the closest known one at every level", "[schema]") {
    auto errors = errors_of(header + "  labels: {team: x}\n  nmae: b\nspec:\n  protocol: imap\n"
                                     "  host: h.example.com\n  username: u\n  auth:\n"
                                     "    oauth2:\n      client: c\n      refreshTokn: x\n",
                            Kind::mail_account);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0] == "6:3 unknown field 'nmae' in metadata; did you mean 'name'?");
    CHECK(errors[1] ==
          "14:7 unknown field 'refreshTokn' in spec.auth.oauth2; did you mean 'refreshToken'?");
}

TEST_CASE("list items are named by index", "[schema]") {
    auto errors = errors_of("apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: c\n"
                            "spec:\n  provider: custom\n  clientId: x\n"
                            "  tokenUrl: https://t.example.com/token\n  scopes: [a, \"\"]\n",
                            Kind::oauth2_client);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == "9:15 spec.scopes[1] must not be empty");
}

TEST_CASE("the root schema dispatches on kind as an editor would", "[schema]") {
    SchemaValidator validator;
    Diagnostics diagnostics;
    auto documents =
        yaml::parse(header + "spec:\n  protocol: imap\n  hots: h\n", "r.yaml", diagnostics);
    CHECK_FALSE(validator.validate_root(documents.at(0).root, "r.yaml", diagnostics));
    std::vector<std::string> all;
    for (const Diagnostic& d : diagnostics.items())
        all.push_back(d.message);
    CAPTURE(all);
    CHECK(std::find(all.begin(), all.end(), "unknown field 'hots' in spec; did you mean 'host'?") !=
          all.end());
}

TEST_CASE("every sample validates against the root schema", "[schema]") {
    SchemaValidator validator;
    Diagnostics diagnostics;
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(MAILSYNC_SOURCE_DIR "/samples")) {
        // samples/ci holds pipelines, samples/bad broken configurations on purpose;
        // samples/environments writes `port: ${var:IMAP_PORT}`, a number only once resolved.
        if (entry.is_directory() && entry.path().filename() != "bad" &&
            entry.path().filename() != "ci" && entry.path().filename() != "environments")
            paths.push_back(entry.path().string());
    }
    std::size_t documents_seen = 0;
    for (const std::string& file : collect_yaml_files(paths, diagnostics)) {
        auto text = read_source_file(file, diagnostics);
        REQUIRE(text);
        for (const auto& document : yaml::parse(*text, file, diagnostics)) {
            ++documents_seen;
            validator.validate_root(document.root, file, diagnostics);
        }
    }
    for (const Diagnostic& d : diagnostics.items())
        INFO(d.where.file << ":" << d.where.line << ": " << d.message);
    CHECK(diagnostics.items().empty());
    CHECK(documents_seen >= 15);
}
