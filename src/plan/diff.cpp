#include "plan/diff.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "plan/export.hpp"
#include "util/text.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

// A reference as plan fields hold it until apply knows the id.
json reference_json(const Reference& reference) {
    return json{{"$ref", fmt::format("{}/{}", kind_name(reference.kind), reference.name)}};
}

// A plain attribute value (string, number, boolean) as JSON.
json plain_json(const AttributeValue& value) {
    if (const std::string* text = std::get_if<std::string>(&value))
        return *text;
    if (const std::int64_t* number = std::get_if<std::int64_t>(&value))
        return *number;
    if (const bool* flag = std::get_if<bool>(&value))
        return *flag;
    return nullptr;
}

// The resource a `{"$ref": "Kind/name"}` names.
std::string referenced_name(const json& value) {
    std::string ref = value["$ref"].get<std::string>();
    return ref.substr(ref.find('/') + 1);
}

struct DesiredObject {
    Kind kind;
    std::string name;
    json fields = json::object();                 // non-secret, references as {"$ref": ...}
    std::map<std::string, const Secret*> secrets; // API key → secret
};

// The keys of a kind whose values are references to OAuth2 clients.
std::set<std::string> reference_keys(const KindMapping& mapping) {
    std::set<std::string> keys;
    for (const FieldMapping& field : mapping.fields) {
        if (field.from == "oauth2.client")
            keys.insert(field.key);
    }
    return keys;
}

class Planner {
public:
    Planner(const PlanInputs& inputs, Diagnostics& diagnostics)
        : m_in(inputs), m_diagnostics(diagnostics) {}

    Plan run() {
        Plan plan;
        plan.mapping = m_in.profile.name;
        for (const ResourceId& id : m_in.select)
            plan.selected.push_back(to_string(id));
        index_clients();
        std::vector<DesiredObject> desired = desired_objects();
        std::map<std::pair<Kind, std::string>, std::string> managed;
        for (const ManagedObject& object : m_in.managed)
            managed[{object.kind, object.name}] = object.target_id;

        for (const auto& [kind, mapping] : m_in.profile.kinds) {
            const std::vector<TargetObject>& objects = listing(mapping.collection);
            std::map<std::string, const TargetObject*> by_name;
            std::map<std::string, const TargetObject*> by_id;
            for (const TargetObject& object : objects) {
                by_name[object.name()] = &object;
                by_id[object.id] = &object;
            }
            std::set<std::string> wanted;
            for (const DesiredObject& object : desired) {
                if (object.kind != kind)
                    continue;
                wanted.insert(object.name);
                auto found = by_name.find(object.name);
                const TargetObject* current = found == by_name.end() ? nullptr : found->second;
                auto owned = managed.find({kind, object.name});
                bool adopt =
                    current != nullptr && (owned == managed.end() || owned->second != current->id);
                plan.actions.push_back(diff(object, mapping, current, adopt));
            }
            if (!m_in.select.empty())
                continue;
            std::set<std::string> managed_ids;
            for (const auto& [key, id] : managed) {
                if (key.first != kind || wanted.contains(key.second))
                    continue;
                managed_ids.insert(id);
                auto found = by_id.find(id);
                if (found == by_id.end()) {
                    plan.notes.push_back(fmt::format(
                        "{} '{}' is managed but no longer in the target; nothing to delete",
                        kind_name(kind), key.second));
                    continue;
                }
                PlannedAction action;
                action.type = ActionType::remove;
                action.kind = kind;
                action.name = key.second;
                action.collection = mapping.collection;
                action.target_id = id;
                action.seen_version = found->second->version;
                plan.actions.push_back(std::move(action));
            }
            for (const TargetObject& object : objects) {
                if (!wanted.contains(object.name()) && !managed_ids.contains(object.id))
                    plan.unmanaged.push_back({kind, object.name(), object.id});
            }
        }
        link_and_order(plan);
        if (m_exported_secrets > 0)
            plan.notes.push_back(fmt::format(
                "{} secret{} adopted by 'mailsync export' {} taken as the target holds {} and not "
                "compared: the target never returns secret values",
                m_exported_secrets, m_exported_secrets == 1 ? "" : "s",
                m_exported_secrets == 1 ? "is" : "are", m_exported_secrets == 1 ? "it" : "them"));
        return plan;
    }

private:
    const std::vector<TargetObject>& listing(const std::string& collection) const {
        static const std::vector<TargetObject> none;
        auto found = m_in.snapshot.collections.find(collection);
        return found == m_in.snapshot.collections.end() ? none : found->second;
    }

