// Changes a team can trust (issue 18): ownership scopes shared by two teams' folders in one
// target, deletes: never, protected resources, --max-deletes, renames in place, forced secret
// writes, and how deletions read in a plan; against the sqlite: target and the https one alike.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/target_under_test.hpp"

using namespace mailsync;
using namespace mailsync::test;
using nlohmann::json;

namespace {

// A MailAccount document; `metadata` adds lines under metadata (indented two spaces).
std::string account(const std::string& name, const std::string& user,
                    const std::string& metadata = "") {
    return fmt::format("---\napiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: "
                       "{}\n{}spec:\n  protocol: imap\n  host: imap.example.com\n  username: "
                       "{}\n  auth:\n    password: ${{env:TEST_PASSWORD}}\n",
                       name, metadata, user);
}

// One target that several configuration folders below `dir` share.
struct SharedTarget {
    TargetUnderTest& target;
    const TempDir& dir;

    RunOptions in(const std::string& folder) const {
        RunOptions options = target.in(dir);
        options.cwd = dir.file(folder);
        if (!target.https())
            options.env["MAILSYNC_TARGET"] = "sqlite:" + dir.file("shared.db");
        return options;
    }

    ProcessResult run(const std::string& folder, std::vector<std::string> args) const {
        return run_mailsync(args, in(folder));
    }

    // The mail accounts the target holds, by name.
    std::map<std::string, TargetObject> accounts() const {
        auto opened = target.https() ? open_target(target.server().url(), target.server().options())
                                     : open_target("sqlite:" + dir.file("shared.db"));
        REQUIRE(opened);
        auto listed = (*opened)->list("mail-accounts");
        REQUIRE(listed);
        std::map<std::string, TargetObject> out;
        for (TargetObject& object : *listed)
            out[object.name()] = std::move(object);
        return out;
    }
};

void write_team(const TempDir& dir, const std::string& team, const std::string& yaml,
                const std::string& settings = "") {
    write_file(dir.file(team + "/accounts.yaml"), yaml);
    write_file(dir.file(team + "/mailsync.yaml"),
               fmt::format("apiVersion: mailsync/v1\nkind: Settings\nscope: {}\n{}environments:\n"
                           "  prod: {{}}\n",
                           team, settings));
}

// The text of a plan after its heading lines (target, scope).
std::string body_of(const std::string& out) {
    std::size_t blank = out.find("\n\n");
    return blank == std::string::npos ? out : out.substr(blank + 2);
}

} // namespace

TEST_CASE("two teams' scopes applied in turn never touch each other's objects", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "support",
               account("support-en", "en@example.com") + account("support-de", "de@example.com"));
    write_team(dir, "billing", account("billing", "billing@example.com"));
    REQUIRE(shared.run("support", {"apply", "--auto-approve"}).exit_code == 0);
    REQUIRE(shared.run("billing", {"apply", "--auto-approve"}).exit_code == 0);
    std::map<std::string, TargetObject> before = shared.accounts();
    REQUIRE(before.size() == 3);
    CHECK(before["support-en"].fields["labels"] == json{{"mailsync/scope", "support"}});
    CHECK(before["billing"].fields["labels"] == json{{"mailsync/scope", "billing"}});

    // Each team's plan sees its own objects unchanged and leaves the other's alone.
    ProcessResult support = shared.run("support", {"plan", "--detailed-exitcode"});
    CHECK(support.exit_code == 0);
    CHECK(support.out.find("Scope: support (only objects of this scope are updated or deleted)") !=
          std::string::npos);
    CHECK(support.out.find("Note: 1 object of other scopes left alone: 1 of scope 'billing'") !=
          std::string::npos);

    // Support drops one of its accounts: only that one goes, billing's stays as it was.
    write_team(dir, "support", account("support-en", "en@example.com"));
    ProcessResult plan = shared.run("support", {"plan", "--detailed-exitcode"});
    CHECK(plan.exit_code == 2);
    CHECK(plan.out.find("Plan: 0 to create, 0 to update, 1 to delete, 1 unchanged.") !=
          std::string::npos);
    REQUIRE(shared.run("support", {"apply", "--auto-approve"}).exit_code == 0);
    std::map<std::string, TargetObject> after = shared.accounts();
    CHECK(after.size() == 2);
    CHECK_FALSE(after.contains("support-de"));
    CHECK(after["billing"].version == before["billing"].version);
    CHECK(shared.run("billing", {"plan", "--detailed-exitcode"}).exit_code == 0);

    // A same-named resource of another scope is an error naming its owner; nothing is adopted.
    write_team(dir, "billing",
               account("billing", "billing@example.com") +
                   account("support-en", "other@example.com"));
    ProcessResult conflict = shared.run("billing", {"apply", "--auto-approve"});
    CHECK(conflict.exit_code == 1);
    CHECK(conflict.err.find("error: MailAccount 'support-en' exists in the target, but it belongs "
                            "to scope 'support' (label mailsync/scope), and this configuration "
                            "owns scope 'billing': it is left to its owner; give this resource "
                            "another name") != std::string::npos);
    CHECK(shared.accounts()["support-en"].version == after["support-en"].version);

    // A configuration without a scope sees only objects without one.
    write_file(dir.file("legacy/accounts.yaml"), account("legacy", "legacy@example.com"));
    REQUIRE(shared.run("legacy", {"apply", "--auto-approve"}).exit_code == 0);
    CHECK_FALSE(shared.accounts()["legacy"].fields.contains("labels"));
    ProcessResult legacy = shared.run("legacy", {"plan", "--detailed-exitcode"});
    CHECK(legacy.exit_code == 0);
    CHECK(legacy.out.find("2 objects of other scopes left alone: 1 of scope 'billing', 1 of scope "
                          "'support'") != std::string::npos);
}

