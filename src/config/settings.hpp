// The settings file `mailsync.yaml` (`kind: Settings`) at the configuration root: the default
// environment and, per environment, its target, state, mapping profile and variables. It lives
// in the repository, so it is untrusted input like every other YAML file (docs/security.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/diagnostics.hpp"

namespace mailsync {

// The name of the settings file in a configuration root.
inline constexpr const char* settings_file_name = "mailsync.yaml";

// One value of an environment's `variables`, as written: `993` stays a number when it is the
// whole of a field, `"993"` a string.
struct SettingsVariable {
    std::string value;
    bool quoted = false; // a string in YAML's eyes (quoted, or text that is no number or bool)
    Location where;
};

using Variables = std::map<std::string, SettingsVariable>;

// Who owns what (plan/ownership): `scope`, `deletes` and `maxDeletes`, at the top of the file
// or in an environment, which then wins.
struct SettingsOwnership {
    std::optional<std::string> scope;
    std::optional<std::string> deletes;     // "allow" or "never"
    std::optional<std::string> max_deletes; // a number
    Location scope_where, deletes_where, max_deletes_where;
};

// One entry of `environments:`; a field left out falls back to the built-in default.
struct SettingsEnvironment {
    std::string name;
    Location where;
    std::optional<std::string> target;
    std::optional<std::string> state;
    std::optional<std::string> mapping;
    Location target_where, state_where, mapping_where; // where each value is written
    Variables variables;
    SettingsOwnership ownership;
};

struct SettingsFile {
    std::string path;
    std::string sha256; // of the text read, so that a saved plan notices a change
    std::optional<std::string> default_environment;
    Location default_where;
    std::vector<SettingsEnvironment> environments;
    SettingsOwnership ownership; // for every environment that does not set its own

    // The environment of this name, or nullptr.
    const SettingsEnvironment* find(const std::string& name) const;
    // The environments' names in the file's order.
    std::vector<std::string> names() const;
};

// Reads and checks the settings file at `path`, opened at its checked real path `real` (schema,
// names, the default environment); every problem goes to `diagnostics`, the text to
// `sources`. nullopt when it has errors.
std::optional<SettingsFile> read_settings_file(const std::string& path, const std::string& real,
                                               SourceFiles& sources, Diagnostics& diagnostics);

// The same for a text already read (tests and the fuzzer).
std::optional<SettingsFile> parse_settings_text(const std::string& path, const std::string& text,
                                                Diagnostics& diagnostics);

} // namespace mailsync
