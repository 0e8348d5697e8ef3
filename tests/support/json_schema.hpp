// Checking JSON against a JSON Schema (valijson) in tests.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mailsync::test {

enum class SchemaDraft { draft4, draft7 };

// Each violation as "path: description"; empty when `instance` is valid. OpenAPI 3.0's schemas
// read as draft 4.
std::vector<std::string> schema_violations(const nlohmann::json& schema,
                                           const nlohmann::json& instance,
                                           SchemaDraft draft = SchemaDraft::draft7);

// The same with a schema file of the repository's schemas/ folder.
std::vector<std::string> schema_file_violations(const std::string& schema_file,
                                                const nlohmann::json& instance);

} // namespace mailsync::test