TEST_CASE("deletes never leaves in place what a plan would delete", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "team", account("a", "a@example.com") + account("b", "b@example.com"),
               "deletes: never\n");
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    write_team(dir, "team", account("a", "a@example.com"), "deletes: never\n");
    ProcessResult plan = shared.run("team", {"plan", "--detailed-exitcode"});
    CHECK(plan.exit_code == 0);
    CHECK(body_of(plan.out).find("Deletes: never (what would be deleted is left in place)") ==
          std::string::npos); // in the heading, not the body
    CHECK(plan.out.find("Deletes: never (what would be deleted is left in place)\n") !=
          std::string::npos);
    CHECK(plan.out.find("Left in place (deletes: never), though no resource declares them:\n"
                        "    MailAccount b (Host: \"imap.example.com\", Username: "
                        "\"b@example.com\", Folder: \"INBOX\")\n") != std::string::npos);
    ProcessResult json_plan = shared.run("team", {"plan", "--format", "json"});
    json parsed = json::parse(json_plan.out);
    CHECK(parsed["deletes"] == "never");
    CHECK(parsed["left_in_place"][0]["name"] == "b");
    CHECK(parsed["left_in_place"][0]["key_fields"]["Username"] == "b@example.com");
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    CHECK(shared.accounts().contains("b"));
    // --no-delete on the command line does the same where the file allows deletes.
    write_team(dir, "team", account("a", "a@example.com"));
    CHECK(shared.run("team", {"plan", "--detailed-exitcode", "--no-delete"}).exit_code == 0);
    CHECK(shared.run("team", {"plan", "--detailed-exitcode"}).exit_code == 2);
}

