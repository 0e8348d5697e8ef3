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
        bool key = field.from == "host" || field.from == "username" || field.from == "clientId";
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
            if (managed != managed_names.end())
                plan.notes.push_back(fmt::format(
                    "{} '{}' is in the state but now belongs to {} in the target; left alone",
                    kind_name(in.kind), managed->second, describe_scope(owner)));
            continue;
        }
        // Ours: managed by the state, or carrying this configuration's scope.
        if (managed == managed_names.end() && owner.empty()) {
            plan.unmanaged.push_back({in.kind, object.name(), object.id});
            continue;
        }
        std::string name = managed != managed_names.end() ? managed->second : object.name();
        plan_removal(in, object, name, plan, diagnostics);
    }
    for (const auto& [id, name] : managed_names) {
        if (!present.contains(id))
            plan.notes.push_back(
                fmt::format("{} '{}' is managed but no longer in the target; nothing to delete",
                            kind_name(in.kind), name));
    }
}

void warn_hand_made_renames(Plan& plan, const MappingProfile& profile) {
    // The deletes by (kind, host, username).
    std::map<std::tuple<Kind, std::string, std::string>, std::vector<const PlannedAction*>> gone;
    for (const PlannedAction& removed : plan.actions) {
        const KindMapping* mapping = profile.find(removed.kind);
        if (removed.type != ActionType::remove || mapping == nullptr)
            continue;
        json host, user;
        for (const FieldChange& field : removed.changes) {
            if (field.key == key_of(*mapping, "host"))
                host = field.before;
            else if (field.key == key_of(*mapping, "username"))
                user = field.before;
        }
        if (!host.is_null() && !user.is_null())
            gone[{removed.kind, host.dump(), user.dump()}].push_back(&removed);
    }
    if (gone.empty())
        return;
    for (const PlannedAction& created : plan.actions) {
        const KindMapping* mapping = profile.find(created.kind);
        if (created.type != ActionType::create || mapping == nullptr)
            continue;
        json host = created.fields.value(key_of(*mapping, "host"), json());
        json user = created.fields.value(key_of(*mapping, "username"), json());
        auto found = gone.find({created.kind, host.dump(), user.dump()});
        if (host.is_null() || user.is_null() || found == gone.end())
            continue;
        for (const PlannedAction* removed : found->second)
            plan.warnings.push_back(fmt::format(
                "{} '{}' is created and '{}' deleted with the same host and username ({}, {}): "
                "both would use the same mailbox until the delete runs. To rename in place, give "
                "'{}' metadata.previousNames: ['{}']",
                kind_name(created.kind), created.name, removed->name, host.dump(), user.dump(),
                created.name, removed->name));
    }
}

} // namespace mailsync
