#include "plan/render.hpp"
#include "support/world.hpp"

using namespace mailsync;
using namespace mailsync::test;

TEST_CASE("text shows + ~ - with Cloud labels and masks secrets", "[render]") {
    World world;
    world.configure(client_yaml + account_yaml("a") + account_yaml("gone"));
    world.converge();
    world.configure(client_yaml + account_yaml("a", "  port: 1993\n") + account_yaml("new"));
    std::string text = render_text(world.plan(), false);
    CHECK(text.find("\n  ~ MailAccount a\n      Port: 993 → 1993\n") != std::string::npos);
    CHECK(text.find("\n  + MailAccount new\n") != std::string::npos);
    CHECK(text.find("      Refresh Token:      (sensitive, will be set)\n") != std::string::npos);
    CHECK(text.find("\n  - MailAccount gone\n") != std::string::npos);
    CHECK(text.ends_with("\nPlan: 1 to create, 1 to update, 1 to delete, 1 unchanged.\n"));
    CHECK(text.find("value-of-") == std::string::npos);
    CHECK(text.find("\x1b[") == std::string::npos);
    CHECK(render_text(world.plan(), true).find("\x1b[33m~ MailAccount a\x1b[0m") !=
          std::string::npos);
}

TEST_CASE("markdown has a summary table and a section per resource", "[render]") {
    World world;
    world.configure(client_yaml + account_yaml("a", "  description: x|y\n"));
    std::vector<std::string> parts = render_markdown(world.plan(), false);
    REQUIRE(parts.size() == 1);
    const std::string& md = parts[0];
    CHECK(md.starts_with("### mailsync plan: 2 to create, 0 to update, 0 to delete\n"));
    CHECK(md.find("| ➕ create | MailAccount | a | 12 |") != std::string::npos);
    CHECK(md.find("| Description |  | `x\\|y` |") != std::string::npos);
    CHECK(md.find("<details><summary>➕ create OAuth2Client <code>g</code></summary>") !=
          std::string::npos);
    CHECK(md.find("| Refresh Token | | *(sensitive, will be set)* |") != std::string::npos);
}

TEST_CASE("markdown splits into parts of at most the limit", "[render]") {
    World world;
    std::string yaml = client_yaml;
    for (int i = 0; i < 300; ++i)
        yaml += account_yaml("box-" + std::to_string(i));
    world.configure(yaml);
    Plan plan = world.plan();
    std::vector<std::string> whole = render_markdown(plan, false);
    REQUIRE(whole.size() == 1);
    REQUIRE(whole[0].size() > 60'000);
    std::vector<std::string> parts = render_markdown(plan, true);
    REQUIRE(parts.size() >= 2);
    std::size_t sections = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        INFO("part " << i + 1);
        CHECK(parts[i].size() <= 60'000);
        CHECK(parts[i].starts_with("<!-- mailsync plan part " + std::to_string(i + 1) + " of " +
                                   std::to_string(parts.size()) + " -->\n"));
        for (std::size_t at = parts[i].find("<details>"); at != std::string::npos;
             at = parts[i].find("<details>", at + 1))
            ++sections;
    }
    CHECK(sections == 301);

    // A plan that fits is one part, marked all the same (pipelines find their comment by it).
    World small;
    small.configure(client_yaml);
    std::vector<std::string> one = render_markdown(small.plan(), true);
    REQUIRE(one.size() == 1);
    CHECK(one[0].starts_with("<!-- mailsync plan part 1 of 1 -->\n### mailsync plan: 1 to create"));
}
