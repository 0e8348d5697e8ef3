#include "plan/order.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "graph/graph.hpp"

namespace mailsync {

using nlohmann::json;

std::set<std::string> reference_keys(const KindMapping& mapping) {
    std::set<std::string> keys;
    for (const FieldMapping& field : mapping.fields) {
        if (field.from == "oauth2.client")
            keys.insert(field.key);
    }
    return keys;
}

std::string referenced_name(const json& value) {
    std::string ref = value["$ref"].get<std::string>();
    return ref.substr(ref.find('/') + 1);
}

namespace {

class Orderer {
public:
    Orderer(const MappingProfile& profile, const TargetSnapshot& snapshot, Diagnostics& diagnostics)
        : m_profile(profile), m_snapshot(snapshot), m_diagnostics(diagnostics) {}

    // Edges between actions, then the actions reordered level by level.
    void run(Plan& plan) {
        std::map<std::pair<Kind, std::string>, std::size_t> by_resource;
        for (std::size_t i = 0; i < plan.actions.size(); ++i) {
            if (plan.actions[i].type != ActionType::remove)
                by_resource[{plan.actions[i].kind, plan.actions[i].name}] = i;
        }
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
        for (std::size_t node : order) {
            std::vector<std::size_t>& depends_on = plan.actions[node].depends_on;
            for (std::size_t dependency : graph.dependencies(node))
                depends_on.push_back(position[dependency]);
            std::sort(depends_on.begin(), depends_on.end());
        }
        permute(plan.actions, order);
    }

private:
    // Puts `items[order[i]]` at i, in place: a plan of 100,000 actions is not copied to be sorted.
    static void permute(std::vector<PlannedAction>& items, const std::vector<std::size_t>& order) {
        std::vector<bool> placed(items.size(), false);
        for (std::size_t start = 0; start < items.size(); ++start) {
            if (placed[start])
                continue;
            PlannedAction first = std::move(items[start]);
            std::size_t at = start;
            while (order[at] != start) {
                items[at] = std::move(items[order[at]]);
                placed[at] = true;
                at = order[at];
            }
            items[at] = std::move(first);
            placed[at] = true;
        }
    }

    const std::vector<TargetObject>& listing(const std::string& collection) const {
        static const std::vector<TargetObject> none;
        auto found = m_snapshot.collections.find(collection);
        return found == m_snapshot.collections.end() ? none : found->second;
    }

    // The client ids a connection's object in the target refers to now.
    std::vector<std::string> current_references(const PlannedAction& action) {
        std::vector<std::string> out;
        const KindMapping* mapping = m_profile.find(action.kind);
        if (mapping == nullptr || action.target_id.empty())
            return out;
        auto& by_id = m_by_id[action.collection];
        if (by_id.empty()) {
            for (const TargetObject& object : listing(action.collection))
                by_id[object.id] = &object;
        }
        auto found = by_id.find(action.target_id);
        if (found == by_id.end())
            return out;
        const TargetObject& object = *found->second;
        for (const std::string& key : reference_keys(*mapping)) {
            if (object.fields.contains(key) && object.fields[key].is_string())
                out.push_back(object.fields[key]);
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
        std::set<std::string> moving_away; // connections rewritten by the plan
        for (const PlannedAction& action : plan.actions) {
            if (action.type != ActionType::remove && !action.target_id.empty())
                moving_away.insert(action.target_id);
        }
        for (const auto& [kind, mapping] : m_profile.kinds) {
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

    const MappingProfile& m_profile;
    const TargetSnapshot& m_snapshot;
    Diagnostics& m_diagnostics;
    // Each collection's objects by id, made when first needed.
    std::map<std::string, std::unordered_map<std::string, const TargetObject*>> m_by_id;
};

} // namespace

void order_actions(Plan& plan, const MappingProfile& profile, const TargetSnapshot& snapshot,
                   Diagnostics& diagnostics) {
    Orderer(profile, snapshot, diagnostics).run(plan);
}

} // namespace mailsync
