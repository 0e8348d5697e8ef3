// `mailsync migrate worker PATHS`: one of any number of workers sharing a PostgreSQL state
// (migrate/worker); `mailsync migrate retry|pause|resume|cancel NAME...`: the queue's controls.
// Each action is a subcommand, so that a word such as `retry` never competes with a path.
#include <algorithm>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "cli/amounts.hpp"
#include "cli/migrations.hpp"
#include "config/scalar.hpp"
#include "migrate/worker.hpp"
#include "state/state_backend.hpp"
#include "state/state_location.hpp"
#include "trust/load.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace {

struct WorkerCliOptions {
    SessionOptions session;
    SettingsFlags settings;
    std::size_t parallelism = 4;
    std::string worker_id;
    std::string lease = "60s";
    std::int64_t max_attempts = 5;
    bool just_folders = false;
};

// A SQLite state has no workers' queue: refused, naming PostgreSQL, before any file is made.
bool refused_without_queue(const std::string& state, Context& context) {
    Result<StateLocation> where = parse_state_location(state);
    if (!where || where->kind != StateBackendKind::sqlite)
        return false;
    fmt::print(stderr, "error: {}\n", queue_unsupported(where->display).message);
    context.exit_code = 1;
    return true;
}

void run_worker(WorkerCliOptions& options, Context& context) {
    std::optional<RunSettings> settings =
        resolve_settings_or_report(options.session.paths, options.settings, context);
    std::optional<MappingProfile> profile =
        settings ? load_mapping_or_report(settings->mapping.value, context) : std::nullopt;
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    use_settings(*settings, options.session);
    if (refused_without_queue(options.session.state, context))
        return;
    // A worker copies mailboxes and never writes the target: it opens none, so that it runs
    // where the configuration is read-only. The state must still be this configuration's: its
    // scope, and its target when the worker names one (run as apply was, with the same
    // environment or MAILSYNC_TARGET), are compared as apply compares them.
    options.session.compare_target = settings->target.origin != SettingOrigin::built_in;
    Session session = open_config_and_state(options.session, *profile);
    if (!session.state || session.loaded.diagnostics.has_errors()) {
        print_session_problems(session, context);
        context.exit_code = 1;
        return;
    }
    print_session_problems(session, context); // warnings
    std::vector<const MailboxMigration*> list;
    for (const MailboxMigration& migration : session.loaded.config.migrations) {
        if (is_self_service(migration))
            fmt::print(stderr,
                       "note: MailboxMigration '{}' waits for its owner (self-service): no "
                       "credentials yet, so the workers leave it\n",
                       migration.meta.name);
        else
            list.push_back(&migration);
    }
    if (list.empty()) {
        fmt::print(stderr, "error: the configuration declares no MailboxMigration\n");
        context.exit_code = 1;
        return;
    }
    // Workers run what was reviewed and merged, as apply does.
    Result<TrustPolicy> policy = trust_policy(options.session.env, &*session.state, true);
    if (!policy) {
        fmt::print(stderr, "error: {}\n", policy.error().message);
        context.exit_code = 1;
        return;
    }
    WorkerOptions worker;
    worker.id = options.worker_id.empty() ? default_worker_id() : options.worker_id;
    worker.lease = std::chrono::duration_cast<std::chrono::seconds>(
        parse_duration(options.lease).value_or(std::chrono::seconds(60)));
    worker.parallelism = options.parallelism;
    worker.max_attempts = options.max_attempts;
    MigrationOptions migration;
    migration.just_folders = options.just_folders;
    MigrationRunner runner(list, session.loaded.config, *session.state, *policy, migration);
    ClaimedMailboxes queue(runner, *session.state, worker);
    if (auto ok = queue.enqueue(); !ok) {
        fmt::print(stderr, "error: {}\n", ok.error().message);
        context.exit_code = 1;
        return;
    }
    fmt::print("Worker {}: taking mailboxes of {} from {} (lease {}s)…\n", worker.id,
               plural(list.size(), "migration"), session.state->path(), worker.lease.count());
    bool ok = show_migrations(
        runner, [&] { runner.run(queue, worker.parallelism); },
        fmt::format("Copying up to {} mailboxes at once…", worker.parallelism), context, nullptr);
    for (const std::string& problem : queue.problems())
        fmt::print(stderr, "warning: {}\n", problem);
    if (!ok || !queue.problems().empty())
        context.exit_code = 1;
}

struct ControlCliOptions {
    SettingsFlags settings;
    std::vector<std::string> names;
    bool all = false;
};

// What each action says of the mailboxes it changed.
std::string_view action_done(std::string_view action) {
    if (action == "retry")
        return "queued again";
    if (action == "pause")
        return "paused (a worker copying it stops within a third of its lease)";
    if (action == "resume")
        return "queued again";
    return "cancelled (a worker copying it stops within a third of its lease)";
}

