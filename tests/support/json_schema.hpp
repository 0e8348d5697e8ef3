// Checking JSON against a JSON Schema (draft 7, valijson) in tests.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mailsync::test {

// Each violation as "path: description"; empty when `instance` is valid.
std::vector<std::string> schema_violations(const nlohmann::json& schema,
                                           const nlohmann::json& instance);

// The same with a schema file of the repository's schemas/ folder.
std::vector<std::string> schema_file_violations(const std::string& schema_file,
                                                const nlohmann::json& instance);

} // namespace mailsync::test
