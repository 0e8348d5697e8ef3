#include "plan/plan_file.hpp"
#include "plan/rows.hpp"
#include "support/world.hpp"

using namespace mailsync;
using namespace mailsync::test;

TEST_CASE("an empty target gets creates, clients first, connections depending on them", "[diff]") {
    World world;
    world.configure(client_yaml + account_yaml("a") + account_yaml("b"));
    Plan plan = world.plan();
    REQUIRE(plan.actions.size() == 3);
    CHECK(plan.actions[0].kind == Kind::oauth2_client);
    CHECK(plan.actions[1].depends_on == std::vector<std::size_t>{0});
    CHECK(plan.actions[2].depends_on == std::vector<std::size_t>{0});
    CHECK(plan.counts().create == 3);
    const PlannedAction& a = find_action(plan, Kind::mail_account, "a");
    CHECK(a.fields["oauth2Client"] == nlohmann::json{{"$ref", "OAuth2Client/g"}});
    CHECK(a.fields["port"] == 993);
    REQUIRE(a.secrets.size() == 1);
    CHECK(a.secrets[0].key == "oauth2RefreshToken");
    CHECK(a.secrets[0].fingerprint.starts_with("hmac-sha256:"));
}

TEST_CASE("after apply the plan is empty, and one field changed is one update", "[diff]") {
    World world;
    world.configure(client_yaml + account_yaml("a") + account_yaml("b"));
    world.converge();
    world.configure(client_yaml + account_yaml("a", "  port: 1993\n") + account_yaml("b"));
    Plan plan = world.plan();
    CHECK(plan.counts().update == 1);
    CHECK(plan.counts().noop == 2);
    const PlannedAction& a = find_action(plan, Kind::mail_account, "a");
    REQUIRE(a.changes.size() == 1);
    CHECK(a.changes[0].label == "Port");
    CHECK(a.changes[0].before == 993);
    CHECK(a.changes[0].after == 1993);
    CHECK(a.secrets.empty());
}

TEST_CASE("every field type diffs: text, number, boolean, value maps, references", "[diff]") {
    World world;
    std::string second_client =
        "---\napiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: h\nspec:\n"
        "  provider: google\n  clientId: id2\n  clientSecret: ${env:H_SECRET}\n";
    world.configure(client_yaml + second_client + account_yaml("a", "  description: old\n"));
    world.converge();
    world.configure(
        client_yaml + second_client +
        account_yaml("a", "  encryption: starttls\n  enabled: false\n",
                     "  auth:\n    oauth2: {client: h, refreshToken: \"${env:RT}\"}\n"));
    Plan plan = world.plan();
    const PlannedAction& a = find_action(plan, Kind::mail_account, "a");
    std::map<std::string, std::pair<nlohmann::json, nlohmann::json>> changes;
    for (const FieldChange& change : a.changes)
        changes[change.label] = {change.before, change.after};
    CHECK(changes["Description"] == std::make_pair(nlohmann::json("old"), nlohmann::json()));
    CHECK(changes["Encryption"] ==
          std::make_pair(nlohmann::json("SSL"), nlohmann::json("STARTTLS")));
    CHECK(changes["Port"] == std::make_pair(nlohmann::json(993), nlohmann::json(143)));
    CHECK(changes["Status"] ==
          std::make_pair(nlohmann::json("Active"), nlohmann::json("Not Active")));
    CHECK(changes["OAuth2 Credentials"] ==
          std::make_pair(nlohmann::json("g"), nlohmann::json("h")));
    CHECK(changes.size() == 5);
    // A changed reference waits for nothing (h exists), and the result converges.
    CHECK(a.depends_on.empty());
    REQUIRE(world.apply(plan).ok());
    CHECK_FALSE(world.plan().counts().has_changes());
}

TEST_CASE("a create's rows are its fields under its kind's labels, references by name, then "
          "its labels",
          "[diff]") {
    World world;
    world.configure(client_yaml + account_yaml("a", "  description: first box\n"));
    Plan plan = world.plan();
    const PlannedAction& a = find_action(plan, Kind::mail_account, "a");
    REQUIRE(a.type == ActionType::create);
    CHECK(a.rows_from_fields);
    std::vector<FieldChange> rows = changes_of(plan, a);
    std::vector<std::string> labels;
    for (const FieldChange& row : rows) {
        labels.push_back(row.label);
        CHECK(row.before.is_null());
        if (!row.sensitive)
            CHECK(!row.after.is_null());
    }
    // In the mapping's order, each field once, none without a value.
    const KindMapping* mapping = world.profile.find(Kind::mail_account);
    REQUIRE(mapping != nullptr);
    std::vector<std::string> in_mapping_order;
    for (const FieldMapping& field : mapping->fields)
        if (std::find(labels.begin(), labels.end(), field.label) != labels.end())
            in_mapping_order.push_back(field.label);
    CHECK(std::vector<std::string>(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(
                                                                        in_mapping_order.size())) ==
          in_mapping_order);
    std::map<std::string, nlohmann::json> after;
    for (const FieldChange& row : rows)
        after[row.label] = row.after;
    CHECK(after["Description"] == "first box");
    CHECK(after["OAuth2 Credentials"] == "g"); // the client's name, not {"$ref": ...}
    // The plan file holds the same rows, and reads back with them.
    nlohmann::json saved = plan_to_json(plan);
    Result<Plan> read = plan_from_json(saved);
    REQUIRE(read);
    const PlannedAction& back = find_action(*read, Kind::mail_account, "a");
    CHECK_FALSE(back.rows_from_fields);
    CHECK(back.changes.size() == rows.size());
    CHECK(changes_of(*read, back).size() == rows.size());
}