void run_control(const std::string& action, ControlCliOptions& options, Context& context) {
    if (options.names.empty() == !options.all) {
        fmt::print(stderr, "error: migrate {}: name the migrations, or --all{}\n", action,
                   options.all ? ", not both" : "");
        context.exit_code = 1;
        return;
    }
    std::optional<RunSettings> settings = resolve_settings_or_report({}, options.settings, context);
    if (!settings || refused_without_queue(settings->state.value, context))
        return;
    Result<StateStore> state = StateStore::open(settings->state.value);
    if (!state) {
        fmt::print(stderr, "error: {}\n", state.error().message);
        context.exit_code = 1;
        return;
    }
    Result<std::vector<QueueEntry>> queue = state->queue();
    Result<std::vector<MigrationRecord>> records = state->migrations();
    if (!queue || !records) {
        fmt::print(stderr, "error: {}\n", (!queue ? queue.error() : records.error()).message);
        context.exit_code = 1;
        return;
    }
    std::set<std::string> known;
    for (const QueueEntry& entry : *queue)
        known.insert(entry.name);
    for (const MigrationRecord& record : *records)
        known.insert(record.name);
    std::vector<std::string> names =
        options.all ? std::vector<std::string>(known.begin(), known.end()) : options.names;
    for (const std::string& name : names) {
        if (!known.contains(name)) {
            fmt::print(stderr, "error: migrate {}: the state {} knows no migration '{}'{}\n",
                       action, state->path(), name,
                       did_you_mean(name, std::vector<std::string>(known.begin(), known.end())));
            context.exit_code = 1;
        }
    }
    if (context.exit_code != 0)
        return;
    Result<std::vector<std::string>> changed = state->control(names, action);
    if (!changed) {
        fmt::print(stderr, "error: {}\n", changed.error().message);
        context.exit_code = 1;
        return;
    }
    if (changed->empty())
        fmt::print("Nothing to {}: {}.\n", action, join(names, ", "));
    else
        fmt::print("{}: {}.\n", join(*changed, ", "), action_done(action));
}

} // namespace

void add_migrate_command(CLI::App& app, Context& context) {
    CLI::App* migrate = app.add_subcommand(
        "migrate", "Mailbox migrations past one machine: workers sharing a PostgreSQL state, and "
                   "retry, pause, resume or cancel of a mailbox");
    migrate->require_subcommand(1);

    auto options = std::make_shared<WorkerCliOptions>();
    CLI::App* worker = migrate->add_subcommand(
        "worker", "Copy the configuration's mailboxes as one of many workers: take queued ones "
                  "from the PostgreSQL state, hold each by a lease, and stop when none is left");
    worker->add_option("paths", options->session.paths, "Files and folders of YAML");
    add_target_options(*worker, options->settings, options->session);
    add_state_option(*worker, options->settings);
    add_mapping_option(*worker, options->settings);
    worker->add_option("--parallelism", options->parallelism, "Mailboxes copied at once")
        ->check(CLI::Range(1, 256))
        ->default_val(4);
    worker
        ->add_option("--worker-id", options->worker_id,
                     "How the state and status name this worker (default HOST:PID; a pod's name "
                     "in Kubernetes)")
        ->envname("MAILSYNC_WORKER_ID")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                if (!text.empty() && text.size() <= 200 &&
                    std::all_of(text.begin(), text.end(),
                                [](char c) { return c > ' ' && c != 0x7f; }))
                    return "";
                return "a worker id is 1 to 200 printable characters without spaces";
            },
            "ID"));
    worker
        ->add_option("--lease", options->lease,
                     "How long a mailbox stays this worker's without a renewal (renewed every "
                     "third of it); another worker takes it over after that")
        ->envname("MAILSYNC_WORKER_LEASE")
        ->default_val("60s")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                std::optional<std::chrono::milliseconds> lease = parse_duration(text);
                if (lease && *lease >= std::chrono::seconds(1) && *lease <= std::chrono::hours(24))
                    return "";
                return "'" + text + "' is not a lease from 1s to 24h, such as 60s or 5m";
            },
            "DURATION"));
    worker
        ->add_option("--max-attempts", options->max_attempts,
                     "Claims of one mailbox whose leases may run out (their workers died or "
                     "froze) before it ends in ERROR instead of being taken again")
        ->check(CLI::Range(1, 1000))
        ->default_val(5);
    worker->add_flag("--justfolders", options->just_folders,
                     "Create the folder tree at the destination only; copy no message");
    worker->footer("Exit codes: 0 every mailbox this worker ran completed; 1 errors, a SQLite "
                   "state (workers share a PostgreSQL one), or a mailbox that failed.");
    worker->callback([options, &context] { run_worker(*options, context); });

    for (const char* action : {"retry", "pause", "resume", "cancel"}) {
        auto control = std::make_shared<ControlCliOptions>();
        std::string what =
            std::string(action) == "retry"   ? "Queue a mailbox again for the workers, whatever it "
                                               "ended in (a delta pass at cut-over: retry --all)"
            : std::string(action) == "pause" ? "Keep workers from a mailbox; one copying it stops"
            : std::string(action) == "resume" ? "Let workers take a paused mailbox again"
                                              : "Take a mailbox out of the workers' queue";
        CLI::App* command = migrate->add_subcommand(action, what);
        command->add_option("names", control->names, "MailboxMigration names");
        command->add_flag("--all", control->all, "Every migration the state knows");
        add_state_options(*command, control->settings);
        command->footer("Exit codes: 0 changed, or nothing to change; 1 errors, an unknown name, "
                        "or a SQLite state.");
        command->callback([action, control, &context] { run_control(action, *control, context); });
    }
}

} // namespace mailsync::cli
