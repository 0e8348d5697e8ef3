// `mailsync apply [PLANFILE | PATH...]`: makes the target match, in dependency order.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apply/executor.hpp"
#include "cli/commands.hpp"
#include "cli/endpoints.hpp"
#include "cli/live.hpp"
#include "cli/migrations.hpp"
#include "plan/plan_file.hpp"
#include "plan/render.hpp"
#include "plan/saved_plan.hpp"
#include "state/state_location.hpp"
#include "trust/load.hpp"
#include "trust/review.hpp"
#include "util/terminal.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace {

struct ApplyCliOptions {
    SessionOptions session;
    SettingsFlags settings;
    bool auto_approve = false;
    std::size_t parallelism = 10;
    bool skip_live_tests = false;
    std::string format = "text";
    bool just_folders = false; // --justfolders
};

// What apply --format json prints (schemas/apply.schema.json): filled as the run goes.
struct JsonReport {
    bool enabled = false;
    nlohmann::ordered_json out;

    void print() const {
        if (enabled)
            fmt::print("{}\n", out.dump(2));
    }
};

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
    case Outcome::completed:
        return "completed";
    case Outcome::failed:
        return "failed";
    case Outcome::skipped:
        return "skipped";
    case Outcome::unchanged:
        break;
    }
    return "unchanged";
}

// Prints why a saved plan is refused: the first differences, and how many more there are.
void print_stale(const std::string& file, const std::vector<std::string>& differences) {
    constexpr std::size_t shown = 20;
    fmt::print(stderr, "error: the saved plan {} is stale; a plan made now differs:\n", file);
    for (std::size_t i = 0; i < differences.size() && i < shown; ++i)
        fmt::print(stderr, "  - {}\n", differences[i]);
    if (differences.size() > shown)
        fmt::print(stderr, "  ... and {} more\n", differences.size() - shown);
    fmt::print(stderr, "Nothing was written. Run mailsync plan again and review it.\n");
}

// Tests every connection and client the plan creates or updates; false (with the results
// printed) when one fails, so that nothing is written.
bool live_tests_pass(const Plan& plan, const Config& config, const TrustPolicy& policy,
                     Context& context, JsonReport& json) {
    std::set<std::pair<Kind, std::string>> written;
    for (const PlannedAction& action : plan.actions) {
        if (action.type == ActionType::create || action.type == ActionType::update)
            written.emplace(action.kind, action.name);
    }
    if (written.empty())
        return true;
    LiveOptions live;
    std::optional<std::vector<ProbeResult>> results =
        run_live_tests(config, live, policy, [&written](Kind kind, const std::string& name) {
            return written.contains({kind, name});
        });
    if (!results) {
        context.exit_code = 1;
        return false;
    }
    if (all_passed(*results)) {
        if (!json.enabled)
            fmt::print("Live tests passed for the {} resource{} about to be written.\n",
                       results->size(), results->size() == 1 ? "" : "s");
        return true;
    }
    if (json.enabled) {
        json.out["result"] = "refused";
        json.out["live_tests"] = probe_json(*results, false);
    } else {
        print_probe_table(*results, live, context);
    }
    fmt::print(stderr, "error: live connection tests failed; nothing was written. Fix the "
                       "resources above, or pass --skip-live-tests to apply without testing.\n");
    context.exit_code = 1;
    return false;
}

// The bindings of what this apply writes or copies that the policy allows: recorded in the
// state as bound, so that later tests from pull requests may use them.
std::vector<SecretBinding> applied_bindings(const Plan& plan,
                                            const std::vector<const MailboxMigration*>& migrations,
                                            const Config& config, const TrustPolicy& policy) {
    std::set<std::pair<Kind, std::string>> applied;
    for (const PlannedAction& action : plan.actions) {
        if (action.type != ActionType::remove)
            applied.emplace(action.kind, action.name);
    }
    // A route is refused for its secret and endpoint alone, so each is judged as it comes, and
    // only distinct bindings are kept.
    std::set<SecretBinding> bindings;
    auto keep = [&](const SecretRoute& route) {
        if (!route.well_known && !refusal_of(route, policy))
            bindings.emplace(route.secret, route.endpoint.text());
    };
    for_each_route(config, [&](SecretRoute&& route) {
        if (applied.contains({route.kind, route.name}))
            keep(route);
    });
    for (const MailboxMigration* migration : migrations) {
        for (const SecretRoute& route : migration_routes(*migration, config))
            keep(route);
    }
    return {bindings.begin(), bindings.end()};
}

