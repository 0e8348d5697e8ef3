// Mapping profiles read from YAML: the built-in ones compiled into the binary, or a user's file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/mapping.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// Reads a profile; every problem goes to `diagnostics` as `file:line:col`.
std::optional<MappingProfile> parse_mapping(std::string_view text, const std::string& file,
                                            Diagnostics& diagnostics);

// The names of the profiles compiled in; the first is the default.
std::vector<std::string> builtin_mapping_names();

// The text of a built-in profile, or nullopt for an unknown name.
std::optional<std::string_view> builtin_mapping_text(std::string_view name);

// `--mapping` takes a built-in name or a file path. The text read is added to `sources`.
std::optional<MappingProfile> load_mapping(const std::string& name_or_path, SourceFiles& sources,
                                           Diagnostics& diagnostics);

} // namespace mailsync
