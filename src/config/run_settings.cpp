#include "config/run_settings.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "config/mapping_file.hpp"
#include "model/ownership.hpp"
#include "state/state.hpp"
#include "target/target.hpp"
#include "util/confined_file.hpp"
#include "util/crypto.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace fs = std::filesystem;

namespace {

// `relative` below `root`, written without "./" when the root is the current folder.
std::string below_root(const std::string& root, const std::string& relative) {
    if (root.empty() || root == ".")
        return relative;
    return (fs::path(root) / relative).string();
}

// Whether a path written in the settings file stays below the configuration root.
bool stays_below(const std::string& path) {
    fs::path written(path);
    if (path.empty() || written.is_absolute())
        return false;
    for (const fs::path& part : written.lexically_normal()) {
        if (part == "..")
            return false;
    }
    return true;
}

// The target without `?options`, which only tune it (tests' injected faults).
std::string without_options(const std::string& target) {
    return target.substr(0, target.find('?'));
}

std::optional<std::string> lookup(const EnvLookup& env, const char* name) {
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (value && value->empty())
        return std::nullopt;
    return value;
}

// Picks flag > variable > settings file > default for one setting.
ChosenSetting choose(const std::string& flag, const EnvLookup& env, const char* variable,
                     const std::optional<std::string>& from_file, Location where) {
    if (!flag.empty())
        return {flag, flag, SettingOrigin::flag, {}};
    if (std::optional<std::string> value = lookup(env, variable))
        return {*value, *value, SettingOrigin::environment_variable, {}};
    if (from_file)
        return {*from_file, *from_file, SettingOrigin::settings_file, where};
    return {};
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// Paths written in the settings file are relative to the configuration root and stay below.
bool place_below_root(ChosenSetting& setting, const std::string& root, std::string_view what,
                      Diagnostics& diagnostics) {
    std::string prefix = setting.value.starts_with("sqlite:") ? "sqlite:" : "";
    if (prefix.empty() && setting.value.find("://") != std::string::npos)
        return true; // a URL: trust/settings_rule decides
    std::string path = setting.value.substr(prefix.size());
    // Lexically below, and through no link that leads out (the file itself may not exist yet).
    auto resolved =
        stays_below(without_options(path))
            ? resolve_below(root, without_options(path))
            : std::expected<std::string, ConfinedError>(std::unexpected(ConfinedError{"", true}));
    if (!resolved && resolved.error().escapes) {
        diagnostics.error(setting.where,
                          fmt::format("{} '{}': a path in the settings file must be relative "
                                      "and stay below the configuration root, links included; "
                                      "give another place with --{} or MAILSYNC_{}, outside the "
                                      "repository",
                                      what, setting.value, what, upper(what)));
        return false;
    }
    // A file read from there (a mapping profile) is opened at its checked real path.
    setting.value =
        prefix +
        (resolved && prefix.empty() && what == "mapping" ? *resolved : below_root(root, path));
    return true;
}

// scope, deletes and maxDeletes: flag, variable, the environment's, the file's, default; the
// values from flags and variables checked here (the file's were checked by its schema).
void resolve_ownership(RunSettings& out, const SettingsFlags& flags, const EnvLookup& env,
                       const SettingsEnvironment* chosen, Diagnostics& diagnostics) {
    auto from_file =
        [&](const std::optional<std::string> SettingsOwnership::*member,
            Location SettingsOwnership::*where) -> std::pair<std::optional<std::string>, Location> {
        if (chosen != nullptr && chosen->ownership.*member)
            return {chosen->ownership.*member, chosen->ownership.*where};
        if (out.file && out.file->ownership.*member)
            return {out.file->ownership.*member, out.file->ownership.*where};
        return {std::nullopt, {}};
    };
    auto pick = [&](const std::string& flag, const char* variable,
                    const std::optional<std::string> SettingsOwnership::*member,
                    Location SettingsOwnership::*where) {
        auto [value, place] = from_file(member, where);
        return choose(flag, env, variable, value, place);
    };
    out.scope = pick(flags.scope, "MAILSYNC_SCOPE", &SettingsOwnership::scope,
                     &SettingsOwnership::scope_where);
    out.deletes = pick(flags.deletes, "MAILSYNC_DELETES", &SettingsOwnership::deletes,
                       &SettingsOwnership::deletes_where);
    out.max_deletes = pick(flags.max_deletes, "MAILSYNC_MAX_DELETES",
                           &SettingsOwnership::max_deletes, &SettingsOwnership::max_deletes_where);
    auto named = [](const ChosenSetting& setting, const char* flag, const char* variable) {
        return origin_name(setting.origin, flag, variable);
    };
    if (!out.scope.value.empty() && !is_scope_name(out.scope.value))
        diagnostics.error(out.scope.where,
                          fmt::format("{} '{}': a scope is 1 to 63 lower-case letters, digits, "
                                      "'.', '_' or '-', starting and ending with a letter or digit",
                                      named(out.scope, "--scope", "MAILSYNC_SCOPE"),
                                      out.scope.value));
    if (out.deletes.origin == SettingOrigin::built_in)
        out.deletes.value = out.deletes.written = "allow";
    else if (out.deletes.value != "allow" && out.deletes.value != "never")
        diagnostics.error(out.deletes.where,
                          fmt::format("{} '{}': write allow or never",
                                      named(out.deletes, "--no-delete", "MAILSYNC_DELETES"),
                                      out.deletes.value));
    if (out.max_deletes.origin == SettingOrigin::built_in) {
        out.max_deletes.value = out.max_deletes.written = std::to_string(default_max_deletes);
    } else if (out.max_deletes.value.empty() || out.max_deletes.value.size() > 9 ||
               out.max_deletes.value.find_first_not_of("0123456789") != std::string::npos) {
        diagnostics.error(
            out.max_deletes.where,
            fmt::format("{} '{}': write a number of deletions from 0 to 999999999",
                        named(out.max_deletes, "--max-deletes", "MAILSYNC_MAX_DELETES"),
                        out.max_deletes.value));
    } else if (out.max_deletes.origin == SettingOrigin::settings_file &&
               std::stoul(out.max_deletes.value) > default_max_deletes) {
        // The repository may only tighten the limit: a pull request must not lift it.
        diagnostics.warning(out.max_deletes.where,
                            fmt::format("maxDeletes {} in the settings file is above the default "
                                        "{} and is not used: the file may only lower the limit; "
                                        "raise it with --max-deletes or MAILSYNC_MAX_DELETES, "
                                        "outside the repository",
                                        out.max_deletes.value, default_max_deletes));
        out.max_deletes.value = std::to_string(default_max_deletes);
        out.max_deletes.origin = SettingOrigin::built_in;
    }
}

std::string safe_name(const std::string& target) {
    std::string out;
    for (char c : without_options(target)) {
        bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
        if (keep)
            out += c;
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && (out.back() == '-' || out.back() == '.'))
        out.pop_back();
    while (!out.empty() && (out.front() == '-' || out.front() == '.'))
        out.erase(0, 1);
    if (out.size() > 80) {
        Sha256 hash;
        hash.update(target);
        out = out.substr(0, 80) + "-" + hash.hex().substr(0, 8);
    }
    return out;
}

} // namespace

std::string origin_name(SettingOrigin origin, const std::string& flag,
                        const std::string& variable) {
    switch (origin) {
    case SettingOrigin::flag:
        return flag;
    case SettingOrigin::environment_variable:
        return variable;
    case SettingOrigin::settings_file:
        return settings_file_name;
    case SettingOrigin::built_in:
        break;
    }
    return "default";
}

VariableScope RunSettings::variables() const {
    VariableScope scope;
    if (!file || !environment)
        return scope;
    if (const SettingsEnvironment* chosen = file->find(*environment)) {
        scope.variables = &chosen->variables;
        scope.environment = chosen->name;
        scope.settings_file = file->path;
    }
    return scope;
}

std::string config_root_of(const std::vector<std::string>& paths) {
    if (paths.empty())
        return ".";
    std::string first = paths.front();
    while (first.size() > 1 && first.ends_with('/'))
        first.pop_back();
    std::error_code error;
    if (fs::is_directory(first, error))
        return first;
    std::string parent = fs::path(first).parent_path().string();
    return parent.empty() ? "." : parent;
}

std::string default_state_for(const std::string& config_root, const std::string& target_written) {
    if (target_written.empty() || without_options(target_written) == default_target)
        return below_root(config_root, default_state);
    return below_root(config_root, fmt::format(".mailsync/{}.state.db", safe_name(target_written)));
}

std::optional<RunSettings> resolve_run_settings(const std::string& config_root,
                                                const SettingsFlags& flags, const EnvLookup& env,
                                                SourceFiles& sources, Diagnostics& diagnostics) {
    RunSettings out;
    out.config_root = config_root;
    std::size_t errors_before = diagnostics.error_count();

    // The settings file, when the root has one.
    std::string path = below_root(config_root, settings_file_name);
    std::error_code error;
    if (fs::exists(fs::symlink_status(path, error))) {
        auto real = resolve_below(config_root.empty() ? "." : config_root, settings_file_name);
        if (!real) {
            diagnostics.error({path, 0, 0},
                              real.error().escapes
                                  ? "this file is a link that leads outside the configuration "
                                    "root; mailsync reads it only below the folder given, and "
                                    "has read nothing of it"
                                  : real.error().message);
            return std::nullopt;
        }
        out.file = read_settings_file(path, *real, sources, diagnostics);
        if (!out.file)
            return std::nullopt;
    }

    // The environment: --env, MAILSYNC_ENV, then the file's defaultEnvironment.
    std::string from = "--env";
    std::optional<std::string> name;
    if (!flags.environment.empty()) {
        name = flags.environment;
    } else if ((name = lookup(env, "MAILSYNC_ENV"))) {
        from = "MAILSYNC_ENV";
    } else if (out.file && out.file->default_environment) {
        name = out.file->default_environment;
        from = "defaultEnvironment";
    }
    const SettingsEnvironment* chosen = nullptr;
    if (name && !out.file) {
        diagnostics.error({}, fmt::format("{} {}: there is no {} in {} to name environments", from,
                                          *name, settings_file_name,
                                          config_root == "." ? "the current folder" : config_root));
        return std::nullopt;
    }
    if (name) {
        chosen = out.file->find(*name);
        if (chosen == nullptr) {
            std::vector<std::string> names = out.file->names();
            diagnostics.error(
                {},
                names.empty()
                    ? fmt::format("{} {}: {} declares no environments", from, *name, out.file->path)
                    : fmt::format("{} {}: {} has no such environment; it has {}{}", from, *name,
                                  out.file->path, join(names, ", "), did_you_mean(*name, names)));
            return std::nullopt;
        }
        out.environment = chosen->name;
    }

    // Each setting: flag, variable, the environment's entry, default.
    auto field = [&](const std::optional<std::string> SettingsEnvironment::*member) {
        return chosen != nullptr ? chosen->*member : std::nullopt;
    };
    auto place = [&](Location SettingsEnvironment::*member) {
        return chosen != nullptr ? chosen->*member : Location{};
    };
    out.target = choose(flags.target, env, "MAILSYNC_TARGET", field(&SettingsEnvironment::target),
                        place(&SettingsEnvironment::target_where));
    out.state = choose(flags.state, env, "MAILSYNC_STATE", field(&SettingsEnvironment::state),
                       place(&SettingsEnvironment::state_where));
    out.mapping =
        choose(flags.mapping, env, "MAILSYNC_MAPPING", field(&SettingsEnvironment::mapping),
               place(&SettingsEnvironment::mapping_where));
    if (out.target.origin == SettingOrigin::settings_file)
        place_below_root(out.target, config_root, "target", diagnostics);
    if (out.state.origin == SettingOrigin::settings_file)
        place_below_root(out.state, config_root, "state", diagnostics);
    if (out.mapping.origin == SettingOrigin::settings_file &&
        !builtin_mapping_text(out.mapping.value))
        place_below_root(out.mapping, config_root, "mapping", diagnostics);
    if (out.target.origin == SettingOrigin::built_in) {
        out.target.written = default_target;
        out.target.value = "sqlite:" + below_root(config_root, ".mailsync/target.db");
    }
    if (out.state.origin == SettingOrigin::built_in) {
        out.state.value = default_state_for(config_root, out.target.written);
        out.state.written = out.state.value;
    }
    if (out.mapping.origin == SettingOrigin::built_in)
        out.mapping.value = out.mapping.written = "server-to-cloud";
    resolve_ownership(out, flags, env, chosen, diagnostics);
    if (diagnostics.error_count() > errors_before)
        return std::nullopt;
    return out;
}

} // namespace mailsync
