// Recording what export wrote in the state: each object managed under its target id, each of its
// secrets with the fingerprint the state already holds for it, or else "exported".
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/writer.hpp"
#include "state/state.hpp"
#include "util/error.hpp"

namespace mailsync {

// The fingerprints to record for an exported resource's secrets, API key → fingerprint:
// `exported_fingerprint` for each secret the target holds, except where the state manages the
// resource under the same target id and already holds a fingerprint for that key. That one is
// not replaced, so a rotated secret is still planned; its key goes into `kept`.
std::map<std::string, std::string>
adopted_fingerprints(const WrittenResource& resource, const std::vector<ManagedObject>& managed,
                     const std::map<FingerprintKey, std::string>& held,
                     std::set<FingerprintKey>& kept);

// Records every resource as managed, with adopted_fingerprints, in one journalled run of
// `export` against `target`; returns the secrets whose fingerprint the state kept.
Result<std::set<FingerprintKey>> adopt_exported(StateStore& state,
                                                const std::vector<WrittenResource>& resources,
                                                const std::string& target,
                                                std::chrono::milliseconds wait);

} // namespace mailsync
