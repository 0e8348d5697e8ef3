// Secret references in the YAML (`${env:NAME}`, `${file:PATH}`) and their resolution.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/file_access.hpp"
#include "config/yaml_tree.hpp"
#include "model/resources.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// Reads a secret field. A malformed reference is an error; a literal value is a warning.
std::optional<Secret> parse_secret(const yaml::Node& node, std::string field,
                                   const std::string& file, Diagnostics& diagnostics);

// Looks up an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup process_environment();

// Resolves every secret in `config`: variables from `env`, files as `files` allows (below the
// configuration root). A missing one is an error that names the resource, the field and the
// variable or file, never a value.
void resolve_secrets(Config& config, const EnvLookup& env, const FileAccess& files,
                     Diagnostics& diagnostics);

// The same for one OAuth2 client's secrets alone: `oauth2 authorize` needs them, while the
// `${file:...}` of a connection's refresh token may name the very file it is about to write.
void resolve_client_secrets(OAuth2Client& client, const EnvLookup& env, const FileAccess& files,
                            Diagnostics& diagnostics);

} // namespace mailsync
