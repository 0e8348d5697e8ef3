// `mailsync apply [PLANFILE | PATH...]`: makes the target match, in dependency order.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <unistd.h>

#include <fmt/format.h>

#include "apply/executor.hpp"
#include "cli/commands.hpp"
#include "cli/live.hpp"
#include "cli/migrations.hpp"
#include "plan/plan_file.hpp"
#include "plan/render.hpp"
#include "util/terminal.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace {

struct ApplyCliOptions {
    SessionOptions session;
    std::string mapping;
    bool auto_approve = false;
    std::size_t parallelism = 10;
    bool skip_live_tests = false;
};

// Why a saved plan no longer holds: the configuration, a secret or the target moved.
std::vector<std::string> staleness(const Plan& plan, const Session& session,
                                   const MappingProfile& profile) {
    std::vector<std::string> reasons;
    if (config_digest(session.loaded) != plan.config_digest)
        reasons.push_back("the configuration files changed since the plan was made");
    std::map<FingerprintKey, SecretValue> secrets = secret_values(session.loaded.config, profile);
    for (const PlannedAction& action : plan.actions) {
        for (const SecretSlot& slot : action.secrets) {
            auto value = secrets.find(FingerprintKey{action.kind, action.name, slot.key});
            if (value == secrets.end() ||
                session.state->fingerprint(value->second) != slot.fingerprint)
                reasons.push_back(fmt::format("the secret {} of {} '{}' changed since the plan",
                                              slot.label, kind_name(action.kind), action.name));
        }
        auto listing = session.snapshot.collections.find(action.collection);
        const TargetObject* by_id = nullptr;
        const TargetObject* by_name = nullptr;
        if (listing != session.snapshot.collections.end()) {
            for (const TargetObject& object : listing->second) {
                if (object.id == action.target_id)
                    by_id = &object;
                if (object.name() == action.name)
                    by_name = &object;
            }
        }
        std::string subject = fmt::format("{} '{}'", kind_name(action.kind), action.name);
        if (action.type == ActionType::create && by_name != nullptr)
            reasons.push_back(fmt::format("{} now exists in the target", subject));
        bool needs_object = action.type == ActionType::update ||
                            action.type == ActionType::remove ||
                            (action.type == ActionType::noop && action.adopt);
        if (needs_object && by_id == nullptr)
            reasons.push_back(fmt::format("{} is gone from the target", subject));
        else if (needs_object && by_id->version != action.seen_version)
            reasons.push_back(fmt::format("{} changed in the target (version {}, the plan saw {})",
                                          subject, by_id->version, action.seen_version));
    }
    return reasons;
}

// Tests every connection and client the plan creates or updates; false (with the results
// printed) when one fails, so that nothing is written.
bool live_tests_pass(const Plan& plan, const Config& config, Context& context) {
    std::set<std::pair<Kind, std::string>> written;
    for (const PlannedAction& action : plan.actions) {
        if (action.type == ActionType::create || action.type == ActionType::update)
            written.emplace(action.kind, action.name);
    }
    if (written.empty())
        return true;
    LiveOptions live;
    std::optional<std::vector<ProbeResult>> results =
        run_live_tests(config, live, [&written](Kind kind, const std::string& name) {
            return written.contains({kind, name});
        });
    if (!results) {
        context.exit_code = 1;
        return false;
    }
    if (all_passed(*results)) {
        fmt::print("Live tests passed for the {} resource{} about to be written.\n",
                   results->size(), results->size() == 1 ? "" : "s");
        return true;
    }
    print_probe_table(*results, live, context);
    fmt::print(stderr, "error: live connection tests failed; nothing was written. Fix the "
                       "resources above, or pass --skip-live-tests to apply without testing.\n");
    context.exit_code = 1;
    return false;
}

bool confirm(const ApplyCliOptions& options, Context& context) {
    if (options.auto_approve)
        return true;
    if (isatty(0) != 1) {
        fmt::print(stderr, "error: apply asks for confirmation on a terminal; without one, pass "
                           "--auto-approve\n");
        context.exit_code = 1;
        return false;
    }
    fmt::print("\nApply these changes? Only 'yes' is accepted: ");
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") {
        fmt::print("Apply cancelled; nothing was changed.\n");
        context.exit_code = 1;
        return false;
    }
    return true;
}

void report(const Plan& plan, const ApplyReport& result, const Target& target, Context& context) {
    for (const std::string& line : target.report())
        fmt::print(stderr, "note: {}\n", line);
    for (std::size_t i = 0; i < plan.actions.size(); ++i) {
        const ActionResult& outcome = result.results[i];
        const PlannedAction& action = plan.actions[i];
        if (outcome.outcome == Outcome::failed || outcome.outcome == Outcome::skipped)
            fmt::print(stderr, "  {} {} {} '{}': {}\n",
                       outcome.outcome == Outcome::failed ? "FAILED " : "SKIPPED",
                       action_name(action.type), kind_name(action.kind), action.name,
                       outcome.message);
    }
    if (result.ok()) {
        fmt::print("Apply complete: {}.\n", describe(result));
    } else {
        fmt::print("Apply incomplete: {}.\nRun apply again once the cause is fixed; it "
                   "continues where this run stopped.\n",
                   describe(result));
        context.exit_code = 1;
    }
}

