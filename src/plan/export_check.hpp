// The check that export writes only what loads: the exported resources go through the loader's
// own passes, and any resource they find an error in is left out with the loader's reasons.
#pragma once

#include "model/mapping.hpp"
#include "plan/export.hpp"

namespace mailsync {

// Loads `result.resources` the way `validate` loads the written files (schema, checks across
// resources, rendering through `profile`; secrets not resolved) and moves each resource with an
// error out of them into `result.errors`, named with its kind, name and target id. Repeats until
// the rest loads, since leaving out a client leaves the references to it dangling.
void leave_out_unloadable(ExportResult& result, const MappingProfile& profile);

} // namespace mailsync
