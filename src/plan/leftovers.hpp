// What the declared resources leave in the target: objects of the configuration's scope that
// go (or, with deletes off, stay), objects of other scopes and nobody's, left alone; and the
// warning for a rename made by hand (a create and a delete of one mailbox).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/mapping.hpp"
#include "model/ownership.hpp"
#include "plan/plan.hpp"
#include "target/target.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// The objects of one kind that no declared resource took, and what the plan knows of them.
struct Leftovers {
    Kind kind = Kind::oauth2_client;
    const KindMapping& mapping;
    const std::vector<TargetObject>& objects; // the kind's listing
    const std::set<std::string>& wanted;      // names declared (and previous names taken)
    const std::set<std::string>& claimed;     // target ids a declared resource takes
    const std::map<std::pair<Kind, std::string>, std::string>& managed; // state: → target id
    const Ownership& ownership;
};

// Adds a delete (or a left-in-place entry) for each object of the scope that the state manages
// and nobody takes; a protected one is an error. Objects of other scopes are counted in
// `other_scopes`, the rest listed as unmanaged.
void plan_leftovers(const Leftovers& leftovers, Plan& plan,
                    std::map<std::string, std::size_t>& other_scopes, Diagnostics& diagnostics);

// Warns of every create and delete of the same kind, host and username: two objects using
// one mailbox until the delete runs.
void warn_hand_made_renames(Plan& plan, const MappingProfile& profile);

} // namespace mailsync