void run_apply(ApplyCliOptions& options, Context& context) {
    std::optional<MappingProfile> profile = load_mapping_or_report(options.mapping, context);
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    std::optional<Plan> saved;
    if (options.session.paths.size() == 1 && is_plan_file(options.session.paths.front())) {
        Result<Plan> plan = read_plan_file(options.session.paths.front());
        if (!plan) {
            fmt::print(stderr, "error: {}\n", plan.error().message);
            context.exit_code = 1;
            return;
        }
        if (plan->mapping != profile->name) {
            fmt::print(stderr, "error: the plan was made with mapping '{}'; pass --mapping {}\n",
                       plan->mapping, plan->mapping);
            context.exit_code = 1;
            return;
        }
        options.session.paths = plan->paths;
        options.session.select.clear();
        for (const std::string& item : plan->selected)
            options.session.select.push_back(item);
        saved = std::move(*plan);
    }

    std::vector<std::string> migration_names = take_migration_items(options.session.select);
    bool only_migrations = !migration_names.empty() && options.session.select.empty();
    Session session = open_session(options.session, *profile);
    if (!session_open(session)) {
        print_session_problems(session, context);
        context.exit_code = 1;
        return;
    }
    if (saved && session.target->describe() != saved->target) {
        fmt::print(stderr, "error: the plan is for target {}, not {}\n", saved->target,
                   session.target->describe());
        context.exit_code = 1;
        return;
    }
    std::string run_id = new_run_id();
    std::string taken_over;
    if (auto locked = session.state->lock(run_id, &taken_over); !locked) {
        fmt::print(stderr, "error: {}\n", locked.error().message);
        context.exit_code = 1;
        return;
    }
    if (!taken_over.empty())
        fmt::print(stderr, "warning: took over the lock of {}, which is no longer running\n",
                   taken_over);
    auto unlock = [&] { (void)session.state->unlock(run_id); };

    plan_session(session, options.session, *profile);
    print_session_problems(session, context);
    if (!session.planned) {
        context.exit_code = 1;
        return unlock();
    }
    Plan plan = std::move(session.plan);
    if (saved) {
        std::vector<std::string> reasons = staleness(*saved, session, *profile);
        if (!reasons.empty()) {
            fmt::print(stderr, "error: the saved plan is stale:\n");
            for (const std::string& reason : reasons)
                fmt::print(stderr, "  - {}\n", reason);
            fmt::print(stderr, "Run mailsync plan again.\n");
            context.exit_code = 1;
            return unlock();
        }
        plan = std::move(*saved);
    } else {
        fmt::print("{}", render_text(plan, !context.no_color && use_color(1)));
    }
    std::vector<std::string> unknown;
    std::vector<const MailboxMigration*> migrations =
        filter_migrations(session.loaded.config, migration_names, unknown);
    for (const std::string& name : unknown)
        fmt::print(stderr, "error: --select MailboxMigration/{}: no such migration\n", name);
    if (!unknown.empty()) {
        context.exit_code = 1;
        return unlock();
    }
    bool changes =
        !only_migrations && (plan.counts().has_changes() ||
                             std::any_of(plan.actions.begin(), plan.actions.end(),
                                         [](const PlannedAction& action) { return action.adopt; }));
    if (!changes && migrations.empty()) {
        if (saved)
            fmt::print("The plan has no changes.\n");
        return unlock();
    }
    if (!migrations.empty()) {
        std::vector<std::string> names;
        for (const MailboxMigration* migration : migrations)
            names.push_back(migration->meta.name);
        fmt::print("Mailbox migrations to run (they copy what is missing and delete nothing): "
                   "{}.\n",
                   join(names, ", "));
    }
    if (changes && !options.skip_live_tests &&
        !live_tests_pass(plan, session.loaded.config, context))
        return unlock();
    if (!saved && !confirm(options, context))
        return unlock();
    if (!changes) {
        if (!run_migrations(migrations, session.loaded.config, *session.state, options.parallelism,
                            context))
            context.exit_code = 1;
        return unlock();
    }

    std::map<FingerprintKey, SecretValue> secrets = secret_values(session.loaded.config, *profile);
    ApplyOptions apply_options;
    apply_options.parallelism = options.parallelism;
    bool color = !context.no_color && use_color(1);
    apply_options.progress = [color](const PlannedAction& action, TaskStatus status,
                                     const std::string&) {
        if (status != TaskStatus::completed)
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
    report(plan, result, *session.target, context);
    if (!run_migrations(migrations, session.loaded.config, *session.state, options.parallelism,
                        context))
        context.exit_code = 1;
    unlock();
}

} // namespace

void add_apply_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<ApplyCliOptions>();
    CLI::App* command = app.add_subcommand(
        "apply", "Make the target match: a saved plan exactly, or plan and apply after "
                 "confirmation");
    command->add_option("paths", options->session.paths,
                        "A plan file from 'plan --out', or files and folders of YAML");
    add_target_options(*command, options->session);
    add_state_option(*command, options->session.state);
    add_mapping_option(*command, options->mapping);
    command->add_option("--select", options->session.select,
                        "Only KIND/NAME and what it depends on (repeatable)");
    command->add_flag("--auto-approve", options->auto_approve,
                      "Apply without asking (needed when not on a terminal, as in CI)");
    command
        ->add_option("--parallelism", options->parallelism,
                     "Independent actions run at once; mailboxes copied at once")
        ->check(CLI::Range(1, 256))
        ->default_val(10);
    command
        ->add_flag("--skip-live-tests", options->skip_live_tests,
                   "Do not test the connections about to be created or updated before writing")
        ->envname("MAILSYNC_SKIP_LIVE_TESTS");
    command->footer("Exit codes: 0 applied (or nothing to do); 1 errors, a stale plan, a held "
                    "lock, a failed live test, a refused confirmation, or actions that failed or "
                    "were skipped.");
    command->callback([options, &context] { run_apply(*options, context); });
}

} // namespace mailsync::cli
