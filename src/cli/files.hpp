// Writing the YAML files of `import` and `export`: the schema modeline, and never overwriting a
// file unless asked to.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "config/writer.hpp"

namespace mailsync::cli {

// The comment lines each written YAML file opens with: `intro`, then the modeline that points
// editors at the schema. The schema is the repository's `schemas/mailsync.schema.json` when one
// is found in `out` or a folder above it; otherwise a copy is added to `files` as
// `mailsync.schema.json` in `out`. Call before the files are laid out, use the function after.
std::function<std::string(const std::string&)>
file_header(const std::string& out, const std::string& intro,
            std::map<std::string, std::string>& extra_files);

// Writes `files` (paths relative to `out`). Without `force` nothing is written when any of them
// exists. An error is printed and false returned.
bool write_new_files(const std::string& out, const std::map<std::string, std::string>& files,
                     bool force, const char* command);

// "1 OAuth2 client, 4 mail accounts and 2 SMTP connections", leaving out the kinds with none.
std::string count_resources(const std::vector<WrittenResource>& resources);

} // namespace mailsync::cli
