// The commands of the mailsync binary: each adds its flags to the app and runs through a view.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/run_settings.hpp"
#include "model/mapping.hpp"
#include "plan/session.hpp"
#include "trust/settings_rule.hpp"
#include "util/diagnostics.hpp"

namespace mailsync::cli {

// What every command may use: the exit code it sets and the output settings.
struct Context {
    int exit_code = 0;
    bool no_color = false;
};

void add_validate_command(CLI::App& app, Context& context);
void add_mapping_command(CLI::App& app, Context& context);
void add_plan_command(CLI::App& app, Context& context);
void add_apply_command(CLI::App& app, Context& context);
void add_status_command(CLI::App& app, Context& context);
void add_force_unlock_command(CLI::App& app, Context& context);
void add_test_command(CLI::App& app, Context& context);
void add_export_command(CLI::App& app, Context& context);
void add_import_command(CLI::App& app, Context& context);
// `mailsync migrate worker|retry|pause|resume|cancel` (src/cli/migrate.cpp).
void add_migrate_command(CLI::App& app, Context& context);
// `mailsync state export-key`, `mailsync state migrate` (src/cli/state.cpp).
void add_state_command(CLI::App& app, Context& context);
// `mailsync state show` (src/cli/state_show.cpp), a subcommand of `state`.
void add_state_show_command(CLI::App& state, Context& context);
// `mailsync invite` (src/cli/invite.cpp).
void add_invite_command(CLI::App& app, Context& context);
// `mailsync serve` (src/cli/serve.cpp).
void add_serve_command(CLI::App& app, Context& context);
// `mailsync oauth2 authorize` (src/cli/oauth2.cpp).
void add_oauth2_command(CLI::App& app, Context& context);
// `mailsync __complete ...` (src/cli/complete.cpp), for the shell completions.
void run_complete_words(const CLI::App& app, const std::vector<std::string>& words);

// `--env`, `--target` and the flags of a remote target; the values land in `flags`, resolved
// later with the environment variables and mailsync.yaml (config/run_settings).
void add_target_options(CLI::App& command, SettingsFlags& flags, SessionOptions& session);
// `--env` alone.
void add_env_option(CLI::App& command, SettingsFlags& flags);
// `--state`.
void add_state_option(CLI::App& command, SettingsFlags& flags);
// For commands without PATHs that read a state: `--config DIR`, `--env`, `--target`, `--state`.
void add_state_options(CLI::App& command, SettingsFlags& flags);

// `--scope`, `--no-delete`, `--max-deletes` (resolved with mailsync.yaml like the target), and
// `--replace KIND/NAME`, `--replace-secrets`: for plan and apply.
void add_ownership_options(CLI::App& command, SettingsFlags& flags, SessionOptions& session);

// `--lock-timeout DURATION` (MAILSYNC_LOCK_TIMEOUT): how long a command that takes the state's
// lock waits for a held one; "0", the default, fails at once naming the holder.
void add_lock_timeout_option(CLI::App& command, std::string& timeout);
// The wait `--lock-timeout` asked for ("0", "30s", "5m"); the option's check made it valid.
std::chrono::milliseconds lock_wait(const std::string& timeout);

// The `--mapping` flag: a built-in profile name or a file. Commands share it.
void add_mapping_option(CLI::App& command, SettingsFlags& flags);

// The settings of this run from flags, environment variables and the settings file of the
// configuration root (`--config`, else that of `paths`); problems are printed, the exit code set
// to 1 and nullopt returned.
std::optional<RunSettings> resolve_settings_or_report(const std::vector<std::string>& paths,
                                                      const SettingsFlags& flags, Context& context,
                                                      SettingsReach reach = {});

// The callback of a command whose settings are its PATHs, `--env` and `--state` (invite, serve,
// oauth2 authorize): resolves them with mailsync.yaml and the environment, puts the state and
// the variables into `options`, then calls `run(*options, context)`.
template <typename Options, typename Run>
std::function<void()> settled(std::shared_ptr<Options> options, Context& context, Run run) {
    return [options, &context, run] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report(options->paths, options->settings, context);
        if (!settings)
            return;
        options->state = settings->state.value;
        options->variables = settings->variables();
        run(*options, context);
    };
}

// Puts the resolved target, state, environment and variables into a session's options.
void use_settings(const RunSettings& settings, SessionOptions& session);

// Loads the profile named by `--mapping`; problems are printed and nullopt returned.
std::optional<MappingProfile> load_mapping_or_report(const std::string& mapping,
                                                     const Context& context);

// Prints every problem of a session's load, refresh and diff.
void print_session_problems(const Session& session, const Context& context);

// Prints diagnostics to stderr with the source line and caret.
void print_diagnostics(const Diagnostics& diagnostics, const SourceFiles& sources,
                       const Context& context);

// Parses the arguments and runs the command; the process exit code.
int run(int argc, char** argv);

} // namespace mailsync::cli
