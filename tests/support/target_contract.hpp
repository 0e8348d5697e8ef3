// schemas/target-api.yaml read as JSON, and instances checked against its component schemas.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mailsync::test {

// The contract, YAML scalars typed as YAML 1.2's core schema reads them.
const nlohmann::json& target_contract();

// The violations of `instance` against the contract's `#/components/schemas/NAME` (a plain
// JSON Schema validator, draft 4); empty when it is valid.
std::vector<std::string> contract_violations(const nlohmann::json& instance,
                                             const std::string& name);

} // namespace mailsync::test
