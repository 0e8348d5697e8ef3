// Finding the YAML files under the paths given, and reading them with limits.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/diagnostics.hpp"

namespace mailsync {

// Files larger than this are refused before they are parsed.
inline constexpr std::size_t max_source_bytes = 4 * 1024 * 1024;

// Each path is a file, or a folder whose `*.yaml` and `*.yml` files (at any depth, hidden
// folders skipped) are taken in sorted order. A file named twice is taken once. A folder is the
// root of the files found in it, a file's own folder its root; a file whose real path leaves
// its root (through a link) is an error and is not taken. `roots`, when given, gets each file's.
std::vector<std::string> collect_yaml_files(const std::vector<std::string>& paths,
                                            Diagnostics& diagnostics,
                                            std::map<std::string, std::string>* roots = nullptr);

// The text of a file that must be UTF-8 text of at most `max_bytes`; a leading BOM is dropped.
std::optional<std::string> read_source_file(const std::string& path, Diagnostics& diagnostics,
                                            std::size_t max_bytes = max_source_bytes);
// The same checks for text already read: the BOM dropped, UTF-8 required.
std::optional<std::string> accept_source_text(const std::string& path, std::string text,
                                              Diagnostics& diagnostics);

} // namespace mailsync
