#include "plan/plan_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "plan/rows.hpp"
#include "util/safe_file.hpp"

namespace mailsync {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr const char* plan_kind = "mailsync-plan";

ordered_json action_to_json(const Plan& plan, const PlannedAction& action) {
    ordered_json out;
    out["action"] = action_name(action.type);
    out["kind"] = kind_name(action.kind);
    out["name"] = action.name;
    out["collection"] = action.collection;
    if (!action.target_id.empty()) {
        out["target_id"] = action.target_id;
        out["seen_version"] = action.seen_version;
    }
    if (action.adopt)
        out["adopt"] = true;
    if (!action.previous_name.empty())
        out["previous_name"] = action.previous_name;
    if (action.replace)
        out["replace"] = true;
    if (action.type == ActionType::create || action.type == ActionType::update)
        out["fields"] = action.fields;
    out["secrets"] = ordered_json::array();
    for (const SecretSlot& slot : action.secrets)
        out["secrets"].push_back(
            {{"key", slot.key}, {"label", slot.label}, {"fingerprint", slot.fingerprint}});
    out["cleared_secrets"] = action.cleared_secrets;
    out["changes"] = ordered_json::array();
    for_each_change(plan, action, [&](const FieldChange& change) {
        ordered_json item;
        item["label"] = change.label;
        item["key"] = change.key;
        if (change.sensitive) {
            item["sensitive"] = true;
            item["secret_change"] = change.secret_change.str();
        } else {
            item["before"] = change.before;
            item["after"] = change.after;
        }
        out["changes"].push_back(std::move(item));
    });
    out["depends_on"] = action.depends_on;
    return out;
}

Result<PlannedAction> action_from_json(const json& in, std::size_t count) {
    PlannedAction action;
    std::string type = in.at("action");
    if (type == "create")
        action.type = ActionType::create;
    else if (type == "update")
        action.type = ActionType::update;
    else if (type == "delete")
        action.type = ActionType::remove;
    else if (type == "no-op")
        action.type = ActionType::noop;
    else
        return fail(fmt::format("unknown action '{}'", type));
    std::optional<Kind> kind = parse_kind(in.at("kind").get<std::string>());
    if (!kind)
        return fail(fmt::format("unknown kind '{}'", in.at("kind").get<std::string>()));
    action.kind = *kind;
    action.name = in.at("name");
    action.collection = in.at("collection");
    action.target_id = in.value("target_id", "");
    action.seen_version = in.value("seen_version", "");
    action.adopt = in.value("adopt", false);
    action.previous_name = in.value("previous_name", "");
    action.replace = in.value("replace", false);
    action.fields = in.value("fields", json::object());
    for (const json& slot : in.at("secrets"))
        action.secrets.push_back({slot.at("key"), slot.at("label"), slot.at("fingerprint")});
    action.cleared_secrets = in.value("cleared_secrets", std::vector<std::string>());
    for (const json& change : in.at("changes")) {
        FieldChange item;
        item.label = change.at("label").get<std::string>();
        item.key = change.at("key").get<std::string>();
        item.sensitive = change.value("sensitive", false);
        item.secret_change = change.value("secret_change", std::string());
        item.before = change.value("before", json());
        item.after = change.value("after", json());
        action.changes.push_back(std::move(item));
    }
    for (std::size_t dependency : in.at("depends_on").get<std::vector<std::size_t>>()) {
        if (dependency >= count)
            return fail(fmt::format("action '{}' depends on action {}, which does not exist",
                                    action.name, dependency));
        action.depends_on.push_back(dependency);
    }
    return action;
}

} // namespace

ordered_json plan_to_json(const Plan& plan) {
    ordered_json out;
    out["kind"] = plan_kind;
    out["format_version"] = plan.format_version;
    out["mailsync_version"] = plan.mailsync_version;
    out["created_at"] = plan.created_at;
    out["target"] = plan.target;
    out["mapping"] = plan.mapping;
    out["environment"] = plan.environment ? ordered_json(*plan.environment) : ordered_json();
    out["state"] = plan.state;
    out["config_digest"] = plan.config_digest;
    out["working_directory"] = plan.working_directory;
    out["paths"] = plan.paths;
    out["selected"] = plan.selected;
    out["replace"] = plan.replaced;
    out["replace_secrets"] = plan.replace_secrets;
    out["scope"] = plan.scope.empty() ? ordered_json() : ordered_json(plan.scope);
    out["deletes"] = plan.deletes_allowed ? "allow" : "never";
    out["max_deletes"] = plan.max_deletes;
    out["config_files"] = ordered_json::array();
    for (const ConfigFileDigest& file : plan.config_files)
        out["config_files"].push_back({{"path", file.path}, {"sha256", file.sha256}});
    out["seen_objects"] = ordered_json::array();
    for (const SeenObject& object : plan.seen_objects)
        out["seen_objects"].push_back({{"kind", kind_name(object.kind)},
                                       {"collection", object.collection},
                                       {"target_id", object.id},
                                       {"name", object.name},
                                       {"version", object.version}});
    PlanCounts counts = plan.counts();
    out["summary"] = {{"create", counts.create},
                      {"update", counts.update},
                      {"delete", counts.remove},
                      {"no-op", counts.noop}};
    out["actions"] = ordered_json::array();
    for (const PlannedAction& action : plan.actions)
        out["actions"].push_back(action_to_json(plan, action));
    out["unmanaged"] = ordered_json::array();
    for (const UnmanagedObject& object : plan.unmanaged)
        out["unmanaged"].push_back(
            {{"kind", kind_name(object.kind)}, {"name", object.name}, {"target_id", object.id}});
    out["left_in_place"] = ordered_json::array();
    for (const KeptObject& object : plan.left_in_place) {
        ordered_json item{{"kind", kind_name(object.kind)},
                          {"name", object.name},
                          {"target_id", object.id},
                          {"key_fields", ordered_json::object()}};
        for (const FieldChange& field : object.key_fields)
            item["key_fields"][field.label] = field.before;
        out["left_in_place"].push_back(std::move(item));
    }
    out["notes"] = plan.notes;
    out["warnings"] = plan.warnings;
    return out;
}