bool confirm(const ApplyCliOptions& options, Context& context, JsonReport& json) {
    if (options.auto_approve)
        return true;
    if (isatty(0) != 1) {
        fmt::print(stderr, "error: apply asks for confirmation on a terminal; without one, pass "
                           "--auto-approve\n");
        context.exit_code = 1;
        return false;
    }
    // With --format json, stdout is the report's alone.
    std::FILE* prompt = json.enabled ? stderr : stdout;
    fmt::print(prompt, "\nApply these changes? Only 'yes' is accepted: ");
    std::fflush(prompt);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") {
        fmt::print(prompt, "Apply cancelled; nothing was changed.\n");
        json.out["result"] = "cancelled";
        context.exit_code = 1;
        return false;
    }
    return true;
}

void report(const Plan& plan, const ApplyReport& result, const Target& target, Context& context,
            JsonReport& json) {
    for (const std::string& line : target.report())
        fmt::print(stderr, "note: {}\n", line);
    if (!result.state_error.empty())
        fmt::print(stderr, "error: the state could not record the run: {}\n", result.state_error);
    for (std::size_t i = 0; i < plan.actions.size(); ++i) {
        const ActionResult& outcome = result.results[i];
        const PlannedAction& action = plan.actions[i];
        if (outcome.outcome == Outcome::failed || outcome.outcome == Outcome::skipped)
            fmt::print(stderr, "  {} {} {} '{}': {}\n",
                       outcome.outcome == Outcome::failed ? "FAILED " : "SKIPPED",
                       action_name(action.type), kind_name(action.kind), action.name,
                       outcome.message);
    }
    if (json.enabled) {
        json.out["result"] = result.ok() ? "applied" : "incomplete";
        json.out["summary"] = {{"created", result.created}, {"updated", result.updated},
                               {"deleted", result.deleted}, {"adopted", result.adopted},
                               {"failed", result.failed},   {"skipped", result.skipped}};
        nlohmann::ordered_json actions = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < plan.actions.size(); ++i) {
            const PlannedAction& action = plan.actions[i];
            nlohmann::ordered_json item;
            item["action"] = action_name(action.type);
            item["kind"] = kind_name(action.kind);
            item["name"] = action.name;
            item["outcome"] = outcome_name(result.results[i].outcome);
            item["message"] = result.results[i].message;
            actions.push_back(std::move(item));
        }
        json.out["actions"] = std::move(actions);
        if (!result.ok())
            context.exit_code = 1;
    } else if (result.ok()) {
        fmt::print("Apply complete: {}.\n", describe(result));
    } else {
        fmt::print("Apply incomplete: {}.\nRun apply again once the cause is fixed; it "
                   "continues where this run stopped.\n",
                   describe(result));
        context.exit_code = 1;
    }
}