    void index_clients() {
        if (const KindMapping* clients = m_in.profile.find(Kind::oauth2_client)) {
            for (const TargetObject& object : listing(clients->collection))
                m_client_names[object.id] = object.name();
        }
    }

    std::vector<DesiredObject> desired_objects() {
        std::set<ResourceId> keep;
        if (!m_in.select.empty()) {
            ConfigGraph graph = build_config_graph(m_in.config);
            for (const ResourceId& id : m_in.select) {
                std::size_t node = graph.find(id);
                if (node == graph.ids.size()) {
                    m_diagnostics.error({}, fmt::format("--select {}: no such resource in the "
                                                        "configuration",
                                                        to_string(id)));
                    continue;
                }
                for (std::size_t dependency : graph.graph.closure(node))
                    keep.insert(graph.ids[dependency]);
            }
        }
        std::vector<DesiredObject> out;
        cloud_view(m_in.config, m_in.profile, m_diagnostics, [&](CloudObject&& object) {
            if (!keep.empty() && !keep.contains(ResourceId{object.kind, object.name}))
                return;
            DesiredObject desired{object.kind, object.name, json::object(), {}};
            for (CloudField& field : object.fields) {
                if (Secret* secret = std::get_if<Secret>(&field.value)) {
                    m_secrets.push_back(std::make_unique<Secret>(std::move(*secret)));
                    desired.secrets[field.key] = m_secrets.back().get();
                } else if (const Reference* reference = std::get_if<Reference>(&field.value)) {
                    desired.fields[field.key] = reference_json(*reference);
                } else if (!std::holds_alternative<std::monostate>(field.value)) {
                    desired.fields[field.key] = plain_json(field.value);
                }
            }
            out.push_back(std::move(desired));
        });
        return out;
    }

    // A target value as the plan shows it: a reference's id becomes the client's name.
    json shown(const json& value, bool is_reference) const {
        if (value.is_object() && value.contains("$ref"))
            return referenced_name(value);
        if (is_reference && value.is_string()) {
            auto found = m_client_names.find(value.get<std::string>());
            if (found != m_client_names.end())
                return found->second;
        }
        return value;
    }

