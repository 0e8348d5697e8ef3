// The plan as JSON: what `plan --format json` prints and `plan --out FILE` saves. The schema is
// schemas/plan.schema.json; it holds secret fingerprints, never secret values.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "plan/plan.hpp"
#include "util/error.hpp"

namespace mailsync {

nlohmann::ordered_json plan_to_json(const Plan& plan);
Result<Plan> plan_from_json(const nlohmann::json& json);

// Saves the plan under `path` atomically (util/safe_file), never through a symbolic link.
Result<void> write_plan_file(const Plan& plan, const std::string& path);
Result<Plan> read_plan_file(const std::string& path);
// A plan file's text already read.
Result<Plan> read_plan_text(std::string_view text);

// Whether a file looks like a saved plan (for `apply PLANFILE` versus `apply PATH`).
bool is_plan_file(const std::string& path);

} // namespace mailsync
