// `mailsync force-unlock`: releases the state's lock after an apply crashed while holding it.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace mailsync::cli {

namespace {

struct UnlockOptions {
    std::string state;
    SettingsFlags settings;
};

void run_force_unlock(const UnlockOptions& options, Context& context) {
    Result<StateStore> state = StateStore::open(options.state);
    if (!state) {
        fmt::print(stderr, "error: {}\n", state.error().message);
        context.exit_code = 1;
        return;
    }
    Result<std::optional<std::string>> holder = state->force_unlock();
    if (!holder) {
        fmt::print(stderr, "error: {}\n", holder.error().message);
        context.exit_code = 1;
        return;
    }
    if (*holder)
        fmt::print("Released the lock of {}.\n", **holder);
    else
        fmt::print("The state {} was not locked.\n", state->path());
}

} // namespace

void add_force_unlock_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<UnlockOptions>();
    CLI::App* command = app.add_subcommand(
        "force-unlock", "Release the state's lock after an apply crashed while holding it");
    add_state_options(*command, options->settings);
    command->footer("Exit codes: 0 released or not locked; 1 unreadable state.");
    command->callback([options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report({}, options->settings, context);
        if (!settings)
            return;
        options->state = settings->state.value;
        run_force_unlock(*options, context);
    });
}

} // namespace mailsync::cli
