#include <catch2/catch.hpp>

#include "config/document_count.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;

namespace {

std::string account(const std::string& name, const std::string& host) {
    return "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: " + name +
           "\nspec:\n  protocol: imap\n  host: " + host +
           "\n  username: u@example.com\n  auth:\n    password: ${env:P}\n";
}

} // namespace

TEST_CASE("each error counts against the document that holds its place, in its own file",
          "[document_count]") {
    test::TempDir dir;
    // a.yaml: a valid account, then one whose host the schema refuses.
    test::write_file(dir.file("a.yaml"),
                     account("one", "imap.example.com") + "---\n" + account("two", "bad host!"));
    // b.yaml: a document that names no kind, then a valid account whose name a.yaml took.
    test::write_file(dir.file("b.yaml"), "apiVersion: mailsync/v1\nmetadata: {name: x}\n---\n" +
                                             account("one", "imap.example.com"));
    // c.yaml: empty, an error about the file that belongs to no document.
    test::write_file(dir.file("c.yaml"), "");
    LoadOptions options;
    options.resolve_secrets = false;
    LoadedConfig loaded = load_config({dir.path()}, options);
    REQUIRE(loaded.files.size() == 3);
    REQUIRE(loaded.documents.size() == 4);
    CHECK(loaded.documents[1].file == 0);
    CHECK(loaded.documents[1].line == 12);
    CHECK(loaded.documents[2].file == 1);
    CHECK_FALSE(loaded.documents[2].kind);

    DocumentCount count = count_documents(loaded);
    CHECK(count.total == 4);
    CHECK(count.by_kind == std::map<Kind, std::size_t>{{Kind::mail_account, 3}});
    CHECK(count.unknown_kind == 1);
    CHECK(count.with_errors == 3); // a.yaml's second, both of b.yaml's; not a.yaml's first
}
