// Which folders a migration copies and what they are called: Gmail's views left out by default,
// and a level that holds the destination's delimiter.
#include <catch2/catch.hpp>

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migrate/mailboxes.hpp"
#include "support/json_schema.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

std::set<std::string> folders_of(const std::vector<Stored>& messages) {
    std::set<std::string> out;
    for (const Stored& message : messages)
        out.insert(message.folder);
    return out;
}

} // namespace

TEST_CASE("a gmail source leaves out All Mail, Important and Starred unless folders.include "
          "names them, and copies Spam and Trash") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    std::vector<Fill> messages;
    int i = 0;
    for (const char* folder : {"INBOX", "[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Starred",
                               "[Gmail]/Spam", "[Gmail]/Trash", "[Gmail]/Sent Mail"})
        messages.push_back({folder, "", "", text_message(fmt::format("gm{}@x", ++i), folder, "g")});
    fill(source, user(27), password(27), messages);
    TempDir dir;
    Side gmail = password_side(source, 27);
    gmail.type = "gmail";
    write_file(dir.file("config/m.yaml"),
               migration_yaml("all-but-views", gmail, password_side(destination, 27)) +
                   migration_yaml("starred-too", gmail, password_side(destination, 28),
                                  "  folders:\n    include: [\"INBOX\", \"[Gmail]/Starred\"]\n"));
    RunOptions options = migrate_options(dir);

    ProcessResult plan = run_mailsync({"plan", "--scan-migrations", "config"}, options);
    INFO(plan.out << plan.err);
    REQUIRE(plan.exit_code == 0);
    CHECK_THAT(plan.out, Catch::Contains("      left out, Gmail's views of the other folders "
                                         "(folders.include names them to copy them): "
                                         "[Gmail]/All Mail, [Gmail]/Important, "
                                         "[Gmail]/Starred\n"));
    ProcessResult json =
        run_mailsync({"plan", "--scan-migrations", "--format", "json", "config"}, options);
    nlohmann::json planned = nlohmann::json::parse(json.out);
    CHECK(schema_file_violations("plan.schema.json", planned).empty());
    CHECK(planned["migrations"][0]["left_out"] ==
          nlohmann::json({"[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Starred"}));
    CHECK(planned["migrations"][1]["left_out"] ==
          nlohmann::json({"[Gmail]/All Mail", "[Gmail]/Important"}));

    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(apply.out << apply.err);
    REQUIRE(apply.exit_code == 0);
    CHECK(folders_of(read_all(destination, user(27), password(27))) ==
          std::set<std::string>{"INBOX", "[Gmail]/Sent Mail", "[Gmail]/Spam", "[Gmail]/Trash"});
    CHECK(folders_of(read_all(destination, user(28), password(28))) ==
          std::set<std::string>{"INBOX", "[Gmail]/Starred"});
}

TEST_CASE("a '.' inside a folder level becomes '_' at a '.' destination, and the plan says how "
          "to rename it instead") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(29), password(29),
         {{"Projects/v1.2", "", "", text_message("v@x", "v", "v")},
          {"Plans.old", "", "", text_message("o@x", "o", "o")}});
    TempDir dir;
    write_file(dir.file("config/m.yaml"),
               migration_yaml("m29", password_side(source, 29), password_side(destination, 29),
                              "  folders:\n    rename: { \"Plans.old\": \"Plans-old\" }\n"));
    RunOptions options = migrate_options(dir);
    ProcessResult plan = run_mailsync({"plan", "--scan-migrations", "config"}, options);
    INFO(plan.out << plan.err);
    REQUIRE(plan.exit_code == 0);
    CHECK_THAT(plan.out,
               Catch::Contains("      warning: folder 'Projects/v1.2': the destination separates "
                               "levels with '.', so 'Projects/v1.2' is created as "
                               "'Projects/v1_2'; to choose its name, rename it in "
                               "spec.folders.rename, for example \"Projects/v1.2\": "
                               "\"Projects/v1-2\"\n"));
    // The renamed folder has no '.' left, so no warning.
    CHECK_THAT(plan.out, !Catch::Contains("folder 'Plans.old'"));

    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "config"}, options);
    INFO(apply.out << apply.err);
    REQUIRE(apply.exit_code == 0);
    CHECK(folders_of(read_all(destination, user(29), password(29))) ==
          std::set<std::string>{"Plans-old", "Projects/v1_2"});
}
