// Refresh and diff: the target's objects against the configuration, into a plan.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "model/mapping.hpp"
#include "model/ownership.hpp"
#include "plan/plan.hpp"
#include "state/state.hpp"
#include "target/target.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// What the target holds, one listing per collection.
struct TargetSnapshot {
    std::map<std::string, std::vector<TargetObject>> collections;
};

// Lists every collection the profile maps: one paged listing per kind.
Result<TargetSnapshot> refresh(Target& target, const MappingProfile& profile);

struct PlanInputs {
    const Config& config;
    const MappingProfile& profile;
    // Unchanged objects keep only what the later steps read (their name, references and
    // labels) once diffed: a plan of 100,000 holds their other fields once per changed object.
    TargetSnapshot& snapshot;
    const std::vector<ManagedObject>& managed;
    const std::map<FingerprintKey, std::string>& fingerprints;
    const StateStore& state;         // fingerprints the desired secrets with its key
    std::vector<ResourceId> select;  // empty: everything
    Ownership ownership;             // only objects of this scope are updated or deleted
    std::vector<ResourceId> replace; // written whole even where nothing differs
    bool replace_secrets = false;    // every configured secret written again
};

// Diffs by kind and name, within the ownership scope: an object of another scope is never
// updated, adopted or deleted, and one of the same name is an error. Problems that make the plan
// impossible (a delete that would break a connection that stays, a secret without a value) go to
// `diagnostics`; the plan is still returned so that it can be shown.
Plan make_plan(const PlanInputs& inputs, Diagnostics& diagnostics);

// The secret values of the configuration by (kind, name, API key), for apply.
std::map<FingerprintKey, SecretValue> secret_values(const Config& config,
                                                    const MappingProfile& profile);

} // namespace mailsync