    PlannedAction diff(const DesiredObject& object, const KindMapping& mapping,
                       const TargetObject* current, bool adopt) {
        PlannedAction action;
        action.kind = object.kind;
        action.name = object.name;
        action.collection = mapping.collection;
        action.fields = object.fields;
        action.adopt = adopt;
        action.type = current == nullptr ? ActionType::create : ActionType::noop;
        if (current != nullptr) {
            action.target_id = current->id;
            action.seen_version = current->version;
        }
        std::set<std::string> references = reference_keys(mapping);
        for (const FieldMapping& field : mapping.fields) {
            auto secret = object.secrets.find(field.key);
            FingerprintKey stored_key{object.kind, object.name, field.key};
            auto stored = m_in.fingerprints.find(stored_key);
            if (secret != object.secrets.end()) {
                if (!secret->second->value) {
                    m_diagnostics.error(secret->second->where,
                                        fmt::format("{} '{}' {}: the secret has no value, so it "
                                                    "cannot be planned",
                                                    kind_name(object.kind), object.name,
                                                    secret->second->field));
                    continue;
                }
                std::string fingerprint = m_in.state.fingerprint(*secret->second->value);
                std::string change;
                if (current == nullptr || adopt || stored == m_in.fingerprints.end())
                    change = "will be set";
                else if (stored->second == exported_fingerprint)
                    ++m_exported_secrets; // adopted as the target holds it
                else if (stored->second != fingerprint)
                    change = "changed";
                if (change.empty())
                    continue;
                action.secrets.push_back({field.key, field.label, fingerprint});
                action.changes.push_back({field.label, field.key, nullptr, nullptr, true, change});
                continue;
            }
            if (stored != m_in.fingerprints.end() && current != nullptr) {
                action.cleared_secrets.push_back(field.key);
                action.changes.push_back(
                    {field.label, field.key, nullptr, nullptr, true, "removed"});
                continue;
            }
            bool is_reference = references.contains(field.key);
            json after = object.fields.contains(field.key) ? object.fields[field.key] : json();
            json before;
            if (current != nullptr && current->fields.contains(field.key))
                before = current->fields[field.key];
            json shown_after = shown(after, is_reference);
            json shown_before = shown(before, is_reference);
            if (current != nullptr && shown_after == shown_before)
                continue;
            if (current == nullptr && after.is_null())
                continue;
            action.changes.push_back(
                {field.label, field.key, current ? shown_before : json(), shown_after, false, ""});
        }
        if (current != nullptr && !action.changes.empty())
            action.type = ActionType::update;
        return action;
    }

