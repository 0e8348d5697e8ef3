#include <catch2/catch.hpp>

#include "config/scalar.hpp"
#include "config/writer.hpp"

using namespace mailsync;

namespace {

// The tree the writer builds is the tree parsing its text gives: the same places, keys and
// values, and each scalar of the same type.
void same_tree(const yaml::Node& built, const yaml::Node& parsed) {
    INFO("at " << parsed.key << " line " << parsed.mark.line);
    CHECK(built.kind == parsed.kind);
    CHECK(built.key == parsed.key);
    CHECK(built.mark.line == parsed.mark.line);
    CHECK(built.mark.column == parsed.mark.column);
    CHECK(built.key_mark.line == parsed.key_mark.line);
    CHECK(built.key_mark.column == parsed.key_mark.column);
    if (built.is_scalar()) {
        CHECK(built.value == parsed.value);
        CHECK(yaml::scalar_type(built) == yaml::scalar_type(parsed));
    }
    REQUIRE(built.children.size() == parsed.children.size());
    for (std::size_t i = 0; i < built.children.size(); ++i)
        same_tree(built.children[i], parsed.children[i]);
}

} // namespace

TEST_CASE("the writer quotes every string YAML would read as something else", "[writer]") {
    std::vector<std::string> awkward{
        "yes",   "No",         "true",   "123",        "1.5",
        "-1",    "0x1F",       "1e3",    ".inf",       "~",
        "null",  "2020-01-01", "12:30",  "-x",         "a: b",
        "a #b",  " lead",      "trail ", "",           "x\ny",
        "[x]",   "{x}",        "'q'",    "\"dq\"",     "back\\slash",
        "@at",   "`tick",      "%pc",    "*star",      "&amp",
        "!bang", "|pipe",      ">gt",    "#hash",      "tab\there",
        "Zoë",   "${env:X}",   "a:b",    "plain text", "1234-abc.apps.example.com"};
    for (const std::string& text : awkward) {
        INFO("'" << text << "'");
        ResourceDraft draft{Kind::mail_account, "box", {}, {}};
        draft.values["description"] = text;
        draft.values["protocol"] = "imap";
        draft.values["port"] = 993;
        draft.values["enabled"] = false;
        draft.secrets["password"] = "${env:MAIL_BOX_PASSWORD}";
        yaml::Node tree;
        std::vector<std::string> lines;
        std::string written = resource_yaml(draft, &lines, &tree);
        Diagnostics diagnostics;
        std::vector<yaml::Document> documents = yaml::parse(written, "w.yaml", diagnostics);
        REQUIRE_FALSE(diagnostics.has_errors());
        REQUIRE(documents.size() == 1);
        const yaml::Node* description = documents[0].root.find("spec")->find("description");
        REQUIRE(description != nullptr);
        CHECK(description->value == text);
        CHECK(yaml::scalar_type(*description) == yaml::ScalarType::string);
        same_tree(tree, documents[0].root);
        CHECK(lines[static_cast<std::size_t>(description->mark.line) - 1] == "description");
    }
}

TEST_CASE("the writer's tree: scopes as a list, an empty spec as a map", "[writer]") {
    ResourceDraft client{Kind::oauth2_client, "c", {}, {}};
    client.values["provider"] = "google";
    client.values["scopes"] = "https://mail.google.com/ openid";
    yaml::Node tree;
    std::string written = resource_yaml(client, nullptr, &tree);
    CHECK(written == "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: c\nspec:\n"
                     "  provider: google\n  scopes:\n    - https://mail.google.com/\n"
                     "    - openid\n");
    Diagnostics diagnostics;
    same_tree(tree, yaml::parse(written, "w.yaml", diagnostics).at(0).root);

    ResourceDraft bare{Kind::smtp_connection, "s", {}, {}};
    written = resource_yaml(bare, nullptr, &tree);
    CHECK(written.ends_with("spec: {}\n"));
    same_tree(tree, yaml::parse(written, "w.yaml", diagnostics).at(0).root);
}
