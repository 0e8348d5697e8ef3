#include "plan/plan_file.hpp"
#include "support/world.hpp"

using namespace mailsync;
using namespace mailsync::test;

TEST_CASE("a plan survives a round trip through its file", "[plan-file]") {
    World world;
    world.configure(client_yaml + account_yaml("a"));
    Plan plan = world.plan();
    REQUIRE(write_plan_file(plan, world.dir.file("plan.json")));
    CHECK(is_plan_file(world.dir.file("plan.json")));
    CHECK_FALSE(is_plan_file(world.dir.file("config/c.yaml")));
    Result<Plan> back = read_plan_file(world.dir.file("plan.json"));
    REQUIRE(back);
    CHECK(plan_to_json(*back) == plan_to_json(plan));
    CHECK(back->config_digest.starts_with("sha256:"));
    CHECK(back->target == world.options.target);
    CHECK(back->actions.size() == 2);
    CHECK(back->actions[1].depends_on == std::vector<std::size_t>{0});
    REQUIRE(back->config_files.size() == 1);
    CHECK(back->config_files[0].path == world.dir.file("config/c.yaml"));
    CHECK(back->config_files[0].sha256.size() == 64);
}

TEST_CASE("the plan file lists every object the target holds, touched or not", "[plan-file]") {
    World world;
    world.configure(client_yaml + account_yaml("a") + account_yaml("b"));
    world.converge();
    world.configure(client_yaml + account_yaml("a"));
    Plan plan = world.plan();
    Result<Plan> back = read_plan_text(plan_to_json(plan).dump());
    REQUIRE(back);
    REQUIRE(back->seen_objects.size() == 3);
    std::vector<std::string> names;
    for (const SeenObject& object : back->seen_objects) {
        names.push_back(std::string(kind_name(object.kind)) + "/" + object.name + " in " +
                        object.collection + " v" + object.version);
        CHECK_FALSE(object.id.empty());
    }
    CHECK(names == std::vector<std::string>{"OAuth2Client/g in oauth2-clients v1",
                                            "MailAccount/a in mail-accounts v1",
                                            "MailAccount/b in mail-accounts v1"});
}

TEST_CASE("the plan file holds fingerprints, never secret values", "[plan-file]") {
    World world;
    world.configure(client_yaml + account_yaml("a"));
    Plan plan = world.plan();
    REQUIRE(write_plan_file(plan, world.dir.file("plan.json")));
    std::string text = read_file(world.dir.file("plan.json"));
    CHECK(text.find("value-of-") == std::string::npos);
    CHECK(text.find("hmac-sha256:") != std::string::npos);
}

TEST_CASE("broken plan files are refused with a reason", "[plan-file]") {
    TempDir dir;
    write_file(dir.file("a.json"), "not json");
    CHECK(read_plan_file(dir.file("a.json")).error().message == dir.file("a.json") + ": not JSON");
    write_file(dir.file("b.json"), "{\"kind\": \"something\"}");
    CHECK(read_plan_file(dir.file("b.json")).error().message ==
          dir.file("b.json") + ": not a mailsync plan (its \"kind\" is not \"mailsync-plan\")");
    write_file(dir.file("c.json"), "{\"kind\": \"mailsync-plan\", \"format_version\": 99}");
    CHECK(read_plan_file(dir.file("c.json")).error().message ==
          dir.file("c.json") + ": plan format 99 is not supported; this mailsync reads format 3");
    write_file(dir.file("e.json"), "{\"kind\": \"mailsync-plan\", \"format_version\": 1}");
    CHECK(read_plan_file(dir.file("e.json")).error().message ==
          dir.file("e.json") + ": plan format 1 is from an older mailsync and cannot be checked "
                               "against the target as it is now; run mailsync plan again");
    write_file(dir.file("f.json"), "{\"kind\": \"mailsync-plan\", \"format_version\": 2}");
    CHECK(read_plan_file(dir.file("f.json")).error().message ==
          dir.file("f.json") + ": plan format 2 is from an older mailsync and cannot be checked "
                               "against the target as it is now; run mailsync plan again");
    write_file(dir.file("d.json"), "{\"kind\": \"mailsync-plan\", \"format_version\": 3}");
    CHECK(read_plan_file(dir.file("d.json"))
              .error()
              .message.starts_with(dir.file("d.json") + ": broken plan: "));
    CHECK(read_plan_file(dir.file("missing.json")).error().message.starts_with("cannot read "));
}
