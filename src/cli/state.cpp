// `mailsync state`: `export-key --out FILE` moves the state's fingerprint key out of the state;
// `show` (state_show.cpp) summarizes it; `migrate --to URL` copies it into another backend and
// verifies the copy.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "state/state_location.hpp"
#include "state/state_migrate.hpp"

namespace mailsync::cli {

namespace {

// A SQLite state that is not there yet is refused rather than made empty: `state migrate` would
// copy nothing and say so as a success, and `export-key` would move the key of a new state. The
// usual cause is a configuration in a folder of its own, whose state lives below it.
Result<StateStore> open_existing(const std::string& location, const SettingsFlags& flags) {
    if (std::optional<StateLocation> where = absent_sqlite_state(location))
        return fail(fmt::format("there is no state at {}: nothing has run with it yet{}",
                                where->display,
                                flags.config_root.empty() && flags.state.empty()
                                    ? "; a configuration's state lives below its folder, "
                                      "named with --config FOLDER (or give --state)"
                                    : ""));
    return StateStore::open(location);
}

struct ExportKeyOptions {
    std::string state;
    SettingsFlags settings;
    std::string out;
};

void run_export_key(const ExportKeyOptions& options, Context& context) {
    Result<StateStore> state = open_existing(options.state, options.settings);
    Result<void> exported =
        state ? state->export_key(options.out) : Result<void>(std::unexpected(state.error()));
    if (!exported) {
        fmt::print(stderr, "error: {}\n", exported.error().message);
        context.exit_code = 1;
        return;
    }
    fmt::print("Wrote the key of {} to {} (mode 0600) and removed it from the state.\n"
               "From now on give it as MAILSYNC_STATE_KEY_FILE={} or its content as "
               "MAILSYNC_STATE_KEY; keep it where the state is not (a CI secret, not its "
               "cache).\n",
               state->path(), options.out, options.out);
}

struct MigrateOptions {
    std::string state;
    SettingsFlags settings;
    std::string to;
    bool force = false;
    std::string lock_timeout;
};

void run_migrate(const MigrateOptions& options, Context& context) {
    Result<StateStore> state = open_existing(options.state, options.settings);
    Result<MigrateSummary> copied =
        state ? migrate_state(*state, options.to, options.force, lock_wait(options.lock_timeout))
              : Result<MigrateSummary>(std::unexpected(state.error()));
    if (!copied) {
        fmt::print(stderr, "error: {}\n", copied.error().message);
        context.exit_code = 1;
        return;
    }
    const MigrateSummary& done = *copied;
    fmt::print("Copied the state {} to {} and read it back: the same.\n"
               "  {} managed objects, {} secret fingerprints, {} runs ({} journal entries),\n"
               "  {} mailbox migrations ({} folders), {} secret bindings.\n"
               "{} is left as it was; use --state {} (or MAILSYNC_STATE) from now on.\n",
               done.from, done.to, done.managed, done.fingerprints, done.runs, done.journal,
               done.migrations, done.folders, done.bindings, done.from, done.to);
}

} // namespace

void add_state_command(CLI::App& app, Context& context) {
    CLI::App* command = app.add_subcommand("state", "Manage the state");
    command->require_subcommand(1);
    command->footer("Exit codes: 0 done; 1 errors. 'mailsync state show --help', 'mailsync "
                    "state export-key --help' and 'mailsync state migrate --help' tell more.");
    add_state_show_command(*command, context);
    auto options = std::make_shared<ExportKeyOptions>();
    CLI::App* export_key = command->add_subcommand(
        "export-key", "Move the key of the state's secret fingerprints into a file of its own");
    add_state_options(*export_key, options->settings);
    export_key
        ->add_option("--out", options->out, "The new file for the key (written with mode 0600)")
        ->required();
    export_key->footer("Exit codes: 0 written and removed from the state; 1 errors (the state "
                       "already keeps no key, FILE exists, unreadable state).");
    export_key->callback([options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report({}, options->settings, context);
        if (!settings)
            return;
        options->state = settings->state.value;
        run_export_key(*options, context);
    });

    auto migrate_options = std::make_shared<MigrateOptions>();
    CLI::App* migrate = command->add_subcommand(
        "migrate", "Copy the state into another backend (SQLite, PostgreSQL) and verify the copy");
    add_state_options(*migrate, migrate_options->settings);
    migrate
        ->add_option("--to", migrate_options->to,
                     "The destination: a file path or sqlite:PATH, or postgres://... (its "
                     "namespace with ?mailsync_namespace=NAME)")
        ->required();
    migrate->add_flag("--force", migrate_options->force,
                      "Replace what the destination holds (else it must be empty)");
    add_lock_timeout_option(*migrate, migrate_options->lock_timeout);
    migrate->footer("Exit codes: 0 copied and read back the same; 1 errors (the destination is "
                    "not empty, a lock is held, unreachable database, the copy differs).");
    migrate->callback([migrate_options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report({}, migrate_options->settings, context);
        if (!settings)
            return;
        migrate_options->state = settings->state.value;
        run_migrate(*migrate_options, context);
    });
}

} // namespace mailsync::cli
