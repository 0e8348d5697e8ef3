#include "plan/saved_plan.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/rows.hpp"

namespace mailsync {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// How an action is named in a difference: `MailAccount "box-1"`.
std::string subject(Kind kind, const std::string& name) {
    return fmt::format("{} \"{}\"", kind_name(kind), name);
}

// What an action does, in the words of a difference.
std::string_view doing(const PlannedAction* action) {
    if (action == nullptr)
        return "no action";
    if (action->type == ActionType::noop)
        return action->adopt ? "adopt" : "no change";
    return action_name(action->type);
}

// A JSON value as a difference quotes it; absent fields are said so.
std::string quoted(const json& value) {
    return value.is_null() ? "(absent)" : value.dump();
}

// The differences in configuration files read: which were added, dropped or edited.
void compare_config(const Plan& saved, const Plan& fresh, std::vector<std::string>& out) {
    std::map<std::string, std::string> before;
    for (const ConfigFileDigest& file : saved.config_files)
        before[file.path] = file.sha256;
    std::set<std::string> now;
    bool any = false;
    for (const ConfigFileDigest& file : fresh.config_files) {
        now.insert(file.path);
        auto found = before.find(file.path);
        if (found == before.end())
            out.push_back(fmt::format("config file \"{}\" is read now but was not read by the "
                                      "plan",
                                      file.path));
        else if (found->second != file.sha256)
            out.push_back(fmt::format("config file \"{}\" changed since the plan", file.path));
        else
            continue;
        any = true;
    }
    for (const ConfigFileDigest& file : saved.config_files) {
        if (!now.contains(file.path)) {
            out.push_back(fmt::format("config file \"{}\" is no longer read", file.path));
            any = true;
        }
    }
    if (!any && saved.config_digest != fresh.config_digest)
        out.push_back("the configuration digest is not the one of the files read now");
}

// The differences between the objects the plan saw and those the target holds now.
void compare_objects(const Plan& saved, const TargetSnapshot& snapshot,
                     const MappingProfile& profile, std::vector<std::string>& out) {
    std::map<std::string, Kind> collections;
    for (const auto& [kind, mapping] : profile.kinds)
        collections.emplace(mapping.collection, kind);
    std::map<std::pair<std::string, std::string>, const SeenObject*> seen;
    for (const SeenObject& object : saved.seen_objects) {
        if (!collections.contains(object.collection)) {
            out.push_back(fmt::format("the plan lists an object in collection \"{}\", which the "
                                      "mapping profile does not have",
                                      object.collection));
            continue;
        }
        seen[{object.collection, object.id}] = &object;
    }
    std::set<std::pair<std::string, std::string>> now;
    for (const auto& [collection, kind] : collections) {
        auto listing = snapshot.collections.find(collection);
        if (listing == snapshot.collections.end())
            continue;
        for (const TargetObject& object : listing->second) {
            now.insert({collection, object.id});
            auto found = seen.find({collection, object.id});
            if (found == seen.end())
                out.push_back(fmt::format("{} appeared in the target since the plan",
                                          subject(kind, object.name())));
            else if (found->second->version != object.version)
                out.push_back(fmt::format("{} changed in the target since the plan (version {} "
                                          "→ {})",
                                          subject(kind, object.name()), found->second->version,
                                          object.version));
        }
    }
    for (const auto& [key, object] : seen) {
        if (!now.contains(key))
            out.push_back(fmt::format("{} is gone from the target since the plan",
                                      subject(object->kind, object->name)));
    }
}

// A field change as the plan file holds it, to compare what a reviewer read.
json change_json(const FieldChange& change) {
    json out{{"label", change.label}, {"key", change.key}};
    if (change.sensitive)
        out["secret_change"] = change.secret_change.str();
    else
        out["before"] = change.before, out["after"] = change.after;
    return out;
}

// The names of the actions `action` depends on, to compare across two plans' orders.
std::set<std::string> dependency_names(const PlannedAction& action, const Plan& plan) {
    std::set<std::string> out;
    for (std::size_t index : action.depends_on) {
        if (index < plan.actions.size())
            out.insert(subject(plan.actions[index].kind, plan.actions[index].name));
    }
    return out;
}

// The differences between two actions on the same resource, field by field.
void compare_action(const PlannedAction& saved, const Plan& saved_plan, const PlannedAction& fresh,
                    const Plan& fresh_plan,
                    const std::map<std::string, std::string>& saved_versions,
                    std::vector<std::string>& out) {
    std::string who = subject(fresh.kind, fresh.name);
    std::size_t before = out.size();
    if (saved.type != fresh.type || saved.adopt != fresh.adopt) {
        out.push_back(
            fmt::format("{}: saved plan says {}, now {}", who, doing(&saved), doing(&fresh)));
        return;
    }
    if (saved.target_id != fresh.target_id)
        out.push_back(fmt::format("{}: target id: saved \"{}\", now \"{}\"", who, saved.target_id,
                                  fresh.target_id));
    // An object that moved is named once, by compare_objects; here only a file whose action
    // disagrees with the objects it lists.
    auto seen = saved_versions.find(saved.target_id);
    bool listed = seen != saved_versions.end() && seen->second == saved.seen_version;
    if (saved.seen_version != fresh.seen_version && !listed)
        out.push_back(fmt::format("{}: version seen: saved \"{}\", now \"{}\"", who,
                                  saved.seen_version, fresh.seen_version));
    if (fresh.type == ActionType::create || fresh.type == ActionType::update) {
        std::set<std::string> keys;
        for (const auto& [key, value] : saved.fields.items())
            keys.insert(key);
        for (const auto& [key, value] : fresh.fields.items())
            keys.insert(key);
        for (const std::string& key : keys) {
            json was = saved.fields.value(key, json());
            json is = fresh.fields.value(key, json());
            if (was != is)
                out.push_back(fmt::format("{}: field {}: saved {}, now {}", who, key, quoted(was),
                                          quoted(is)));
        }
    }
    std::map<std::string, const SecretSlot*> slots;
    for (const SecretSlot& slot : saved.secrets)
        slots[slot.key] = &slot;
    for (const SecretSlot& slot : fresh.secrets) {
        auto found = slots.find(slot.key);
        if (found == slots.end())
            out.push_back(fmt::format("{}: secret {}: the saved plan does not write it, now it is "
                                      "written",
                                      who, slot.label));
        else if (found->second->fingerprint != slot.fingerprint)
            out.push_back(fmt::format("{}: secret {}: its fingerprint differs (the secret changed "
                                      "since the plan)",
                                      who, slot.label));
        if (found != slots.end())
            slots.erase(found);
    }
    for (const auto& [key, slot] : slots)
        out.push_back(fmt::format("{}: secret {}: the saved plan writes it, now it is not written",
                                  who, slot->label));
    if (saved.previous_name != fresh.previous_name)
        out.push_back(fmt::format("{}: renamed from \"{}\" in the saved plan, from \"{}\" now", who,
                                  saved.previous_name, fresh.previous_name));
    if (saved.cleared_secrets != fresh.cleared_secrets)
        out.push_back(fmt::format("{}: secrets cleared: saved [{}], now [{}]", who,
                                  fmt::join(saved.cleared_secrets, ", "),
                                  fmt::join(fresh.cleared_secrets, ", ")));
    if (dependency_names(saved, saved_plan) != dependency_names(fresh, fresh_plan))
        out.push_back(fmt::format("{}: depends on [{}] in the saved plan, [{}] now", who,
                                  fmt::join(dependency_names(saved, saved_plan), ", "),
                                  fmt::join(dependency_names(fresh, fresh_plan), ", ")));
    if (out.size() != before)
        return;
    // What a reviewer read must be what is applied, even where the fields agree.
    std::vector<json> shown_before, shown_now;
    for_each_change(saved_plan, saved, [&](const FieldChange& change) {
        shown_before.push_back(change_json(change));
    });
    for_each_change(fresh_plan, fresh,
                    [&](const FieldChange& change) { shown_now.push_back(change_json(change)); });
    if (shown_before != shown_now)
        out.push_back(
            fmt::format("{}: the changes the saved plan shows are not those planned now", who));
}

// The differences action by action, matched by kind and name.
void compare_actions(const Plan& saved, const Plan& fresh, const MappingProfile& profile,
                     std::vector<std::string>& out) {
    std::map<std::pair<Kind, std::string>, const PlannedAction*> by_name;
    for (const PlannedAction& action : saved.actions) {
        const KindMapping* mapping = profile.find(action.kind);
        if (mapping == nullptr || action.collection != mapping->collection)
            out.push_back(fmt::format("{}: collection \"{}\" is not the mapping profile's \"{}\"",
                                      subject(action.kind, action.name), action.collection,
                                      mapping == nullptr ? "" : mapping->collection));
        if (!by_name.emplace(std::pair{action.kind, action.name}, &action).second)
            out.push_back(fmt::format("{}: the saved plan has two actions for it",
                                      subject(action.kind, action.name)));
    }
    std::map<std::string, std::string> saved_versions; // id → the version the file lists
    for (const SeenObject& object : saved.seen_objects)
        saved_versions[object.id] = object.version;
    for (const PlannedAction& action : fresh.actions) {
        auto found = by_name.find({action.kind, action.name});
        if (found == by_name.end()) {
            out.push_back(fmt::format("{}: saved plan says no action, now {}",
                                      subject(action.kind, action.name), doing(&action)));
            continue;
        }
        compare_action(*found->second, saved, action, fresh, saved_versions, out);
        by_name.erase(found);
    }
    for (const auto& [key, action] : by_name)
        out.push_back(fmt::format("{}: saved plan says {}, now no action",
                                  subject(action->kind, action->name), doing(action)));
}

// Whether a path given to plan leaves the current folder, lexically or through a link.
bool outside_current_folder(const std::string& path) {
    fs::path given(path);
    if (given.is_absolute() || given.has_root_name() || given.has_root_directory())
        return true;
    fs::path normal = given.lexically_normal();
    if (!normal.empty() && *normal.begin() == "..")
        return true;
    std::error_code error;
    fs::path here = fs::weakly_canonical(fs::current_path(error), error);
    fs::path there = fs::weakly_canonical(here / given, error);
    if (error)
        return true;
    fs::path inside = there.lexically_relative(here);
    return inside.empty() || *inside.begin() == "..";
}

} // namespace

