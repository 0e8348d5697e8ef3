// The trust model's rule for mailsync.yaml (docs/security.md, "The settings file"): the file is
// in the repository, so a URL it names for the target or the state is used only when its host is
// in MAILSYNC_ALLOWED_HOSTS. Otherwise a pull request could send MAILSYNC_TARGET_TOKEN (or a
// state's credentials) to a server of its own.
#pragma once

#include "config/run_settings.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// Which of the settings' URLs a command reaches: validate reaches neither (with --live, the
// state, which decides where secrets go), the others both.
struct SettingsReach {
    bool target = true;
    bool state = true;
};

// Reports, at the environment's place in the settings file, each URL of the settings file that
// the command reaches and no operator allowed; returns whether there was none. A password
// written in either URL is an error whatever the command reaches.
bool check_settings_urls(const RunSettings& settings, const EnvLookup& env, SourceFiles& sources,
                         Diagnostics& diagnostics, SettingsReach reach = {});

} // namespace mailsync
