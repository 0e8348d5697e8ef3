// Loading a configuration: files → documents → typed resources, every problem collected.
#pragma once

#include <string>
#include <vector>

#include "config/secrets.hpp"
#include "model/mapping.hpp"
#include "model/resources.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

struct LoadOptions {
    bool resolve_secrets = true;
    // When set, every resource must render through this profile (validate, plan, apply).
    const MappingProfile* mapping = nullptr;
    EnvLookup env = process_environment();
};

struct LoadedConfig {
    Config config;
    Diagnostics diagnostics;
    SourceFiles sources;
    std::vector<std::string> files; // in the order read
};

// Reads the files and folders in `paths` and runs every check; see the passes in loader.cpp.
LoadedConfig load_config(const std::vector<std::string>& paths, const LoadOptions& options);

// The same passes for one file's text already read (the fuzzer's way in); `file` names it.
LoadedConfig load_config_text(const std::string& file, std::string text,
                              const LoadOptions& options);

} // namespace mailsync
