// export never lies: what it cannot express is named and left out of the files and the state,
// and the fingerprints the state already holds are never replaced.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "state/state.hpp"
#include "support/target_under_test.hpp"

using namespace mailsync::test;

namespace {

// The target the tests seed directly, as someone using the Cloud admin UI would.
std::unique_ptr<mailsync::Target> open_seeded(TargetUnderTest& target, const TempDir& dir) {
    auto opened = target.https()
                      ? mailsync::open_target(target.server().url(), target.server().options())
                      : mailsync::open_target("sqlite:" + dir.file(".mailsync/target.db"));
    REQUIRE(opened);
    return std::move(*opened);
}

// Creates an object with a password in the target; its id.
std::string seed(mailsync::Target& api, const std::string& collection, nlohmann::json fields) {
    mailsync::WriteRequest request;
    request.fields = std::move(fields);
    request.secrets.emplace_back("password", mailsync::SecretValue("seeded-password-31f0"));
    auto created = api.create(collection, request);
    REQUIRE(created);
    return created->id;
}

// A mailbox mailsync can express, so that export has something to write.
nlohmann::json good_account() {
    return {{"name", "good-box"},  {"serviceProvider", "General IMAP4 service"},
            {"encryption", "SSL"}, {"host", "imap.example.com"},
            {"port", 993},         {"username", "good@example.com"},
            {"folder", "INBOX"},   {"status", "Active"},
            {"timeout", 30}};
}

// The arguments of a run against the seeded target; sqlite: names the file the tests seeded.
std::vector<std::string> against(const TargetUnderTest& target, const TempDir& dir,
                                 std::vector<std::string> args) {
    if (!target.https()) {
        args.push_back("--target");
        args.push_back("sqlite:" + dir.file(".mailsync/target.db"));
    }
    return args;
}

struct BadObject {
    std::string collection; // "smtp-connections"
    nlohmann::json fields;
    std::string kind;   // "SmtpConnection"
    std::string reason; // what export says about it, after the id
};

// Seeds a good account and `bad`, exports into cloud/ and checks the promise of export: the bad
// object is named with its reason and exit 1, it is in no file and not managed in the state, the
// folder validates, and its plan shows no changes, so no later apply deletes the bad object.
void check_left_out(TargetUnderTest& target, const BadObject& bad) {
    TempDir dir;
    std::unique_ptr<mailsync::Target> api = open_seeded(target, dir);
    seed(*api, "mail-accounts", good_account());
    std::string bad_id = seed(*api, bad.collection, bad.fields);
    std::string bad_name = bad.fields["name"];
    RunOptions in = target.in(dir);

    ProcessResult exported =
        run_mailsync(against(target, dir, {"export", "--out", "cloud", "--config", "cloud"}), in);
    INFO(exported.out << exported.err);
    CHECK(exported.exit_code == 1);
    CHECK(exported.err == "error: cannot export " + bad.kind + " '" + bad_name + "' (id " + bad_id +
                              "): " + bad.reason + "\n");
    CHECK(exported.out.starts_with("Exported 1 mail account from "));

    std::map<std::string, std::string> variables = fill_env_example(dir.file("cloud/.env.example"));
    CHECK(variables == std::map<std::string, std::string>{
                           {"MAIL_GOOD_BOX_PASSWORD", "filled-MAIL_GOOD_BOX_PASSWORD"}});
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.file("cloud"))) {
        if (entry.is_regular_file())
            CHECK(read_file(entry.path().string()).find(bad_name) == std::string::npos);
    }
    for (const auto& [name, value] : variables)
        in.env[name] = value;
    ProcessResult validated = run_mailsync({"validate", "cloud"}, in);
    INFO(validated.out << validated.err);
    CHECK(validated.exit_code == 0);

    ProcessResult planned =
        run_mailsync(against(target, dir, {"plan", "--detailed-exitcode", "cloud"}), in);
    INFO(planned.out << planned.err);
    CHECK(planned.exit_code == 0);
    CHECK(planned.out.find("No changes. The target matches the configuration.") !=
          std::string::npos);
    CHECK(planned.out.find("In the target but not managed by mailsync (left alone):\n    " +
                           bad.kind + " " + bad_name + "\n") != std::string::npos);

    // The state export recorded manages the good object only.
    std::string target_spec =
        target.https() ? target.describe() : "sqlite:" + dir.file(".mailsync/target.db");
    auto state =
        mailsync::StateStore::open(mailsync::default_state_for(dir.file("cloud"), target_spec));
    REQUIRE(state);
    auto managed = state->managed();
    REQUIRE(managed);
    REQUIRE(managed->size() == 1);
    CHECK(managed->front().name == "good-box");

    bool still_there = false;
    for (const mailsync::TargetObject& object : target.objects(dir, bad.collection))
        still_there = still_there || object.id == bad_id;
    CHECK(still_there);
}

} // namespace