Result<Plan> plan_from_json(const json& in) {
    try {
        if (in.value("kind", "") != plan_kind)
            return fail("not a mailsync plan (its \"kind\" is not \"mailsync-plan\")");
        Plan plan;
        plan.format_version = in.at("format_version");
        if (plan.format_version == 1 || plan.format_version == 2)
            return fail(fmt::format("plan format {} is from an older mailsync and cannot be "
                                    "checked against the target as it is now; run mailsync plan "
                                    "again",
                                    plan.format_version));
        if (plan.format_version != Plan::current_format)
            return fail(
                fmt::format("plan format {} is not supported; this mailsync reads format {}",
                            plan.format_version, Plan::current_format));
        plan.mailsync_version = in.at("mailsync_version");
        plan.created_at = in.at("created_at");
        plan.target = in.at("target");
        plan.mapping = in.at("mapping");
        if (in.contains("environment") && in["environment"].is_string())
            plan.environment = in["environment"].get<std::string>();
        plan.state = in.value("state", "");
        plan.config_digest = in.at("config_digest");
        plan.working_directory = in.at("working_directory");
        plan.paths = in.at("paths").get<std::vector<std::string>>();
        plan.selected = in.at("selected").get<std::vector<std::string>>();
        plan.replaced = in.at("replace").get<std::vector<std::string>>();
        plan.replace_secrets = in.at("replace_secrets").get<bool>();
        if (in.at("scope").is_string())
            plan.scope = in["scope"].get<std::string>();
        plan.deletes_allowed = in.at("deletes").get<std::string>() != "never";
        plan.max_deletes = in.at("max_deletes").get<std::size_t>();
        for (const json& item : in.at("config_files"))
            plan.config_files.push_back({item.at("path"), item.at("sha256")});
        for (const json& item : in.at("seen_objects")) {
            std::optional<Kind> kind = parse_kind(item.at("kind").get<std::string>());
            if (!kind)
                return fail(fmt::format("unknown kind '{}'", item.at("kind").get<std::string>()));
            plan.seen_objects.push_back({*kind, item.at("collection"), item.at("target_id"),
                                         item.at("name"), item.at("version")});
        }
        std::size_t count = in.at("actions").size();
        for (const json& item : in.at("actions")) {
            Result<PlannedAction> action = action_from_json(item, count);
            if (!action)
                return std::unexpected(action.error());
            plan.actions.push_back(std::move(*action));
        }
        for (const json& item : in.at("unmanaged")) {
            std::optional<Kind> kind = parse_kind(item.at("kind").get<std::string>());
            if (kind)
                plan.unmanaged.push_back({*kind, item.at("name"), item.at("target_id")});
        }
        for (const json& item : in.at("left_in_place")) {
            std::optional<Kind> kind = parse_kind(item.at("kind").get<std::string>());
            if (!kind)
                continue;
            KeptObject object{*kind, item.at("name"), item.at("target_id"), {}};
            for (const auto& [label, value] : item.at("key_fields").items())
                object.key_fields.push_back({label, "", value, nullptr, false, ""});
            plan.left_in_place.push_back(std::move(object));
        }
        plan.notes = in.value("notes", std::vector<std::string>());
        plan.warnings = in.value("warnings", std::vector<std::string>());
        return plan;
    } catch (const json::exception& error) {
        return fail(fmt::format("broken plan: {}", error.what()));
    }
}

Result<void> write_plan_file(const Plan& plan, const std::string& path) {
    return write_file_atomic(path, plan_to_json(plan).dump(2) + "\n");
}

Result<Plan> read_plan_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Result<Plan> plan = read_plan_text(text);
    if (!plan)
        return fail(fmt::format("{}: {}", path, plan.error().message));
    return plan;
}

Result<Plan> read_plan_text(std::string_view text) {
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded())
        return fail("not JSON");
    return plan_from_json(parsed);
}

bool is_plan_file(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        return false;
    // Configuration is YAML; a .json file named to apply can only be meant as a plan, and a
    // broken one is better told as such than parsed as YAML.
    if (path.ends_with(".json"))
        return true;
    std::ifstream in(path, std::ios::binary);
    char head[256] = {};
    in.read(head, sizeof head - 1);
    std::string_view text(head, static_cast<std::size_t>(in.gcount()));
    return text.find("\"kind\": \"mailsync-plan\"") != std::string_view::npos ||
           text.find("\"kind\":\"mailsync-plan\"") != std::string_view::npos;
}

} // namespace mailsync