void run_apply(ApplyCliOptions& options, Context& context, JsonReport& json) {
    std::optional<Plan> saved;
    std::string saved_file;
    if (!options.session.paths.empty() && is_plan_file(options.session.paths.front())) {
        saved_file = options.session.paths.front();
        Result<Plan> plan = read_plan_file(saved_file);
        if (!plan) {
            fmt::print(stderr, "error: {}\n", plan.error().message);
            context.exit_code = 1;
            return;
        }
        // The configuration named after PLANFILE, else the plan's paths if they stay here.
        std::vector<std::string> given(options.session.paths.begin() + 1,
                                       options.session.paths.end());
        Result<std::vector<std::string>> paths = saved_plan_config_paths(*plan, given);
        if (!paths) {
            fmt::print(stderr, "error: {}\n", paths.error().message);
            context.exit_code = 1;
            return;
        }
        options.session.paths = std::move(*paths);
        options.session.select = plan->selected;
        options.session.replace = plan->replaced;
        options.session.replace_secrets = plan->replace_secrets;
        saved = std::move(*plan);
    }
    std::optional<RunSettings> settings =
        resolve_settings_or_report(options.session.paths, options.settings, context);
    std::optional<MappingProfile> profile =
        settings ? load_mapping_or_report(settings->mapping.value, context) : std::nullopt;
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    if (saved && saved->mapping != profile->name) {
        fmt::print(stderr, "error: the plan was made with mapping '{}'; pass --mapping {}\n",
                   saved->mapping, saved->mapping);
        context.exit_code = 1;
        return;
    }
    use_settings(*settings, options.session);
    options.session.bind_state = true;

    Session session = open_session(options.session, *profile);
    if (!session_open(session)) {
        print_session_problems(session, context);
        context.exit_code = 1;
        return;
    }
    std::string run_id = new_run_id();
    std::string taken_over;
    if (auto locked =
            session.state->lock(run_id, &taken_over, lock_wait(options.session.lock_timeout));
        !locked) {
        fmt::print(stderr, "error: {}\n", locked.error().message);
        context.exit_code = 1;
        return;
    }
    if (!taken_over.empty())
        fmt::print(stderr, "warning: took over the lock of {}, which is no longer running\n",
                   taken_over);
    json.out["run_id"] = run_id;
    json.out["target"] = session.target->describe();
    json.out["environment"] = options.session.environment
                                  ? nlohmann::ordered_json(*options.session.environment)
                                  : nlohmann::ordered_json();
    json.out["state"] = redact_state_url(options.session.state);
    json.out["saved_plan"] = saved.has_value();
    json.out["result"] = "no-changes";
    json.out["summary"] = nlohmann::ordered_json::object();
    json.out["actions"] = nlohmann::ordered_json::array();
    json.out["migrations"] = nlohmann::ordered_json::array();
    auto unlock = [&] { (void)session.state->unlock(run_id); };

    plan_session(session, options.session, *profile);
    print_session_problems(session, context);
    if (!session.planned) {
        context.exit_code = 1;
        return unlock();
    }
    Plan plan = std::move(session.plan);
    // apply runs after review, so it may send secrets to endpoints not recorded yet, unless
    // MAILSYNC_ALLOWED_HOSTS limits it; it records the endpoints of what it applies.
    Result<TrustPolicy> policy = trust_policy(options.session.env, &*session.state, true);
    if (!policy) {
        fmt::print(stderr, "error: {}\n", policy.error().message);
        context.exit_code = 1;
        return unlock();
    }
    if (saved) {
        // The saved plan is only a claim: the fresh plan is what runs, if the two agree.
        std::vector<std::string> differences =
            saved_plan_differences(*saved, plan, session.snapshot, *profile);
        if (!differences.empty()) {
            print_stale(saved_file, differences);
            json.out["result"] = "stale";
            json.out["reasons"] = differences;
            json.print();
            context.exit_code = 1;
            return unlock();
        }
    } else if (!json.enabled) {
        // What confirming would bind is shown before the question.
        render_text(plan, !context.no_color && use_color(1),
                    [](std::string_view piece) { fmt::print("{}", piece); });
        std::vector<std::string> unknown; // said below, where the migrations are run
        auto covered = covered_by_selection(
            plan, selected_migrations(session.loaded.config, options.session.select, unknown),
            !options.session.select.empty());
        fmt::print("{}", render_new_routes(unbound_routes(session.loaded.config, *policy,
                                                          covered ? &*covered : nullptr),
                                           *policy));
    }
    auto bind = [&](const std::vector<const MailboxMigration*>& migrations) {
        if (auto bound = session.state->bind_secrets(
                applied_bindings(plan, migrations, session.loaded.config, *policy));
            !bound)
            fmt::print(stderr, "warning: the endpoints of the secrets were not recorded: {}\n",
                       bound.error().message);
    };
    if (std::size_t deletes = plan.counts().remove;
        deletes > options.session.ownership.max_deletes) {
        std::string message =
            fmt::format("this plan deletes {} object{}, more than the {} that {} allows{}; "
                        "review every deletion, then run again with --max-deletes {}",
                        deletes, deletes == 1 ? "" : "s", options.session.ownership.max_deletes,
                        options.session.ownership.max_deletes_from,
                        options.session.ownership.max_deletes_from == "the default"
                            ? std::string()
                            : fmt::format(" (the default is {})", default_max_deletes),
                        deletes);
        if (!json.enabled)
            fmt::print(stderr, "error: {}\n", message);
        json.out["result"] = "refused";
        json.out["reasons"] = std::vector<std::string>{message};
        json.print();
        context.exit_code = 1;
        return unlock();
    }
    std::vector<std::string> unknown;
    std::vector<const MailboxMigration*> migrations =
        selected_migrations(session.loaded.config, options.session.select, unknown);
    for (const std::string& name : unknown)
        fmt::print(stderr, "error: --select MailboxMigration/{}: no such migration\n", name);
    if (!unknown.empty()) {
        context.exit_code = 1;
        return unlock();
    }
    bool changes = plan.counts().has_changes() ||
                   std::any_of(plan.actions.begin(), plan.actions.end(),
                               [](const PlannedAction& action) { return action.adopt; });
    if (!changes && migrations.empty()) {
        bind(migrations); // the applied configuration's endpoints, recorded even when unchanged
        if (saved && !json.enabled)
            fmt::print("The plan has no changes.\n");
        json.print();
        return unlock();
    }
    if (!migrations.empty() && !json.enabled) {
        std::vector<std::string> names;
        for (const MailboxMigration* migration : migrations)
            names.push_back(migration->meta.name);
        fmt::print("Mailbox migrations to run (they copy what is missing and delete nothing): "
                   "{}.\n",
                   join(names, ", "));
    }
    std::vector<MigrationRunResult> migration_results;
    std::vector<MigrationRunResult>* collect = json.enabled ? &migration_results : nullptr;
    auto copy_mailboxes = [&] {
        MigrationOptions copy;
        copy.just_folders = options.just_folders;
        if (!run_migrations(migrations, session.loaded.config, *session.state, options.parallelism,
                            *policy, context, collect, copy))
            context.exit_code = 1;
        if (json.enabled) {
            json.out["migrations"] = migration_results_json(migration_results);
            if (context.exit_code != 0 && json.out["result"] != "incomplete")
                json.out["result"] = "incomplete";
            else if (json.out["result"] == "no-changes")
                json.out["result"] = "applied";
        }
    };
    if (changes && !options.skip_live_tests &&
        !live_tests_pass(plan, session.loaded.config, *policy, context, json)) {
        json.print();
        return unlock();
    }
    if (!saved && !confirm(options, context, json)) {
        json.print();
        return unlock();
    }
    bind(migrations);
    if (!changes) {
        copy_mailboxes();
        json.print();
        return unlock();
    }

    // What each action changes was for the reader, who has seen it; the writes need only the
    // fields and secrets, and 100,000 creates need not carry both while they run.
    for (PlannedAction& action : plan.actions)
        std::vector<FieldChange>().swap(action.changes);
    std::map<FingerprintKey, SecretValue> secrets = secret_values(session.loaded.config, *profile);
    ApplyOptions apply_options;
    apply_options.parallelism = options.parallelism;
    bool color = !context.no_color && use_color(1);
    bool quiet = json.enabled;
    apply_options.progress = [color, quiet](const PlannedAction& action, TaskStatus status,
                                            const std::string&) {
        if (status != TaskStatus::completed || quiet)
            return;
        std::string done = fmt::format("{}d", action_name(action.type));
        if (action.type == ActionType::remove)
            done = "deleted";
        else if (action.type == ActionType::noop)
            done = "adopted";
        std::string line = fmt::format("  {} {} {}", done, kind_name(action.kind), action.name);
        fmt::print("{}\n", color ? fmt::format("\x1b[2m{}\x1b[0m", line) : line);
    };
    ApplyReport result = execute_plan(plan, secrets, client_ids(session.snapshot, *profile),
                                      *session.target, *session.state, run_id, apply_options);
    report(plan, result, *session.target, context, json);
    copy_mailboxes();
    json.print();
    unlock();
}

} // namespace

