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
// its root (through a link) is an error and is not taken. `roots`, when given, gets each file's
// root; `real_paths` its real path, checked, which is what must be opened (read_confined_source).
// A folder given that is itself a link is refused: its real path would be another root.
std::vector<std::string>
collect_yaml_files(const std::vector<std::string>& paths, Diagnostics& diagnostics,
                   std::map<std::string, std::string>* roots = nullptr,
                   std::map<std::string, std::string>* real_paths = nullptr);

// The text of a file that must be UTF-8 text of at most `max_bytes`; a leading BOM is dropped.
std::optional<std::string> read_source_file(const std::string& path, Diagnostics& diagnostics,
                                            std::size_t max_bytes = max_source_bytes);
// read_source_file for a configuration file whose real path `real` collect_yaml_files
// checked: that path is opened, without following a link, and must be a regular file; messages
// name `path`.
std::optional<std::string> read_confined_source(const std::string& path, const std::string& real,
                                                Diagnostics& diagnostics);
// The same checks for text already read: the BOM dropped, UTF-8 required.
std::optional<std::string> accept_source_text(const std::string& path, std::string text,
                                              Diagnostics& diagnostics);

} // namespace mailsync
