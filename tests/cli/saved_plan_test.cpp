// `apply PLANFILE` re-derives the plan and runs it only when the file says the same: a tampered
// plan, or one whose target moved anywhere, is refused before anything is sent.
#include <catch2/catch.hpp>

#include <functional>

#include <nlohmann/json.hpp>

#include "support/target_under_test.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

const std::string stale_head =
    "error: the saved plan plan.json is stale; a plan made now differs:\n";
const std::string stale_tail = "Nothing was written. Run mailsync plan again and review it.\n";

// A target holding client-0, box-0 and box-1, and plan.json that creates box-2.
void plan_one_create(const TargetUnderTest& target, const TempDir& dir) {
    write_config(dir.path(), {1, 2, 0});
    REQUIRE(run_mailsync({"apply", "--auto-approve", "."}, target.in(dir)).exit_code == 0);
    write_config(dir.path(), {1, 3, 0});
    REQUIRE(run_mailsync({"plan", "--out", "plan.json", "."}, target.in(dir)).exit_code == 0);
}

// The action of plan.json on `name`, to edit.
nlohmann::ordered_json& action_of(nlohmann::ordered_json& plan, const std::string& name) {
    for (nlohmann::ordered_json& action : plan["actions"]) {
        if (action["name"] == name)
            return action;
    }
    FAIL("no action for " << name);
    return plan;
}

// Writes the same fields again to `name`, so that only its version moves.
void touch(TargetUnderTest& target, const TempDir& dir, const std::string& collection,
           const std::string& name) {
    auto opened = target.https() ? open_target(target.server().url(), target.server().options())
                                 : open_target("sqlite:" + dir.file(".mailsync/target.db"));
    REQUIRE(opened);
    for (const TargetObject& object : target.objects(dir, collection)) {
        if (object.name() != name)
            continue;
        WriteRequest same;
        same.fields = object.fields;
        REQUIRE((*opened)->update(collection, object.id, object.version, same));
        return;
    }
    FAIL("no object " << name);
}

} // namespace

TEST_CASE("a tampered saved plan is refused and nothing is sent", "[cli][apply][saved-plan]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    plan_one_create(target, dir);
    std::string original = read_file(dir.file("plan.json"));
    struct Tampering {
        std::string what;
        std::function<void(nlohmann::ordered_json&)> edit;
        std::string difference;
    };
    std::vector<Tampering> tamperings{
        {"a changed field",
         [](nlohmann::ordered_json& plan) {
             action_of(plan, "box-2")["fields"]["host"] = "evil.example";
         },
         "  - MailAccount \"box-2\": field host: saved \"evil.example\", now "
         "\"imap2.example.com\"\n"},
        {"a no-op turned delete",
         [](nlohmann::ordered_json& plan) { action_of(plan, "box-1")["action"] = "delete"; },
         "  - MailAccount \"box-1\": saved plan says delete, now no change\n"},
        {"a collection outside the base URL",
         [](nlohmann::ordered_json& plan) {
             action_of(plan, "box-2")["collection"] = "../../admin/tokens";
         },
         "  - MailAccount \"box-2\": collection \"../../admin/tokens\" is not the mapping "
         "profile's \"mail-accounts\"\n"},
    };
    for (const Tampering& tampering : tamperings) {
        DYNAMIC_SECTION(tampering.what) {
            nlohmann::ordered_json plan = nlohmann::ordered_json::parse(original);
            tampering.edit(plan);
            write_file(dir.file("plan.json"), plan.dump(2));
            long writes_before = target.https() ? target.server().stats()["writes"].get<long>() : 0;
            ProcessResult refused = run_mailsync({"apply", "plan.json"}, target.in(dir));
            CHECK(refused.exit_code == 1);
            CHECK(refused.out.empty());
            CHECK(refused.err == stale_head + tampering.difference + stale_tail);
            CHECK(target.count_objects(dir) == 3);
            if (target.https()) {
                nlohmann::json stats = target.server().stats();
                CHECK(stats["writes"] == writes_before);
                CHECK(stats["outsideBase"] == 0);
            }
        }
    }

    // The plan as written still applies.
    write_file(dir.file("plan.json"), original);
    ProcessResult applied = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(applied.exit_code == 0);
    CHECK(applied.out.ends_with("Apply complete: 1 created, 0 updated, 0 deleted, 0 failed, "
                                "0 skipped.\n"));
    CHECK(target.count_objects(dir) == 4);
    if (target.https())
        CHECK(target.server().stats()["outsideBase"] == 0);
}

TEST_CASE("an object the saved plan does not touch that moved makes it stale",
          "[cli][apply][saved-plan]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    plan_one_create(target, dir);
    touch(target, dir, "mail-accounts", "box-1");
    ProcessResult refused = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(refused.exit_code == 1);
    CHECK(refused.err == stale_head +
                             "  - MailAccount \"box-1\" changed in the target since the plan "
                             "(version 1 → 2)\n" +
                             stale_tail);
    CHECK(target.count_objects(dir) == 3);

    REQUIRE(run_mailsync({"plan", "--out", "plan.json", "."}, target.in(dir)).exit_code == 0);
    CHECK(run_mailsync({"apply", "plan.json"}, target.in(dir)).exit_code == 0);
    CHECK(target.count_objects(dir) == 4);
}

TEST_CASE("a saved plan never chooses to read configuration from outside the current folder",
          "[cli][apply][saved-plan]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    plan_one_create(target, dir);
    nlohmann::ordered_json plan = nlohmann::ordered_json::parse(read_file(dir.file("plan.json")));
    plan["paths"] = {"../elsewhere"};
    write_file(dir.file("plan.json"), plan.dump(2));
    ProcessResult refused = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(refused.exit_code == 1);
    CHECK(refused.err == "error: the plan names the configuration '../elsewhere', which is not "
                         "inside the current folder; name it after the plan file: mailsync apply "
                         "PLANFILE PATH...\n");
    // Named on the command line, the configuration is read from there and the plan compared.
    ProcessResult applied = run_mailsync({"apply", "plan.json", "."}, target.in(dir));
    CHECK(applied.exit_code == 0);
    CHECK(target.count_objects(dir) == 4);
}

TEST_CASE("a plan file of format 1 is refused: run plan again", "[cli][apply][saved-plan]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    plan_one_create(target, dir);
    nlohmann::ordered_json plan = nlohmann::ordered_json::parse(read_file(dir.file("plan.json")));
    plan["format_version"] = 1;
    write_file(dir.file("plan.json"), plan.dump(2));
    ProcessResult refused = run_mailsync({"apply", "plan.json"}, target.in(dir));
    CHECK(refused.exit_code == 1);
    CHECK(refused.err == "error: plan.json: plan format 1 is from an older mailsync and cannot be "
                         "checked against the target as it is now; run mailsync plan again\n");
    CHECK(target.count_objects(dir) == 3);
}
