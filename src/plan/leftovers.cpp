#include "plan/leftovers.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "plan/labels.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

// The fields that say which mailbox or client an object is: host, username, client id.
std::vector<FieldChange> key_fields(const KindMapping& mapping, const TargetObject& object) {
    std::vector<FieldChange> out;
    for (const FieldMapping& field : mapping.fields) {
        bool key = field.from == "host" || field.from == "username" || field.from == "folder" ||
                   field.from == "clientId";
        if (key && object.fields.contains(field.key))
            out.push_back({field.label, field.key, object.fields[field.key], nullptr, false, ""});
    }
    return out;
}

// The API key the mapping fills from attribute `from`, or empty.
std::string key_of(const KindMapping& mapping, std::string_view from) {
    for (const FieldMapping& field : mapping.fields) {
        if (field.from == from)
            return field.key;
    }
    return "";
}

// A delete, or with deletes off an entry of what stays; a protected object is an error.
void plan_removal(const Leftovers& in, const TargetObject& object, const std::string& name,
                  Plan& plan, Diagnostics& diagnostics) {
    std::vector<FieldChange> fields = key_fields(in.mapping, object);
    if (!in.ownership.allow_deletes) {
        plan.left_in_place.push_back({in.kind, name, object.id, std::move(fields)});
        return;
    }
    if (is_protected(object))
        diagnostics.error({}, fmt::format("{} '{}' is protected (label {} in the target, from "
                                          "metadata.protected: true), and this plan would delete "
                                          "it; to delete it, first apply it with protected: false",
                                          kind_name(in.kind), name, protected_label));
    PlannedAction action;
    action.type = ActionType::remove;
    action.kind = in.kind;
    action.name = name;
    action.collection = in.mapping.collection;
    action.target_id = object.id;
    action.seen_version = object.version;
    action.changes = std::move(fields);
    plan.actions.push_back(std::move(action));
}

} // namespace

void plan_leftovers(const Leftovers& in, Plan& plan,
                    std::map<std::string, std::size_t>& other_scopes, Diagnostics& diagnostics) {
    std::map<std::string, std::string> managed_names; // target id → name in the state
    for (const auto& [key, id] : in.managed) {
        if (key.first == in.kind && !in.wanted.contains(key.second))
            managed_names[id] = key.second;
    }
    // By name, so that the plan reads the same whatever order the target lists in.
    std::vector<const TargetObject*> by_name;
    for (const TargetObject& object : in.objects)
        by_name.push_back(&object);
    std::sort(by_name.begin(), by_name.end(),
              [](const TargetObject* a, const TargetObject* b) { return a->name() < b->name(); });
    std::set<std::string> present;
    for (const TargetObject* listed : by_name) {
        const TargetObject& object = *listed;
        present.insert(object.id);
        if (in.claimed.contains(object.id))
            continue;
        std::string owner = scope_of(object);
        auto managed = managed_names.find(object.id);
        if (owner != in.ownership.scope) {
            if (!owner.empty())
                ++other_scopes[owner];
            else
                plan.unmanaged.push_back({in.kind, object.name(), object.id});
            continue;
        }
        // Ours to delete only when this state manages it: the scope's label alone is not
        // enough, since another folder (or a pull request) may claim the same scope.
        if (managed == managed_names.end()) {
            plan.unmanaged.push_back({in.kind, object.name(), object.id});
            continue;
        }
        plan_removal(in, object, managed->second, plan, diagnostics);
    }
    for (const auto& [id, name] : managed_names) {
        if (!present.contains(id))
            plan.notes.push_back(
                fmt::format("{} '{}' is managed but no longer in the target; nothing to delete",
                            kind_name(in.kind), name));
    }
}

void warn_hand_made_renames(Plan& plan, const MappingProfile& profile) {
    // (kind, host, username, folder) of an object, from its fields or a delete's key fields.
    using Mailbox = std::tuple<Kind, std::string, std::string, std::string>;
    auto mailbox = [&](Kind kind, const KindMapping& mapping, const json& fields) {
        auto text = [&](std::string_view from) {
            return fields.value(key_of(mapping, from), json()).dump();
        };
        return Mailbox{kind, text("host"), text("username"), text("folder")};
    };
    std::map<Mailbox, const PlannedAction*> created;
    for (const PlannedAction& action : plan.actions) {
        const KindMapping* mapping = profile.find(action.kind);
        if (action.type == ActionType::create && mapping != nullptr)
            created.emplace(mailbox(action.kind, *mapping, action.fields), &action);
    }
    if (created.empty())
        return;
    constexpr std::size_t most = 20; // a plan of thousands would bury the rest
    std::size_t found = 0;
    for (const PlannedAction& removed : plan.actions) {
        const KindMapping* mapping = profile.find(removed.kind);
        if (removed.type != ActionType::remove || mapping == nullptr)
            continue;
        json fields = json::object();
        for (const FieldChange& field : removed.changes)
            fields[field.key] = field.before;
        if (fields.value(key_of(*mapping, "host"), json()).is_null() ||
            fields.value(key_of(*mapping, "username"), json()).is_null())
            continue;
        auto match = created.find(mailbox(removed.kind, *mapping, fields));
        if (match == created.end() || ++found > most)
            continue;
        const PlannedAction& twin = *match->second;
        plan.warnings.push_back(fmt::format(
            "{} '{}' is created and '{}' deleted with the same host, username and folder ({}, "
            "{}): both would read the same mailbox until the delete runs. To rename in place, "
            "give '{}' metadata.previousNames: ['{}']",
            kind_name(twin.kind), twin.name, removed.name, std::get<1>(match->first),
            std::get<2>(match->first), twin.name, removed.name));
    }
    if (found > most)
        plan.warnings.push_back(fmt::format("{} more creates of a mailbox that a delete of the "
                                            "plan still reads (the first {} are named above)",
                                            found - most, most));
}

} // namespace mailsync