TEST_CASE("secrets: set, unchanged, changed by fingerprint, removed", "[diff]") {
    World world;
    world.configure(client_yaml + account_yaml("a"));
    Plan first = world.plan();
    std::size_t secrets = 0;
    for (const FieldChange& change : changes_of(first, find_action(first, Kind::mail_account, "a")))
        if (change.sensitive) {
            CHECK(change.secret_change == "will be set");
            ++secrets;
        }
    CHECK(secrets > 0);
    REQUIRE(world.apply(first).ok());
    CHECK_FALSE(world.plan().counts().has_changes());

    world.options.env = [](const std::string& name) -> std::optional<std::string> {
        if (name.starts_with("MAILSYNC_"))
            return std::nullopt;
        return name == "RT" ? "rotated" : "value-of-" + name;
    };
    Plan rotated = world.plan();
    const PlannedAction& a = find_action(rotated, Kind::mail_account, "a");
    REQUIRE(a.changes.size() == 1);
    CHECK(a.changes[0].sensitive);
    CHECK(a.changes[0].label == "Refresh Token");
    CHECK(a.changes[0].secret_change == "changed");
    CHECK(a.changes[0].before.is_null());
    REQUIRE(world.apply(rotated).ok());

    world.configure(client_yaml + account_yaml("a", "", "  auth:\n    password: ${env:PW}\n"));
    Plan switched = world.plan();
    std::map<std::string, std::string> secret_changes;
    for (const FieldChange& change : find_action(switched, Kind::mail_account, "a").changes) {
        if (change.sensitive)
            secret_changes[change.label] = change.secret_change;
    }
    CHECK(secret_changes == std::map<std::string, std::string>{{"Password", "will be set"},
                                                               {"Refresh Token", "removed"}});
    REQUIRE(world.apply(switched).ok());
    CHECK_FALSE(world.plan().counts().has_changes());
}

TEST_CASE("a rename is a delete and a create; others' objects are left alone", "[diff]") {
    World world;
    world.configure(client_yaml + account_yaml("old-name"));
    world.converge();
    auto target = SqliteTarget::open(world.options.target);
    WriteRequest manual;
    manual.fields = {{"name", "made-by-hand"}, {"host", "h"}};
    REQUIRE((*target)->create("mail-accounts", manual));

    world.configure(client_yaml + account_yaml("new-name"));
    Plan plan = world.plan();
    CHECK(plan.counts().create == 1);
    CHECK(plan.counts().remove == 1);
    CHECK(find_action(plan, Kind::mail_account, "old-name").type == ActionType::remove);
    CHECK(find_action(plan, Kind::mail_account, "new-name").type == ActionType::create);
    REQUIRE(plan.unmanaged.size() == 1);
    CHECK(plan.unmanaged[0].name == "made-by-hand");
    REQUIRE(world.apply(plan).ok());
    CHECK(world.objects("mail-accounts").size() == 2);
}

TEST_CASE("an object the target has by name is adopted, not duplicated", "[diff]") {
    World world;
    world.configure(client_yaml);
    auto target = SqliteTarget::open(world.options.target);
    WriteRequest existing;
    existing.fields = {{"name", "g"}, {"provider", "Google"}};
    REQUIRE((*target)->create("oauth2-clients", existing));
    Plan plan = world.plan();
    const PlannedAction& g = find_action(plan, Kind::oauth2_client, "g");
    CHECK(g.type == ActionType::update);
    CHECK(g.adopt);
    REQUIRE(world.apply(plan).ok());
    CHECK(world.objects("oauth2-clients").size() == 1);
    CHECK_FALSE(world.plan().counts().has_changes());
}

TEST_CASE("deletes run connections first, and a client still used stays", "[diff]") {
    World world;
    world.configure(client_yaml + account_yaml("a"));
    world.converge();
    const std::string relay =
        "apiVersion: mailsync/v1\nkind: SmtpConnection\nmetadata:\n  name: relay\nspec:\n"
        "  fromAddress: a@example.com\n  host: relay.example.com\n";
    world.configure(relay);
    Plan plan = world.plan();
    REQUIRE(plan.actions.size() == 3);
    CHECK(plan.actions[0].kind == Kind::smtp_connection);
    CHECK(plan.actions[1].kind == Kind::mail_account);
    CHECK(plan.actions[2].kind == Kind::oauth2_client);
    CHECK(plan.actions[2].depends_on == std::vector<std::size_t>{1});

    // A connection made by hand that uses the client blocks its delete.
    std::string client_id = world.objects("oauth2-clients").at(0).id;
    auto target = SqliteTarget::open(world.options.target);
    WriteRequest manual;
    manual.fields = {{"name", "by-hand"}, {"oauth2Client", client_id}};
    REQUIRE((*target)->create("mail-accounts", manual));
    Diagnostics problems;
    world.plan(&problems);
    REQUIRE(problems.error_count() == 1);
    CHECK(problems.items()[0].message ==
          "OAuth2Client 'g' cannot be deleted: MailAccount 'by-hand' in the target still uses it");
}

TEST_CASE("select keeps a resource and what it depends on", "[diff]") {
    World world;
    world.configure(client_yaml + account_yaml("a") + account_yaml("b"));
    world.options.select = {"MailAccount/b"};
    Plan plan = world.plan();
    REQUIRE(plan.actions.size() == 2);
    CHECK(plan.actions[0].name == "g");
    CHECK(plan.actions[1].name == "b");
    CHECK(plan.selected == std::vector<std::string>{"MailAccount/b"});

    world.options.select = {"MailAccount/zzz"};
    Diagnostics problems;
    world.plan(&problems);
    CHECK(problems.items().at(0).message ==
          "--select MailAccount/zzz: no such resource in the configuration");
}