    // Edges between actions, then the actions reordered level by level.
    void link_and_order(Plan& plan) {
        std::map<std::pair<Kind, std::string>, std::size_t> by_resource;
        for (std::size_t i = 0; i < plan.actions.size(); ++i)
            by_resource[{plan.actions[i].kind, plan.actions[i].name}] = i;
        Graph graph(plan.actions.size());
        std::map<std::string, std::size_t> client_delete_by_id;
        for (std::size_t i = 0; i < plan.actions.size(); ++i) {
            const PlannedAction& action = plan.actions[i];
            if (action.type == ActionType::remove && action.kind == Kind::oauth2_client)
                client_delete_by_id[action.target_id] = i;
        }
        for (std::size_t i = 0; i < plan.actions.size(); ++i) {
            PlannedAction& action = plan.actions[i];
            if (action.kind == Kind::oauth2_client)
                continue;
            // Creates and updates wait for the client they refer to.
            for (const auto& [key, value] : action.fields.items()) {
                if (!value.is_object() || !value.contains("$ref"))
                    continue;
                std::string client = referenced_name(value);
                auto found = by_resource.find({Kind::oauth2_client, client});
                if (found != by_resource.end() &&
                    plan.actions[found->second].type != ActionType::noop)
                    graph.add_edge(i, found->second);
            }
            // A client is deleted after every action on a connection that uses it now.
            for (const std::string& key : current_references(action)) {
                auto found = client_delete_by_id.find(key);
                if (found != client_delete_by_id.end())
                    graph.add_edge(found->second, i);
            }
        }
        check_blocked_deletes(plan, client_delete_by_id);
        Result<std::vector<std::vector<std::size_t>>> levels = graph.levels();
        if (!levels) {
            m_diagnostics.error({}, levels.error().message);
            return;
        }
        // Creates and updates level by level, then deletes with dependents first.
        std::vector<std::size_t> order;
        for (const auto& level : *levels) {
            for (std::size_t node : level) {
                if (plan.actions[node].type != ActionType::remove)
                    order.push_back(node);
            }
        }
        std::vector<std::size_t> deletes;
        for (const auto& level : *levels) {
            for (std::size_t node : level) {
                if (plan.actions[node].type == ActionType::remove)
                    deletes.push_back(node);
            }
        }
        std::stable_sort(deletes.begin(), deletes.end(), [&](std::size_t a, std::size_t b) {
            return plan.actions[a].kind != Kind::oauth2_client &&
                   plan.actions[b].kind == Kind::oauth2_client;
        });
        order.insert(order.end(), deletes.begin(), deletes.end());
        std::vector<std::size_t> position(order.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            position[order[i]] = i;
        std::vector<PlannedAction> sorted;
        for (std::size_t node : order) {
            PlannedAction action = std::move(plan.actions[node]);
            for (std::size_t dependency : graph.dependencies(node))
                action.depends_on.push_back(position[dependency]);
            std::sort(action.depends_on.begin(), action.depends_on.end());
            sorted.push_back(std::move(action));
        }
        plan.actions = std::move(sorted);
    }

    // The client ids a connection's object in the target refers to now.
    std::vector<std::string> current_references(const PlannedAction& action) const {
        std::vector<std::string> out;
        const KindMapping* mapping = m_in.profile.find(action.kind);
        if (mapping == nullptr || action.target_id.empty())
            return out;
        std::set<std::string> keys = reference_keys(*mapping);
        for (const TargetObject& object : listing(action.collection)) {
            if (object.id != action.target_id)
                continue;
            for (const std::string& key : keys) {
                if (object.fields.contains(key) && object.fields[key].is_string())
                    out.push_back(object.fields[key]);
            }
        }
        return out;
    }

    // A client cannot go while a connection that stays still uses it.
    void check_blocked_deletes(const Plan& plan,
                               const std::map<std::string, std::size_t>& client_deletes) {
        if (client_deletes.empty())
            return;
        std::set<std::string> leaving;
        for (const PlannedAction& action : plan.actions) {
            if (action.type == ActionType::remove)
                leaving.insert(action.target_id);
        }
        std::map<std::string, std::string> moving_away; // connection id → its new client ref
        for (const PlannedAction& action : plan.actions) {
            if (action.type != ActionType::remove && !action.target_id.empty())
                moving_away[action.target_id] = action.fields.dump();
        }
        for (const auto& [kind, mapping] : m_in.profile.kinds) {
            std::set<std::string> keys = reference_keys(mapping);
            for (const TargetObject& object : listing(mapping.collection)) {
                if (leaving.contains(object.id) || moving_away.contains(object.id))
                    continue;
                for (const std::string& key : keys) {
                    if (!object.fields.contains(key) || !object.fields[key].is_string())
                        continue;
                    auto blocked = client_deletes.find(object.fields[key].get<std::string>());
                    if (blocked == client_deletes.end())
                        continue;
                    m_diagnostics.error(
                        {}, fmt::format("OAuth2Client '{}' cannot be deleted: {} '{}' in the "
                                        "target still uses it",
                                        plan.actions[blocked->second].name, kind_name(kind),
                                        object.name()));
                }
            }
        }
    }

    const PlanInputs& m_in;
    Diagnostics& m_diagnostics;
    std::map<std::string, std::string> m_client_names; // target id → name
    std::vector<std::unique_ptr<Secret>> m_secrets;
    std::size_t m_exported_secrets = 0;
};

} // namespace

Result<TargetSnapshot> refresh(Target& target, const MappingProfile& profile) {
    TargetSnapshot snapshot;
    for (const auto& [kind, mapping] : profile.kinds) {
        TargetResult<std::vector<TargetObject>> objects = target.list(mapping.collection);
        if (!objects)
            return fail(fmt::format("cannot list {} in {}: {}", mapping.collection,
                                    target.describe(), objects.error().message));
        snapshot.collections[mapping.collection] = std::move(*objects);
    }
    return snapshot;
}

Plan make_plan(const PlanInputs& inputs, Diagnostics& diagnostics) {
    return Planner(inputs, diagnostics).run();
}

std::map<FingerprintKey, SecretValue> secret_values(const Config& config,
                                                    const MappingProfile& profile) {
    std::map<FingerprintKey, SecretValue> out;
    Diagnostics ignored;
    cloud_view(config, profile, ignored, [&](CloudObject&& object) {
        for (const CloudField& field : object.fields) {
            if (const Secret* secret = std::get_if<Secret>(&field.value); secret && secret->value)
                out.emplace(FingerprintKey{object.kind, object.name, field.key}, *secret->value);
        }
    });
    return out;
}

} // namespace mailsync
