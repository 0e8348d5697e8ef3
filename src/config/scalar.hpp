// How a YAML scalar reads as a typed value (YAML 1.2 core schema), and durations.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "config/yaml_tree.hpp"

namespace mailsync::yaml {

enum class ScalarType { null, boolean, integer, number, string };

// What a scalar is: plain `993` is an integer, quoted `"993"` a string.
ScalarType scalar_type(const Node& node);

std::optional<bool> as_bool(const Node& node);
std::optional<std::int64_t> as_int(const Node& node);

} // namespace mailsync::yaml

namespace mailsync {

// `30s`, `2m`, `1h`, `500ms`; nothing else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace mailsync
