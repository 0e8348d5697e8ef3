// The trust model's rule for mailsync.yaml (docs/security.md, "The settings file"): the file is
// in the repository, so a URL it names for the target or the state is used only when its host is
// in MAILSYNC_ALLOWED_HOSTS. Otherwise a pull request could send MAILSYNC_TARGET_TOKEN (or a
// state's credentials) to a server of its own.
#pragma once

#include "config/run_settings.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// Reports, at the environment's place in the settings file, each URL of the settings file that
// no operator allowed; returns whether there was none.
bool check_settings_urls(const RunSettings& settings, const EnvLookup& env, SourceFiles& sources,
                         Diagnostics& diagnostics);

} // namespace mailsync
