#include "trust/settings_rule.hpp"

#include <fmt/format.h>

#include "state/state_location.hpp"
#include "trust/load.hpp"
#include "util/curl.hpp"

namespace mailsync {

namespace {

// One URL of the settings file against the allowlist; an error when it is not allowed.
bool check_url(const ChosenSetting& setting, const char* what, const char* carries,
               const std::optional<HostAllowlist>& allowlist, bool reached,
               const RunSettings& settings, SourceFiles& sources, Diagnostics& diagnostics) {
    if (setting.origin != SettingOrigin::settings_file || setting.value.starts_with("sqlite:") ||
        setting.value.find("://") == std::string::npos)
        return true;
    // A password written in the repository is a secret there: never quoted, never used.
    std::string shown = redact_state_url(setting.value);
    if (shown != setting.value) {
        sources.redact(setting.where);
        diagnostics.error(setting.where,
                          fmt::format("the {} {} of environment '{}' holds a password, a secret "
                                      "written in the repository; give it outside (PGPASSWORD, "
                                      "~/.pgpass, or the whole URL in MAILSYNC_{})",
                                      what, shown, settings.environment.value_or(""),
                                      what == std::string_view("target") ? "TARGET" : "STATE"));
        return false;
    }
    if (!reached)
        return true;
    std::optional<curl::UrlParts> url = curl::split_url(setting.value);
    if (url && allowlist && allowlist->allows({url->scheme, url->host, url->port_number}))
        return true;
    std::string host = url ? url->host : setting.value;
    std::string why = allowlist ? fmt::format("{} is not in {}", host, allowed_hosts_variable)
                                : fmt::format("{} is not set", allowed_hosts_variable);
    diagnostics.error(
        setting.where,
        fmt::format("the {} {} of environment '{}' comes from the repository's {}, and {}: "
                    "mailsync sends {} only to a {} given by --{} or MAILSYNC_{}, or named here "
                    "with its host in {}, set outside the repository",
                    what, shown, settings.environment.value_or(""), settings_file_name, why,
                    carries, what, what, what == std::string_view("target") ? "TARGET" : "STATE",
                    allowed_hosts_variable));
    return false;
}

} // namespace

bool check_settings_urls(const RunSettings& settings, const EnvLookup& env, SourceFiles& sources,
                         Diagnostics& diagnostics, SettingsReach reach) {
    Result<std::optional<HostAllowlist>> allowlist = allowlist_from(env);
    if (!allowlist) {
        diagnostics.error({}, allowlist.error().message);
        return false;
    }
    bool target = check_url(settings.target, "target", "MAILSYNC_TARGET_TOKEN", *allowlist,
                            reach.target, settings, sources, diagnostics);
    bool state = check_url(settings.state, "state", "the state's credentials", *allowlist,
                           reach.state, settings, sources, diagnostics);
    return target && state;
}

} // namespace mailsync
