// Loading a configuration: files → documents → typed resources, every problem collected.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/secrets.hpp"
#include "config/variables.hpp"
#include "model/mapping.hpp"
#include "model/resources.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

struct LoadOptions {
    bool resolve_secrets = true;
    // When set, every resource must render through this profile (validate, plan, apply).
    const MappingProfile* mapping = nullptr;
    EnvLookup env = process_environment();
    // Folders outside the repository that absolute `${file:}` and `tls.caFile` paths may name;
    // when unset, MAILSYNC_ALLOWED_PATHS through `env`.
    std::optional<std::vector<std::string>> allowed_paths;
    // What `${var:NAME}` reads: the chosen environment's variables, or none.
    VariableScope variables;
};

// One YAML document of a file, valid or not: where it starts and the kind it names.
struct DocumentRead {
    std::size_t file = 0;     // in LoadedConfig::files
    int line = 0;             // its first node; a document cut short by a syntax error: there
    std::optional<Kind> kind; // when its `kind` names one that mailsync knows
};

struct LoadedConfig {
    Config config;
    // Every non-empty document of every file in the order read, including those that yield no
    // resource because of errors; a document spans from its line to the next one's.
    std::vector<DocumentRead> documents;
    Diagnostics diagnostics;
    SourceFiles sources;
    std::vector<std::string> files; // in the order read
    FileAccess access;              // each file's configuration root, and the allowed folders
};

// Reads the files and folders in `paths` and runs every check; see the passes in loader.cpp.
LoadedConfig load_config(const std::vector<std::string>& paths, const LoadOptions& options);

// The same passes for one file's text already read (the fuzzer's way in); `file` names it.
LoadedConfig load_config_text(const std::string& file, std::string text,
                              const LoadOptions& options);

} // namespace mailsync