TEST_CASE("a protected resource cannot be deleted until it is unprotected", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "team",
               account("keep", "keep@example.com", "  protected: true\n") +
                   account("other", "o@example.com"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    CHECK(shared.accounts()["keep"].fields["labels"]["mailsync/protected"] == "true");
    // Removed from the configuration, the label in the target still protects it.
    write_team(dir, "team", account("other", "o@example.com"));
    ProcessResult plan = shared.run("team", {"plan"});
    CHECK(plan.exit_code == 1);
    CHECK(plan.err.find("error: MailAccount 'keep' is protected (label mailsync/protected in the "
                        "target, from metadata.protected: true), and this plan would delete it; "
                        "to delete it, first apply it with protected: false") != std::string::npos);
    CHECK(shared.run("team", {"apply", "--auto-approve"}).exit_code == 1);
    CHECK(shared.accounts().contains("keep"));
    // A rename by hand (a new name, the old one dropped) is a delete too.
    write_team(dir, "team",
               account("kept", "keep@example.com", "  protected: true\n") +
                   account("other", "o@example.com"));
    CHECK(shared.run("team", {"plan"}).exit_code == 1);
    // Unprotected and applied, it may go.
    write_team(dir, "team",
               account("keep", "keep@example.com", "  protected: false\n") +
                   account("other", "o@example.com"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    CHECK_FALSE(shared.accounts()["keep"].fields["labels"].contains("mailsync/protected"));
    write_team(dir, "team", account("other", "o@example.com"));
    CHECK(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    CHECK_FALSE(shared.accounts().contains("keep"));
}

TEST_CASE("apply refuses more deletions than --max-deletes allows", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    std::string many;
    for (int i = 0; i < 12; ++i)
        many += account(fmt::format("box-{}", i), fmt::format("box-{}@example.com", i));
    write_team(dir, "team", many + account("stay", "stay@example.com"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    write_team(dir, "team", account("stay", "stay@example.com"));
    ProcessResult plan = shared.run("team", {"plan"});
    CHECK(plan.out.find("  WARNING: This plan DELETES 12 objects from the target; check each one "
                        "below. apply refuses more than 10 without --max-deletes 12.\n") !=
          std::string::npos);
    ProcessResult refused = shared.run("team", {"apply", "--auto-approve"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("error: this plan deletes 12 objects, more than the 10 that "
                           "the default allows; review every deletion, then run again with "
                           "--max-deletes 12") != std::string::npos);
    CHECK(shared.accounts().size() == 13);
    ProcessResult json_refused =
        shared.run("team", {"apply", "--auto-approve", "--format", "json"});
    CHECK(json::parse(json_refused.out)["result"] == "refused");
    CHECK(shared.run("team", {"apply", "--auto-approve", "--max-deletes", "11"}).exit_code == 1);
    CHECK(shared.run("team", {"apply", "--auto-approve", "--max-deletes", "12"}).exit_code == 0);
    CHECK(shared.accounts().size() == 1);
}

TEST_CASE("a rename in place is one update that keeps the object's id", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "team", account("Support EN", "en@example.com"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    TargetObject before = shared.accounts()["Support EN"];
    json stats_before = target.https() ? target.server().stats() : json();

    write_team(dir, "team",
               account("support-en", "en@example.com", "  previousNames: [\"Support EN\"]\n"));
    ProcessResult plan = shared.run("team", {"plan"});
    CHECK(body_of(plan.out) == "  ~ MailAccount support-en (renamed from \"Support EN\")\n"
                               "      Name: \"Support EN\" → \"support-en\"\n\n"
                               "Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged.\n");
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    std::map<std::string, TargetObject> after = shared.accounts();
    REQUIRE(after.size() == 1);
    REQUIRE(after.contains("support-en"));
    CHECK(after["support-en"].id == before.id);
    CHECK(std::stol(after["support-en"].version) == std::stol(before.version) + 1);
    if (target.https()) {
        json stats = target.server().stats();
        CHECK(stats["methods"].value("PUT", 0) - stats_before["methods"].value("PUT", 0) == 1);
        CHECK(stats["methods"].value("POST", 0) == stats_before["methods"].value("POST", 0));
        CHECK(stats["methods"].value("DELETE", 0) == 0);
    }
    // The state follows: the password is not written again, and the entry left is harmless.
    CHECK(shared.run("team", {"plan", "--detailed-exitcode"}).exit_code == 0);
    ProcessResult rotated = run_mailsync({"plan"}, [&] {
        RunOptions options = shared.in("team");
        options.env["TEST_PASSWORD"] = "rotated-password";
        return options;
    }());
    CHECK(rotated.out.find("Password: (sensitive, changed)") != std::string::npos);

    // Both names in the target: harmless once the state manages the new name, ambiguous to a
    // state that manages neither.
    write_team(dir, "team",
               account("Support EN", "en@example.com") +
                   account("support-en", "en@example.com", "  previousNames: [\"x\"]\n"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    write_team(dir, "team",
               account("Support EN", "en@example.com") +
                   account("support-en", "en@example.com", "  previousNames: [\"Support EN\"]\n"));
    CHECK(shared.run("team", {"validate", "--no-secrets"}).exit_code == 1); // both declared
    write_team(dir, "fresh",
               account("support-en", "en@example.com", "  previousNames: [\"Support EN\"]\n"));
    write_file(dir.file("fresh/mailsync.yaml"), read_file(dir.file("team/mailsync.yaml")));
    ProcessResult ambiguous = shared.run("fresh", {"plan"});
    CHECK(ambiguous.exit_code == 1);
    CHECK(ambiguous.err.find("MailAccount 'support-en': both 'support-en' and its previous name "
                             "'Support EN' exist in the target, so the rename is ambiguous") !=
          std::string::npos);
}

TEST_CASE("replace-secrets writes exactly the secrets again", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "team", account("a", "a@example.com") + account("b", "b@example.com"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    CHECK(shared.run("team", {"plan", "--detailed-exitcode"}).exit_code == 0);
    ProcessResult plan = shared.run("team", {"plan", "--replace-secrets"});
    CHECK(body_of(plan.out) == "  ~ MailAccount a\n      Password: (sensitive, written again)\n\n"
                               "  ~ MailAccount b\n      Password: (sensitive, written again)\n\n"
                               "Plan: 0 to create, 2 to update, 0 to delete, 0 unchanged.\n");
    json saved =
        json::parse(shared.run("team", {"plan", "--replace-secrets", "--format", "json"}).out);
    // Written again, the secret still appears only as a keyed fingerprint.
    CHECK(saved.dump().find(test_secrets()["TEST_PASSWORD"]) == std::string::npos);
    CHECK(plan.out.find(test_secrets()["TEST_PASSWORD"]) == std::string::npos);
    for (const json& action : saved["actions"]) {
        CHECK(action["secrets"].size() == 1);
        CHECK(action["secrets"][0]["key"] == "password");
    }
    std::map<std::string, TargetObject> before = shared.accounts();
    ProcessResult apply = shared.run("team", {"apply", "--auto-approve", "--replace-secrets"});
    CHECK(apply.exit_code == 0);
    CHECK(apply.out.ends_with(
        "Apply complete: 0 created, 2 updated, 0 deleted, 0 failed, 0 skipped.\n"));
    std::map<std::string, TargetObject> after = shared.accounts();
    for (const char* name : {"a", "b"}) {
        CHECK(after[name].fields == before[name].fields);
        CHECK(std::stol(after[name].version) == std::stol(before[name].version) + 1);
    }
    // --replace one object: written whole, nothing else.
    ProcessResult one = shared.run("team", {"plan", "--replace", "MailAccount/b"});
    CHECK(body_of(one.out) == "  ~ MailAccount b (written whole, as --replace asks)\n"
                              "      Password: (sensitive, written again)\n\n"
                              "Plan: 0 to create, 1 to update, 0 to delete, 1 unchanged.\n");
    ProcessResult unknown =
        shared.run("team", {"plan", "--replace", "MailAccount/b", "--replace", "MailAccount/zz"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("error: --replace MailAccount/zz: no such resource in the "
                           "configuration") != std::string::npos);
}

TEST_CASE("a markdown plan warns above deletions and names what each one is", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "team", account("old-name", "shared@example.com") + account("gone", "g@x.org"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    write_team(dir, "team", account("new-name", "shared@example.com"));
    ProcessResult plan = shared.run("team", {"plan", "--format", "markdown"});
    CHECK(plan.exit_code == 0);
    std::string head = plan.out.substr(0, plan.out.find("\n\n") + 2);
    CHECK(head == "### mailsync plan: 1 to create, 0 to update, 2 to delete\n\n");
    std::string rest = plan.out.substr(plan.out.find("> [!WARNING]"));
    CHECK(rest ==
          "> [!WARNING]\n"
          "> This plan DELETES 2 objects from the target; check each one below.\n\n"
          "> [!WARNING]\n"
          "> MailAccount 'new-name' is created and 'old-name' deleted with the same host, "
          "username and folder (\"imap.example.com\", \"shared&#64;example.com\"): both would "
          "read the same mailbox until the delete runs. To rename in place, give 'new-name' "
          "metadata.previousNames: \\['old-name'\\]\n\n"
          "| Action | Kind | Name | Fields |\n"
          "|---|---|---|---|\n"
          "| ➕ create | MailAccount | new-name | 11 |\n"
          "| ➖ delete | MailAccount | gone | Host `imap.example.com`, Username `g@x.org`, Folder "
          "`INBOX` |\n"
          "| ➖ delete | MailAccount | old-name | Host `imap.example.com`, Username "
          "`shared@example.com`, Folder `INBOX` |\n\n"
          "<details><summary>➕ create MailAccount <code>new-name</code></summary>\n\n"
          "| Field | Before | After |\n|---|---|---|\n"
          "| Name |  | `new-name` |\n"
          "| Service Provider |  | `General IMAP4 service` |\n"
          "| Encryption |  | `SSL` |\n"
          "| Host |  | `imap.example.com` |\n"
          "| Username |  | `shared@example.com` |\n"
          "| Password | | *(sensitive, will be set)* |\n"
          "| Port |  | `993` |\n"
          "| Timeout |  | `30` |\n"
          "| Folder |  | `INBOX` |\n"
          "| Status |  | `Active` |\n"
          "| Label mailsync/scope |  | `team` |\n\n"
          "</details>\n\n"
          "<details><summary>➖ delete MailAccount <code>gone</code></summary>\n\n"
          "The object is deleted from the target.\n\n"
          "| Field | Value |\n|---|---|\n"
          "| Host | `imap.example.com` |\n"
          "| Username | `g@x.org` |\n"
          "| Folder | `INBOX` |\n\n"
          "</details>\n\n"
          "<details><summary>➖ delete MailAccount <code>old-name</code></summary>\n\n"
          "The object is deleted from the target.\n\n"
          "| Field | Value |\n|---|---|\n"
          "| Host | `imap.example.com` |\n"
          "| Username | `shared@example.com` |\n"
          "| Folder | `INBOX` |\n\n"
          "</details>\n\n");
}

TEST_CASE("scope, deletes and previous names are checked where they are written", "[cli][scope]") {
    TempDir dir;
    RunOptions here;
    here.cwd = dir.path();
    here.env = test_secrets();
    write_file(dir.file("team/accounts.yaml"),
               account("a", "a@example.com", "  previousNames: [a]\n") +
                   account("b", "b@example.com", "  previousNames: [a, old]\n") +
                   account("c", "c@example.com", "  previousNames: [old]\n"));
    ProcessResult validate = run_mailsync({"validate", "--no-secrets", "team"}, here);
    CHECK(validate.exit_code == 1);
    CHECK(validate.err.find("team/accounts.yaml:6:19: error: MailAccount 'a': previousNames holds "
                            "its own name") != std::string::npos);
    CHECK(validate.err.find("error: MailAccount 'b': previous name 'a' is the name of another "
                            "MailAccount (declared at team/accounts.yaml:5:9), so the rename is "
                            "ambiguous") != std::string::npos);
    CHECK(validate.err.find("error: MailAccount 'c': previous name 'old' is also claimed by 'b'") !=
          std::string::npos);

    write_file(dir.file("team/accounts.yaml"), account("a", "a@example.com"));
    write_file(dir.file("team/mailsync.yaml"),
               "apiVersion: mailsync/v1\nkind: Settings\nscope: Support Team\ndeletes: "
               "sometimes\nenvironments:\n  prod: {}\n");
    ProcessResult plan = run_mailsync({"plan", "team"}, here);
    CHECK(plan.exit_code == 1);
    CHECK(plan.err.find("team/mailsync.yaml:3:8: error:") != std::string::npos);
    CHECK(plan.err.find("team/mailsync.yaml:4:10: error:") != std::string::npos);
    write_file(dir.file("team/mailsync.yaml"),
               "apiVersion: mailsync/v1\nkind: Settings\nenvironments:\n  prod: {}\n");
    ProcessResult flag = run_mailsync({"plan", "--scope", "Bad Scope", "team"}, here);
    CHECK(flag.exit_code == 1);
    CHECK(flag.err.find("error: --scope 'Bad Scope': a scope is 1 to 63 lower-case letters") !=
          std::string::npos);
}

TEST_CASE("export writes only the objects of its own scope", "[cli][scope][export]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "support", account("support-en", "en@example.com"));
    write_team(dir, "billing", account("billing", "billing@example.com"));
    REQUIRE(shared.run("support", {"apply", "--auto-approve"}).exit_code == 0);
    REQUIRE(shared.run("billing", {"apply", "--auto-approve"}).exit_code == 0);
    ProcessResult exported =
        shared.run("support", {"export", "--out", dir.file("support/exported")});
    CHECK(exported.exit_code == 0);
    CHECK(exported.err.find("note: 1 object of the target belongs to another scope than scope "
                            "'support' and is not exported") != std::string::npos);
    std::string yaml = read_file(dir.file("support/exported/mail-accounts.yaml"));
    CHECK(yaml.find("name: support-en") != std::string::npos);
    CHECK(yaml.find("billing") == std::string::npos);
}

TEST_CASE("a pull request that changes its folder's scope cannot reach another team's objects",
          "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "support", account("support-en", "en@example.com"));
    write_team(dir, "billing", account("billing", "billing@example.com"));
    REQUIRE(shared.run("support", {"apply", "--auto-approve"}).exit_code == 0);
    REQUIRE(shared.run("billing", {"apply", "--auto-approve"}).exit_code == 0);
    // The pull request: support/ now claims scope billing, and declares nothing of billing's.
    write_file(dir.file("support/mailsync.yaml"),
               "apiVersion: mailsync/v1\nkind: Settings\nscope: billing\nmaxDeletes: 100000\n"
               "environments:\n  prod: {}\n");
    write_file(dir.file("support/accounts.yaml"), account("harmless", "h@example.com"));
    for (const char* command : {"plan", "apply"}) {
        ProcessResult run = shared.run("support", {command, "--auto-approve"});
        if (std::string(command) == "plan")
            run = shared.run("support", {"plan"});
        CHECK(run.exit_code == 1);
        CHECK(run.err.find("belongs to scope 'support', and this run owns scope 'billing'; a "
                           "scope is changed on purpose with apply --change-scope") !=
              std::string::npos);
        CHECK(run.err.find("warning: maxDeletes 100000 in the settings file is above the default "
                           "10 and is not used") != std::string::npos);
    }
    CHECK(shared.accounts().contains("billing"));
    // Changed on purpose, the state takes the scope; billing's object is still not this state's
    // to delete, since it never managed it.
    ProcessResult changed = shared.run("support", {"apply", "--auto-approve", "--change-scope"});
    CHECK(changed.exit_code == 0);
    CHECK(shared.accounts().contains("billing"));
    CHECK(changed.out.find("0 deleted") != std::string::npos);
}

TEST_CASE("two folders that claim one scope never delete each other's objects", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "one", account("a", "a@example.com"));
    write_file(dir.file("two/accounts.yaml"), account("b", "b@example.com"));
    write_file(dir.file("two/mailsync.yaml"), read_file(dir.file("one/mailsync.yaml")));
    REQUIRE(shared.run("one", {"apply", "--auto-approve"}).exit_code == 0);
    REQUIRE(shared.run("two", {"apply", "--auto-approve"}).exit_code == 0);
    ProcessResult again = shared.run("one", {"plan", "--detailed-exitcode"});
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("In the target but not managed by mailsync (left alone):\n"
                         "    MailAccount b\n") != std::string::npos);
    REQUIRE(shared.run("one", {"apply", "--auto-approve"}).exit_code == 0);
    CHECK(shared.accounts().size() == 2);
}

TEST_CASE("labels edited by hand fail closed", "[cli][scope]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "team", account("a", "a@example.com") + account("b", "b@example.com"));
    REQUIRE(shared.run("team", {"apply", "--auto-approve"}).exit_code == 0);
    // Someone marks a protected with a boolean, and b's scope as a list, in the target.
    auto opened = target.https() ? open_target(target.server().url(), target.server().options())
                                 : open_target("sqlite:" + dir.file("shared.db"));
    REQUIRE(opened);
    for (auto& [name, object] : shared.accounts()) {
        WriteRequest request;
        request.fields = object.fields;
        if (name == "a")
            request.fields["labels"] = {{"mailsync/scope", "team"}, {"mailsync/protected", "True"}};
        else
            request.fields["labels"] = {{"mailsync/scope", "[team]"}};
        REQUIRE((*opened)->update("mail-accounts", object.id, object.version, request));
    }
    write_team(dir, "team", account("c", "c@example.com"));
    ProcessResult plan = shared.run("team", {"plan"});
    CHECK(plan.exit_code == 1);
    CHECK(plan.err.find("MailAccount 'a' is protected") != std::string::npos);
    CHECK(plan.err.find("MailAccount 'b'") == std::string::npos); // another scope's: untouched
}

TEST_CASE("a saved plan is stale once mailsync.yaml changed", "[cli][scope][saved-plan]") {
    TargetUnderTest target("sqlite");
    TempDir dir;
    SharedTarget shared{target, dir};
    write_team(dir, "team", account("a", "a@example.com"));
    REQUIRE(shared.run("team", {"plan", "--out", dir.file("plan.json")}).exit_code == 0);
    write_file(dir.file("team/mailsync.yaml"),
               read_file(dir.file("team/mailsync.yaml")) + "# edited\n");
    ProcessResult apply = shared.run("team", {"apply", dir.file("plan.json"), "."});
    CHECK(apply.exit_code == 1);
    CHECK(apply.err.find("config file \"mailsync.yaml\" changed since the plan") !=
          std::string::npos);
}
