// `mailsync state`: `export-key --out FILE` moves the state's fingerprint key out of the state;
// `show` (state_show.cpp) summarizes it.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace mailsync::cli {

namespace {

struct ExportKeyOptions {
    std::string state;
    SettingsFlags settings;
    std::string out;
};

void run_export_key(const ExportKeyOptions& options, Context& context) {
    Result<StateStore> state = StateStore::open(options.state);
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
               options.state, options.out, options.out);
}

} // namespace

void add_state_command(CLI::App& app, Context& context) {
    CLI::App* command = app.add_subcommand("state", "Manage the state file");
    command->require_subcommand(1);
    command->footer("Exit codes: 0 done; 1 errors. 'mailsync state show --help' and 'mailsync "
                    "state export-key --help' tell more.");
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
        if (!settings) {
            context.exit_code = 1;
            return;
        }
        options->state = settings->state.value;
        run_export_key(*options, context);
    });
}

} // namespace mailsync::cli