TEST_CASE("export leaves out an object whose name mailsync's rules refuse", "[cli][export]") {
    FOR_EACH_TARGET(target);
    check_left_out(target, {"mail-accounts",
                            {{"name", "Sales/EU"},
                             {"serviceProvider", "General IMAP4 service"},
                             {"encryption", "SSL"},
                             {"host", "imap.example.com"},
                             {"port", 993},
                             {"username", "sales@example.com"},
                             {"folder", "INBOX"},
                             {"status", "Active"}},
                            "MailAccount",
                            "metadata.name must be 1 to 128 letters, digits, spaces or . _ - @, "
                            "starting and ending with a letter or digit, not 'Sales/EU'"});
}

// A server that keeps schemas/target-api.yaml refuses such objects (fromAddress is required,
// oauth2Client must name a client); the embedded target holds them, and so may an older server.
TEST_CASE("export leaves out an SMTP connection without a From address", "[cli][export]") {
    TargetUnderTest target("sqlite");
    check_left_out(target, {"smtp-connections",
                            {{"name", "no-from"},
                             {"serviceProvider", "Custom SMTP server"},
                             {"encryption", "STARTTLS"},
                             {"host", "smtp.example.com"},
                             {"port", 587},
                             {"username", "no-from"}},
                            "SmtpConnection",
                            "missing required field 'fromAddress' in spec"});
}

TEST_CASE("export leaves out a mail account whose OAuth2 client is not in the target",
          "[cli][export]") {
    TargetUnderTest target("sqlite");
    check_left_out(target, {"mail-accounts",
                            {{"name", "orphan"},
                             {"serviceProvider", "GMail/GSuite with OAuth2"},
                             {"encryption", "SSL"},
                             {"host", "imap.gmail.com"},
                             {"port", 993},
                             {"username", "o@example.com"},
                             {"oauth2Client", "oa-gone"}},
                            "MailAccount",
                            "its OAuth2 client (id oa-gone) is not in the target"});
}

TEST_CASE("export leaves out a POP3 account that sends its password unencrypted", "[cli][export]") {
    FOR_EACH_TARGET(target);
    check_left_out(target, {"mail-accounts",
                            {{"name", "pop-plain"},
                             {"serviceProvider", "General POP3 service"},
                             {"encryption", "None"},
                             {"host", "pop.example.com"},
                             {"port", 110},
                             {"username", "pop@example.com"},
                             {"status", "Active"}},
                            "MailAccount",
                            "credentials would be sent in clear over encryption none; use ssl or "
                            "starttls, or set allowPlaintextAuth: true"});
}

