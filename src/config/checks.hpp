// Checks across resources and between fields: names, references, grants, plaintext logins.
#pragma once

#include "model/resources.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// Appends every problem found in `config` as a whole to `diagnostics`.
void check_config(const Config& config, Diagnostics& diagnostics);

} // namespace mailsync
