// `--env-file FILE` / MAILSYNC_ENV_FILE: environment variables in dotenv format, so that one CI
// secret holds every `${env:...}` value and mailsync's own settings. Values are secrets: no
// message here ever quotes one.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace mailsync {

// One `NAME=VALUE` line of an env file.
struct EnvFileEntry {
    std::string name;
    std::string value;
};

// The entries of a dotenv text: `NAME=VALUE` per line, `export ` before the name allowed,
// blank lines and `#` comments skipped; a value is taken as written up to an ` #` comment and
// trimmed, or 'single-quoted' (as is), or "double-quoted" (\n, \t, \", \\ and \$ read as
// escapes). An error names `file:line:col` and what was expected, never the line's text.
Result<std::vector<EnvFileEntry>> parse_env_file(std::string_view text, const std::string& file);

// Reads and parses the env file at `path`: a regular file that neither its group nor others
// may read or write (mode 0600 or narrower), at most 1 MiB.
Result<std::vector<EnvFileEntry>> read_env_file(const std::string& path);

// Sets each entry as an environment variable of this process, unless the variable is already
// set to a non-empty value (the environment wins, as with dotenv tools); the names set.
std::vector<std::string> export_env_file(const std::vector<EnvFileEntry>& entries);

} // namespace mailsync