TEST_CASE("export keeps the fingerprints the state holds, so a rotated secret is still planned",
          "[cli][export]") {
    FOR_EACH_TARGET(target);
    TempDir dir;
    write_config(dir.file("config"), {1, 3, 1});
    RunOptions in = target.in(dir);
    REQUIRE(run_mailsync({"apply", "--auto-approve", "config"}, in).exit_code == 0);

    // Exported into another folder, adopted into the state the configuration applied with.
    ProcessResult exported = run_mailsync({"export", "--out", "adopted", "--config", "config"}, in);
    INFO(exported.out << exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK(exported.err.empty()); // the secrets kept are not reported as changing
    CHECK(exported.out.find("5 secrets to fill in: see adopted/.env.example.\n5 of them keep the "
                            "fingerprint the state held, so plan compares them with the value "
                            "filled in.\n") != std::string::npos);

    // Filled in with the values the configuration has, the adopted folder plans clean against
    // that state: it compares them, it does not take them on trust.
    RunOptions adopted = in;
    for (const auto& [name, value] : fill_env_example(dir.file("adopted/.env.example"))) {
        std::string source = name.ends_with("CLIENT_SECRET")   ? "TEST_CLIENT_SECRET"
                             : name.ends_with("REFRESH_TOKEN") ? "TEST_REFRESH_TOKEN"
                                                               : "TEST_PASSWORD";
        adopted.env[name] = in.env.at(source);
    }
    std::vector<std::string> plan_adopted{
        "plan", "--detailed-exitcode", "adopted", "--state",
        mailsync::default_state_for("config", target.https() ? target.describe() : "")};
    if (!target.https()) {
        plan_adopted.push_back("--target");
        plan_adopted.push_back("sqlite:config/.mailsync/target.db");
    }
    ProcessResult clean = run_mailsync(plan_adopted, adopted);
    INFO(clean.out << clean.err);
    CHECK(clean.exit_code == 0);
    CHECK(clean.out.find("No changes. The target matches the configuration.") != std::string::npos);
    CHECK(clean.out.find("adopted by 'mailsync export'") == std::string::npos);

    // The password is rotated in the original configuration: plan still sees it.
    in.env["TEST_PASSWORD"] = "rotated-password-8c1d";
    ProcessResult rotated = run_mailsync({"plan", "--detailed-exitcode", "config"}, in);
    INFO(rotated.out << rotated.err);
    CHECK(rotated.exit_code == 2);
    CHECK(rotated.out.find("Plan: 0 to create, 2 to update, 0 to delete, 3 unchanged.") !=
          std::string::npos);
    CHECK(rotated.out.find("~ MailAccount box-0\n      Password: (sensitive, changed)\n") !=
          std::string::npos);
    CHECK(rotated.out.find("~ SmtpConnection out-0\n      Password: (sensitive, changed)\n") !=
          std::string::npos);
}

TEST_CASE("export's closing hint is a plan that finds every exported object managed",
          "[cli][export]") {
    // No --config: with a target given by variable the state goes below the written folder,
    // where plan of that folder looks; with the default target the hint names target and state.
    FOR_EACH_TARGET(target);
    TempDir dir;
    std::unique_ptr<mailsync::Target> api = open_seeded(target, dir);
    seed(*api, "mail-accounts", good_account());
    RunOptions in = target.in(dir);
    ProcessResult exported = run_mailsync({"export", "--out", "cloud"}, in);
    INFO(exported.out << exported.err);
    REQUIRE(exported.exit_code == 0);
    std::size_t from = exported.out.find("'mailsync plan ");
    std::size_t to = exported.out.find("' shows what differs.");
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    std::string hint = exported.out.substr(from + 1, to - from - 1);
    CHECK(hint.ends_with(" cloud"));
    if (target.https())
        CHECK(hint == "mailsync plan cloud");

    for (const auto& [name, value] : fill_env_example(dir.file("cloud/.env.example")))
        in.env[name] = value;
    std::vector<std::string> args{"--detailed-exitcode"};
    std::istringstream words(hint.substr(std::string("mailsync ").size()));
    for (std::string word; words >> word;)
        args.insert(word == "plan" ? args.begin() : args.end(), word);
    ProcessResult planned = run_mailsync(args, in);
    INFO(planned.out << planned.err);
    CHECK(planned.exit_code == 0);
    CHECK(planned.out.find("No changes. The target matches the configuration.") !=
          std::string::npos);
    CHECK(planned.out.find("not managed") == std::string::npos);
}

TEST_CASE("export with --target says to plan with it again, and binds its state to that target",
          "[cli][export]") {
    TempDir dir;
    auto opened = mailsync::open_target("sqlite:" + dir.file("cloud.db"));
    REQUIRE(opened);
    seed(**opened, "mail-accounts", good_account());
    RunOptions in;
    in.cwd = dir.path();
    in.unset_env = {"MAILSYNC_TARGET", "MAILSYNC_STATE"};
    ProcessResult exported =
        run_mailsync({"export", "--target", "sqlite:cloud.db", "--out", "adopted"}, in);
    INFO(exported.out << exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK(exported.out.find("'mailsync plan --target sqlite:cloud.db adopted' shows what "
                            "differs.") != std::string::npos);
    for (const auto& [name, value] : fill_env_example(dir.file("adopted/.env.example")))
        in.env[name] = value;
    ProcessResult planned =
        run_mailsync({"plan", "--detailed-exitcode", "--target", "sqlite:cloud.db", "adopted"}, in);
    INFO(planned.out << planned.err);
    CHECK(planned.exit_code == 0);

    // That state is the target's now: an export from another target into it is refused, and
    // no file is written.
    auto other = mailsync::open_target("sqlite:" + dir.file("other.db"));
    REQUIRE(other);
    seed(**other, "mail-accounts", good_account());
    ProcessResult mixed =
        run_mailsync({"export", "--target", "sqlite:other.db", "--state",
                      "adopted/.mailsync/sqlite-cloud.db.state.db", "--out", "second"},
                     in);
    CHECK(mixed.exit_code == 1);
    CHECK(mixed.err.find("belongs to sqlite:cloud.db, not sqlite:other.db") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.file("second")));
}