std::vector<std::string> saved_plan_differences(const Plan& saved, const Plan& fresh,
                                                const TargetSnapshot& snapshot,
                                                const MappingProfile& profile) {
    std::vector<std::string> out;
    if (saved.target != fresh.target)
        out.push_back(fmt::format("target: the plan is for {}, this run's is {}", saved.target,
                                  fresh.target));
    if (saved.mapping != fresh.mapping)
        out.push_back(fmt::format("mapping: the plan was made with {}, this run uses {}",
                                  saved.mapping, fresh.mapping));
    if (saved.scope != fresh.scope)
        out.push_back(fmt::format("scope: the plan was made for {}, this run owns {}",
                                  describe_scope(saved.scope), describe_scope(fresh.scope)));
    if (saved.deletes_allowed != fresh.deletes_allowed)
        out.push_back(fmt::format("deletes: the plan was made with deletes {}, this run has {}",
                                  saved.deletes_allowed ? "allowed" : "never",
                                  fresh.deletes_allowed ? "allowed" : "never"));
    compare_config(saved, fresh, out);
    compare_objects(saved, snapshot, profile, out);
    compare_actions(saved, fresh, profile, out);
    return out;
}

Result<std::vector<std::string>> saved_plan_config_paths(const Plan& saved,
                                                         const std::vector<std::string>& given) {
    if (!given.empty())
        return given;
    if (saved.paths.empty())
        return std::vector<std::string>{"."};
    for (const std::string& path : saved.paths) {
        if (outside_current_folder(path))
            return fail(fmt::format("the plan names the configuration '{}', which is not inside "
                                    "the current folder; name it after the plan file: mailsync "
                                    "apply PLANFILE PATH...",
                                    path));
    }
    return saved.paths;
}

} // namespace mailsync
