// Which files a configuration may make mailsync read: `${file:...}` secrets and `tls.caFile`.
// The YAML is untrusted (a pull request writes it), so a path is read only below the
// configuration root of the file that names it, or, when absolute, below a folder given from
// outside the repository (MAILSYNC_ALLOWED_PATHS). Nothing outside is ever looked at, so an
// error cannot tell whether such a file exists.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mailsync {

struct FileAccess {
    // YAML file → the configuration root it was found under (the folder named on the command
    // line, or a file's own folder).
    std::map<std::string, std::string> roots;
    // Absolute folders where absolute paths may point, from MAILSYNC_ALLOWED_PATHS.
    std::vector<std::string> allowed;

    // The configuration root of a YAML file (its own folder when it was not recorded).
    std::string root_of(const std::string& yaml_file) const;
};

// The variable that lists folders outside the repository that files may be read from.
inline constexpr const char* allowed_paths_variable = "MAILSYNC_ALLOWED_PATHS";

// Splits a ':'-separated list of folders; a relative entry is an error.
Result<std::vector<std::string>> parse_allowed_paths(const std::string& text);

// The real path of `reference` as written in `yaml_file` (relative to that file's folder, or
// absolute), when it is allowed; otherwise an error that says why without looking outside.
Result<std::string> resolve_config_path(const FileAccess& access, const std::string& yaml_file,
                                        const std::string& reference);

// resolve_config_path, then the file's bytes: a regular file of at most `max_bytes`.
Result<std::string> read_config_file(const FileAccess& access, const std::string& yaml_file,
                                     const std::string& reference, std::size_t max_bytes);

} // namespace mailsync