void add_apply_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<ApplyCliOptions>();
    CLI::App* command = app.add_subcommand(
        "apply", "Make the target match: a saved plan exactly, or plan and apply after "
                 "confirmation");
    command->add_option(
        "paths", options->session.paths,
        "A plan file from 'plan --out' (then optionally the configuration it was made "
        "from), or files and folders of YAML");
    add_target_options(*command, options->settings, options->session);
    add_state_option(*command, options->settings);
    add_lock_timeout_option(*command, options->session.lock_timeout);
    add_mapping_option(*command, options->settings);
    add_ownership_options(*command, options->settings, options->session);
    command->add_flag("--change-scope", options->session.change_scope,
                      "Let the state take this run's scope when it recorded another (a scope "
                      "change made on purpose)");
    command
        ->add_option("--select", options->session.select,
                     "Only KIND/NAME and what it depends on; once per resource: --select A "
                     "--select B")
        ->type_name("KIND/NAME");
    command->add_flag("--auto-approve", options->auto_approve,
                      "Apply without asking (needed when not on a terminal, as in CI)");
    command
        ->add_option("--parallelism", options->parallelism,
                     "Independent actions run at once; mailboxes copied at once")
        ->check(CLI::Range(1, 256))
        ->default_val(10);
    command->add_flag("--justfolders", options->just_folders,
                      "Mailbox migrations create the folder tree at the destination only and "
                      "copy no message (plan --scan-migrations is the dry run)");
    command
        ->add_flag("--skip-live-tests", options->skip_live_tests,
                   "Do not test the connections about to be created or updated before writing")
        ->envname("MAILSYNC_SKIP_LIVE_TESTS");
    command
        ->add_option("--format", options->format,
                     "Output: text, or json (schemas/apply.schema.json) once the plan is made")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
    command->footer("Exit codes: 0 applied (or nothing to do); 1 errors, a stale plan, a held "
                    "lock, a failed live test, a refused confirmation, or actions or migrations "
                    "that failed or were skipped.");
    command->callback([options, &context] {
        JsonReport json;
        json.enabled = options->format == "json";
        json.out["format_version"] = 1;
        run_apply(*options, context, json);
    });
}

} // namespace mailsync::cli
