// A saved plan against one made afresh: every difference named, nothing taken from the file.
#include <algorithm>

#include <fmt/format.h>

#include "plan/saved_plan.hpp"
#include "support/world.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

// A plan whose account "a" updates its username, with the client and account "b" unchanged.
struct Planned {
    World world;
    Plan saved;

    Planned() {
        world.configure(client_yaml + account_yaml("a") + account_yaml("b"));
        world.converge();
        std::string yaml = client_yaml + account_yaml("a") + account_yaml("b");
        yaml.replace(yaml.find("u@example.com"), 13, "v@example.com");
        world.configure(yaml);
        saved = world.plan();
    }

    // The differences of `saved` from a plan made now.
    std::vector<std::string> differences() {
        Plan fresh = world.plan();
        return saved_plan_differences(saved, fresh, world.session.snapshot, world.profile);
    }

    PlannedAction& action(const std::string& name) {
        return const_cast<PlannedAction&>(find_action(saved, Kind::mail_account, name));
    }
};

} // namespace

TEST_CASE("a saved plan made from the same configuration and target has no differences",
          "[saved-plan]") {
    Planned planned;
    CHECK(planned.action("a").type == ActionType::update);
    CHECK(planned.differences().empty());
}

TEST_CASE("a saved plan's field that differs is named with both values", "[saved-plan]") {
    Planned planned;
    planned.action("a").fields["username"] = "mallory@example.com";
    planned.action("a").fields["host"] = "evil.example.com";
    CHECK(planned.differences() ==
          std::vector<std::string>{"MailAccount \"a\": field host: saved \"evil.example.com\", "
                                   "now \"imap.gmail.com\"",
                                   "MailAccount \"a\": field username: saved "
                                   "\"mallory@example.com\", now \"v@example.com\""});
}

TEST_CASE("a saved plan whose no-op became a delete is stale", "[saved-plan]") {
    Planned planned;
    planned.action("b").type = ActionType::remove;
    CHECK(planned.differences() ==
          std::vector<std::string>{"MailAccount \"b\": saved plan says delete, now no change"});
}

TEST_CASE("a collection that is not the mapping profile's is a difference", "[saved-plan]") {
    Planned planned;
    planned.action("a").collection = "../../admin/tokens";
    CHECK(planned.differences() ==
          std::vector<std::string>{"MailAccount \"a\": collection \"../../admin/tokens\" is not "
                                   "the mapping profile's \"mail-accounts\""});
}

TEST_CASE("actions missing from or added to the saved plan are named", "[saved-plan]") {
    Planned planned;
    planned.saved.actions.pop_back();
    PlannedAction extra = planned.action("a");
    extra.name = "c";
    extra.type = ActionType::create;
    extra.depends_on.clear();
    planned.saved.actions.push_back(extra);
    std::vector<std::string> differences = planned.differences();
    CHECK(std::count(differences.begin(), differences.end(),
                     "MailAccount \"c\": saved plan says create, now no action") == 1);
    CHECK(differences.size() == 2);
}

TEST_CASE("a secret whose fingerprint differs is named, without its value", "[saved-plan]") {
    World world;
    world.configure(client_yaml + account_yaml("a"));
    Plan saved = world.plan();
    PlannedAction& create = const_cast<PlannedAction&>(find_action(saved, Kind::mail_account, "a"));
    REQUIRE(create.secrets.size() == 1);
    create.secrets[0].fingerprint = "hmac-sha256:" + std::string(64, '0');
    Plan fresh = world.plan();
    CHECK(saved_plan_differences(saved, fresh, world.session.snapshot, world.profile) ==
          std::vector<std::string>{"MailAccount \"a\": secret Refresh Token: its fingerprint "
                                   "differs (the secret changed since the plan)"});
}

TEST_CASE("an object the plan does not touch that moved makes the plan stale", "[saved-plan]") {
    Planned planned;
    auto target = SqliteTarget::open(planned.world.options.target);
    REQUIRE(target);
    std::vector<TargetObject> accounts = *(*target)->list("mail-accounts");
    const TargetObject& b = accounts[0].name() == "b" ? accounts[0] : accounts[1];
    WriteRequest same;
    same.fields = b.fields;
    REQUIRE((*target)->update("mail-accounts", b.id, b.version, same));
    CHECK(planned.differences() ==
          std::vector<std::string>{"MailAccount \"b\" changed in the target since the plan "
                                   "(version " +
                                   b.version + " → " + std::to_string(std::stoi(b.version) + 1) +
                                   ")"});
}

TEST_CASE("objects that appeared in or left the target are named", "[saved-plan]") {
    Planned planned;
    SeenObject gone = planned.saved.seen_objects.back();
    planned.saved.seen_objects.pop_back();
    gone.id = "no-such-id";
    gone.name = "ghost";
    planned.saved.seen_objects.push_back(gone);
    std::vector<std::string> differences = planned.differences();
    REQUIRE(differences.size() == 2);
    CHECK(differences[0].ends_with(" appeared in the target since the plan"));
    CHECK(differences[1] ==
          std::string(kind_name(gone.kind)) + " \"ghost\" is gone from the target since the plan");
}

TEST_CASE("a changed configuration file or target is named", "[saved-plan]") {
    Planned planned;
    REQUIRE(planned.saved.config_files.size() == 1);
    planned.saved.config_files[0].sha256 = std::string(64, 'f');
    planned.saved.target = "https://elsewhere.example.com/api/v1";
    std::vector<std::string> differences = planned.differences();
    REQUIRE(differences.size() == 2);
    CHECK(differences[0] == "target: the plan is for https://elsewhere.example.com/api/v1, this "
                            "run's is " +
                                planned.world.options.target);
    CHECK(differences[1] ==
          "config file \"" + planned.saved.config_files[0].path + "\" changed since the plan");
}

TEST_CASE("apply reads the configuration a plan names only inside the current folder",
          "[saved-plan]") {
    Plan plan;
    plan.paths = {"config/", "./more.yaml"};
    CHECK(*saved_plan_config_paths(plan, {}) == plan.paths);
    CHECK(*saved_plan_config_paths(plan, {"other/"}) == std::vector<std::string>{"other/"});
    for (const char* outside : {"/etc/mailsync", "../elsewhere", "config/../../elsewhere"}) {
        plan.paths = {outside};
        Result<std::vector<std::string>> paths = saved_plan_config_paths(plan, {});
        REQUIRE_FALSE(paths);
        CHECK(paths.error().message ==
              fmt::format("the plan names the configuration '{}', which is not inside the current "
                          "folder; name it after the plan file: mailsync apply PLANFILE PATH...",
                          outside));
    }
}
