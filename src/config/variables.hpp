// `${var:NAME}` in the fields of resources that are not secrets, from the chosen environment's
// `variables` in mailsync.yaml; never from the process environment.
#pragma once

#include <string>

#include "config/settings.hpp"
#include "config/yaml_tree.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// The variables a configuration may use: those of the chosen environment, or none with why.
struct VariableScope {
    const Variables* variables = nullptr; // nullptr: no environment chosen
    std::string environment;              // the chosen environment's name
    std::string settings_file;            // where its variables are written
};

// Replaces every `${var:NAME}` in the scalars of `root` (keys and secret fields excepted, which
// keep `${env:}`/`${file:}`). A scalar that is one reference takes the variable's type, so
// `port: ${var:IMAP_PORT}` is a number; one inside other text makes a string. Each undefined
// variable, or any variable when no environment is chosen, is an error at its place.
void substitute_variables(yaml::Node& root, const std::string& file, const VariableScope& scope,
                          Diagnostics& diagnostics);

} // namespace mailsync
