// The settings of one run, in one place: target, state, mapping profile and environment from
// flags, then environment variables (MAILSYNC_ENV, MAILSYNC_TARGET, MAILSYNC_STATE,
// MAILSYNC_MAPPING), then the chosen environment of mailsync.yaml, then built-in defaults.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/secrets.hpp"
#include "config/settings.hpp"
#include "config/variables.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// Where a setting came from, strongest first.
enum class SettingOrigin { flag, environment_variable, settings_file, built_in };

// "--target", "MAILSYNC_TARGET", "mailsync.yaml", "default": for messages.
std::string origin_name(SettingOrigin origin, const std::string& flag, const std::string& variable);

// What the command line gave; an empty string is a flag not given.
struct SettingsFlags {
    std::string config_root; // --config, for commands without PATHs
    std::string environment;
    std::string target;
    std::string state;
    std::string mapping;
    std::string scope;       // --scope
    std::string deletes;     // "never" with --no-delete
    std::string max_deletes; // --max-deletes
};

// One resolved setting: its value as used, as written, where it came from and, from the
// settings file, where it is written.
struct ChosenSetting {
    std::string value;   // paths from the settings file joined to the configuration root
    std::string written; // as given, for names derived from it
    SettingOrigin origin = SettingOrigin::built_in;
    Location where;
};

struct RunSettings {
    std::string config_root; // the folder of mailsync.yaml and of the default .mailsync/
    std::optional<SettingsFile> file;
    std::optional<std::string> environment;
    ChosenSetting target;
    ChosenSetting state;
    ChosenSetting mapping;
    // Ownership (plan/ownership): --scope, MAILSYNC_SCOPE, the environment's, the file's.
    ChosenSetting scope;       // empty: none
    ChosenSetting deletes;     // "allow" (default) or "never"
    ChosenSetting max_deletes; // a number, "10" by default

    // What `${var:NAME}` reads in this run.
    VariableScope variables() const;
};

// The configuration root of a command's PATHs: the first one when it is a folder, else the
// folder of that file; "." without paths.
std::string config_root_of(const std::vector<std::string>& paths);

// The default state of a target: `.mailsync/state.db` for the default target, else
// `.mailsync/NAME.state.db` with NAME made of the target as written (`sqlite-staging.db`), both
// below `config_root`.
std::string default_state_for(const std::string& config_root, const std::string& target_written);

// Resolves the settings of a run; the settings file's problems (with places) and the others go
// to `diagnostics`, its text to `sources`. nullopt when there was an error.
std::optional<RunSettings> resolve_run_settings(const std::string& config_root,
                                                const SettingsFlags& flags, const EnvLookup& env,
                                                SourceFiles& sources, Diagnostics& diagnostics);

} // namespace mailsync
