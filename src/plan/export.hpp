// Export: what a target holds, back into mailsync's own YAML, through the mapping profile read
// in reverse, so that planning the exported files against the same target changes nothing.
#pragma once

#include <string>
#include <vector>

#include "config/writer.hpp"
#include "model/mapping.hpp"
#include "plan/diff.hpp"

namespace mailsync {

struct ExportResult {
    std::vector<WrittenResource> resources; // clients first, then accounts, then SMTP
    std::vector<std::string> errors;        // objects that cannot be expressed, and why
};

// Turns a snapshot of the target into resources; a secret the target holds (write-only, so its
// value is unknown) becomes a variable to fill in. An object whose values the profile cannot map
// back (a Service Provider it does not know, a reference to a client that is not there), or whose
// YAML the loader refuses (a name outside the rules, a required field missing, a combination
// validate refuses), is left out with an error that says so: what is returned always loads.
ExportResult export_snapshot(const TargetSnapshot& snapshot, const MappingProfile& profile);

// The fingerprint the state records for a secret adopted by export: its value is not known, so
// plan takes it as set and does not compare it.
inline constexpr const char* exported_fingerprint = "exported";

} // namespace mailsync
