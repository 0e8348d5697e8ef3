// `mailsync plan [PATH...]`: what apply would change in the target, as text, JSON or markdown.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/endpoints.hpp"
#include "cli/migrations.hpp"
#include "plan/plan_file.hpp"
#include "plan/render.hpp"
#include "trust/load.hpp"
#include "trust/review.hpp"
#include "util/terminal.hpp"

namespace mailsync::cli {

namespace {

struct PlanOptions {
    SessionOptions session;
    SettingsFlags settings;
    std::string format = "text";
    std::string out;
    bool split = false;
    bool detailed_exitcode = false;
    bool scan_migrations = false;
    bool allow_new_endpoints = false;
};

void print_plan(const Plan& plan, const std::vector<MigrationPlanEntry>& migrations,
                const std::vector<SecretRoute>& routes, const TrustPolicy& policy,
                const PlanOptions& options, const Context& context) {
    if (options.format == "json") {
        auto out = plan_to_json(plan);
        if (!migrations.empty())
            out["migrations"] = migration_plan_json(migrations);
        out["new_secret_endpoints"] = new_routes_json(routes);
        fmt::print("{}\n", out.dump(2));
    } else if (options.format == "markdown") {
        std::vector<std::string> parts = render_markdown(plan, options.split);
        for (const std::string& part : parts)
            fmt::print("{}", part);
        if (!migrations.empty() || !routes.empty())
            fmt::print("\n```\n{}{}```\n", render_migration_plan(migrations, false),
                       render_new_routes(routes, policy));
    } else {
        bool color = !context.no_color && use_color(1);
        render_text(plan, color, [](std::string_view piece) { fmt::print("{}", piece); });
        fmt::print("{}", render_migration_plan(migrations, color));
        fmt::print("{}", render_new_routes(routes, policy));
    }
}

void run_plan(PlanOptions& options, Context& context) {
    std::optional<RunSettings> settings =
        resolve_settings_or_report(options.session.paths, options.settings, context);
    std::optional<MappingProfile> profile =
        settings ? load_mapping_or_report(settings->mapping.value, context) : std::nullopt;
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    use_settings(*settings, options.session);
    Session session = open_session(options.session, *profile);
    if (session_open(session))
        plan_session(session, options.session, *profile);
    print_session_problems(session, context);
    std::vector<MigrationPlanEntry> migrations;
    TrustPolicy policy;
    if (session.planned) {
        Result<TrustPolicy> loaded =
            trust_policy(options.session.env, &*session.state, options.allow_new_endpoints);
        if (loaded) {
            policy = std::move(*loaded);
            if (options.allow_new_endpoints && policy.allowlist)
                fmt::print(stderr, "{}\n", allow_new_ignored);
        } else {
            fmt::print(stderr, "error: {}\n", loaded.error().message);
            session.planned = false;
        }
    }
    if (session.planned) {
        std::vector<std::string> unknown;
        auto list = selected_migrations(session.loaded.config, options.session.select, unknown);
        for (const std::string& name : unknown)
            fmt::print(stderr, "error: --select MailboxMigration/{}: no such migration\n", name);
        if (!unknown.empty())
            session.planned = false;
        migrations = plan_migrations(list, session.loaded.config, *session.state, 8,
                                     options.scan_migrations ? &policy : nullptr);
    }
    // A migration that could not be scanned leaves the rest of the plan whole: it is rendered
    // with the error in the migration's place, and the exit code says it at the end.
    std::size_t unscanned = 0;
    for (const MigrationPlanEntry& entry : migrations) {
        if (entry.scanned && !entry.scan) {
            fmt::print(stderr, "error: MailboxMigration '{}': {}\n", entry.migration->meta.name,
                       entry.error);
            ++unscanned;
        }
    }
    if (!session.planned) {
        std::size_t errors = session.loaded.diagnostics.error_count();
        if (errors > 0)
            fmt::print(stderr, "Planning failed: {} error{}.\n", errors, errors == 1 ? "" : "s");
        else
            fmt::print(stderr, "Planning failed.\n");
        context.exit_code = 1;
        return;
    }
    std::vector<const MailboxMigration*> planned_migrations;
    for (const MigrationPlanEntry& entry : migrations)
        planned_migrations.push_back(entry.migration);
    auto covered =
        covered_by_selection(session.plan, planned_migrations, !options.session.select.empty());
    print_plan(session.plan, migrations,
               unbound_routes(session.loaded.config, policy, covered ? &*covered : nullptr), policy,
               options, context);
    if (!options.out.empty()) {
        if (auto ok = write_plan_file(session.plan, options.out); !ok) {
            fmt::print(stderr, "error: {}\n", ok.error().message);
            context.exit_code = 1;
            return;
        }
        fmt::print(stderr,
                   "Saved the plan to {}; apply exactly this plan with: mailsync apply "
                   "{}\n",
                   options.out, options.out);
    }
    if (unscanned > 0) {
        fmt::print(stderr,
                   "Planning incomplete: {} mailbox migration{} could not be scanned; the rest of "
                   "the plan is complete.\n",
                   unscanned, unscanned == 1 ? "" : "s");
        context.exit_code = 1;
        return;
    }
    bool changes = session.plan.counts().has_changes() || migrations_pending(migrations);
    context.exit_code = options.detailed_exitcode && changes ? 2 : 0;
}

} // namespace

void add_plan_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<PlanOptions>();
    CLI::App* command = app.add_subcommand(
        "plan", "Show what apply would change in the target: create, update, delete");
    command->add_option("paths", options->session.paths,
                        "Files or folders of YAML; default the current folder");
    add_target_options(*command, options->settings, options->session);
    add_state_option(*command, options->settings);
    add_mapping_option(*command, options->settings);
    add_ownership_options(*command, options->settings, options->session);
    command
        ->add_option("--select", options->session.select,
                     "Only KIND/NAME and what it depends on; once per resource: --select A "
                     "--select B")
        ->type_name("KIND/NAME");
    command->add_option("--format", options->format, "Output: text, json or markdown")
        ->check(CLI::IsMember({"text", "json", "markdown"}))
        ->default_val("text");
    command->add_flag("--split", options->split,
                      "Markdown: split into parts of at most 60,000 characters, each starting "
                      "with a '<!-- mailsync plan part N of M -->' line");
    command->add_option("--out", options->out,
                        "Save the plan (JSON, no secret values) for 'mailsync apply FILE'");
    command->add_flag("--detailed-exitcode", options->detailed_exitcode,
                      "Exit 0 when there is nothing to change, 2 when there is");
    command->add_flag("--scan-migrations", options->scan_migrations,
                      "Log in to both servers of each MailboxMigration to count what is left to "
                      "copy (sends their secrets; not for pull requests' pipelines)");
    command->add_flag("--allow-new-endpoints", options->allow_new_endpoints,
                      "With --scan-migrations: send secrets also to servers no apply has "
                      "recorded for them (on a checkout you trust)");
    command->footer("Exit codes: 0 planned (with --detailed-exitcode: no changes); 1 errors, or "
                    "a migration that could not be scanned (the rest of the plan is shown); 2 "
                    "changes to make (with --detailed-exitcode).");
    command->callback([options, &context] { run_plan(*options, context); });
}

} // namespace mailsync::cli
