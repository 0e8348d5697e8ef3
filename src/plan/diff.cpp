#include "plan/diff.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "plan/export.hpp"
#include "plan/labels.hpp"
#include "plan/leftovers.hpp"
#include "plan/order.hpp"
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

struct DesiredObject {
    Kind kind;
    std::string name;
    json fields = json::object();          // non-secret, references as {"$ref": ...}
    std::map<std::string, Secret> secrets; // API key → secret
};

// The object of the target a declared resource is: by its name, or by one of its previous names
// (a rename in place).
struct Match {
    const TargetObject* current = nullptr; // nullptr: to be created
    std::string previous_name;             // set when found under a previous name
};

class Planner {
public:
    Planner(const PlanInputs& inputs, Diagnostics& diagnostics)
        : m_in(inputs), m_diagnostics(diagnostics) {}

    Plan run() {
        Plan plan;
        plan.mapping = m_in.profile.name;
        plan.scope = m_in.ownership.scope;
        plan.deletes_allowed = m_in.ownership.allow_deletes;
        plan.max_deletes = m_in.ownership.max_deletes;
        for (const auto& [kind, mapping] : m_in.profile.kinds)
            for (const FieldMapping& field : mapping.fields)
                plan.field_labels[kind].push_back({field.key, field.label});
        for (const ResourceId& id : m_in.select)
            plan.selected.push_back(to_string(id));
        for (const ResourceId& id : m_in.replace)
            plan.replaced.push_back(to_string(id));
        plan.replace_secrets = m_in.replace_secrets;
        index_config();
        index_clients();
        m_replace.insert(m_in.replace.begin(), m_in.replace.end());
        for (const ManagedObject& object : m_in.managed)
            m_managed[{object.kind, object.name}] = object.target_id;
        for (const auto& [kind, mapping] : m_in.profile.kinds) {
            KindPlan& planned = m_kinds[kind];
            for (const TargetObject& object : listing(mapping.collection))
                planned.by_name[object.name()] = &object;
        }
        std::size_t declared_total = 0;
        for (Kind kind : all_kinds)
            declared_total += declared(kind);
        plan.actions.reserve(declared_total + 64);
        m_actions = &plan.actions;

        // Each object is diffed as it is rendered and then dropped: a configuration of 100,000
        // resources is never held a second time in the target's form.
        for_each_desired([&](DesiredObject&& object) { plan_object(std::move(object)); });
        check_replace();

        // The actions came kind by kind, in cloud_view's order (clients, accounts, SMTP
        // connections, whatever order the mapping file lists them in); each kind's deletes go
        // right after its own actions.
        std::size_t end = 0;
        for (Kind kind : all_kinds) {
            const KindMapping* found = m_in.profile.find(kind);
            if (found == nullptr)
                continue;
            const KindMapping& mapping = *found;
            KindPlan& planned = m_kinds[kind];
            end += planned.actions;
            if (!m_in.select.empty())
                continue;
            std::size_t before = plan.actions.size();
            plan_leftovers({kind, mapping, listing(mapping.collection), planned.wanted,
                            planned.claimed, m_managed, m_in.ownership},
                           plan, m_other_scopes, m_diagnostics);
            std::rotate(plan.actions.begin() + static_cast<std::ptrdiff_t>(end),
                        plan.actions.begin() + static_cast<std::ptrdiff_t>(before),
                        plan.actions.end());
            end += plan.actions.size() - before;
        }
        order_actions(plan, m_in.profile, m_in.snapshot, m_diagnostics);
        warn_hand_made_renames(plan, m_in.profile);
        add_notes(plan);
        return plan;
    }

private:
    // What the plan gathers for one kind: its objects in the target by name, the names the
    // configuration declares, the target ids a declared resource takes, and how many actions.
    struct KindPlan {
        std::map<std::string, const TargetObject*> by_name;
        std::set<std::string> wanted;
        std::set<std::string> claimed;
        std::size_t actions = 0;
    };

    std::size_t declared(Kind kind) const {
        switch (kind) {
        case Kind::oauth2_client:
            return m_in.config.clients.size();
        case Kind::mail_account:
            return m_in.config.accounts.size();
        case Kind::smtp_connection:
            return m_in.config.smtp_connections.size();
        case Kind::mailbox_migration:
            return 0;
        }
        return 0;
    }

    void plan_object(DesiredObject&& object) {
        if (m_replace.contains({object.kind, object.name}))
            m_replace_planned.insert({object.kind, object.name});
        const KindMapping* mapping = m_in.profile.find(object.kind);
        if (mapping == nullptr)
            return;
        KindPlan& planned = m_kinds[object.kind];
        planned.wanted.insert(object.name);
        std::optional<Match> match = find_current(object, planned.by_name);
        if (!match)
            return; // another scope's, or an ambiguous rename: an error says which
        const TargetObject* current = match->current;
        std::string state_name = match->previous_name.empty() ? object.name : match->previous_name;
        if (current != nullptr) {
            planned.claimed.insert(current->id);
            planned.wanted.insert(match->previous_name);
        }
        if (object.kind == Kind::oauth2_client && current != nullptr)
            m_client_ids[object.name] = current->id;
        auto owned = m_managed.find({object.kind, state_name});
        bool adopt =
            current != nullptr && (owned == m_managed.end() || owned->second != current->id);
        PlannedAction action = diff(object, *mapping, current, adopt, state_name);
        action.previous_name = match->previous_name;
        // What to write, for creates and updates; a no-op writes nothing.
        if (action.type == ActionType::noop) {
            action.fields = json::object();
            // Points into m_in.snapshot, which the planner may change (PlanInputs::snapshot).
            slim(const_cast<TargetObject&>(*current), *mapping); // NOLINT
        }
        // cloud_view renders kind by kind, so the actions stay grouped by kind.
        m_actions->push_back(std::move(action));
        ++planned.actions;
    }

    // An unchanged object after its diff: only what ordering, leftovers, seen objects and apply
    // read of it stays (its name, the references it holds, its labels).
    static void slim(TargetObject& object, const KindMapping& mapping) {
        json kept = json::object();
        for (const char* key : {"name", "labels"})
            if (auto found = object.fields.find(key); found != object.fields.end())
                kept[key] = std::move(*found);
        for (const std::string& key : reference_keys(mapping))
            if (auto found = object.fields.find(key); found != object.fields.end())
                kept[key] = std::move(*found);
        object.fields = std::move(kept);
    }

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

    void for_each_desired(const std::function<void(DesiredObject&&)>& visit) {
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
        cloud_view(m_in.config, m_in.profile, m_diagnostics, [&](CloudObject&& object) {
            if (!keep.empty() && !keep.contains(ResourceId{object.kind, object.name}))
                return;
            DesiredObject desired{object.kind, object.name, json::object(), {}};
            for (CloudField& field : object.fields) {
                if (Secret* secret = std::get_if<Secret>(&field.value)) {
                    desired.secrets.emplace(field.key, std::move(*secret));
                } else if (const Reference* reference = std::get_if<Reference>(&field.value)) {
                    desired.fields[field.key] = reference_json(*reference);
                } else if (!std::holds_alternative<std::monostate>(field.value)) {
                    desired.fields[field.key] = plain_json(field.value);
                }
            }
            visit(std::move(desired));
        });
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

    // The action for one declared resource. `state_name` is the name the state knows it by
    // (its previous name in a rename).
    PlannedAction diff(const DesiredObject& object, const KindMapping& mapping,
                       const TargetObject* current, bool adopt, const std::string& state_name) {
        PlannedAction action;
        action.kind = object.kind;
        action.name = object.name;
        action.collection = mapping.collection;
        action.fields = object.fields;
        action.adopt = adopt;
        // A create shows every field it writes: those rows are made from its fields when read.
        action.rows_from_fields = current == nullptr;
        bool replace = m_replace.contains({object.kind, object.name});
        action.type = current == nullptr ? ActionType::create : ActionType::noop;
        if (current != nullptr) {
            action.target_id = current->id;
            action.seen_version = current->version;
        }
        std::set<std::string> references = reference_keys(mapping);
        for (const FieldMapping& field : mapping.fields) {
            auto secret = object.secrets.find(field.key);
            FingerprintKey stored_key{object.kind, state_name, field.key};
            auto stored = m_in.fingerprints.find(stored_key);
            if (secret != object.secrets.end()) {
                if (!secret->second.value) {
                    m_diagnostics.error(secret->second.where,
                                        fmt::format("{} '{}' {}: the secret has no value, so it "
                                                    "cannot be planned",
                                                    kind_name(object.kind), object.name,
                                                    secret->second.field));
                    continue;
                }
                std::string fingerprint = m_in.state.fingerprint(*secret->second.value);
                std::string change;
                if (current == nullptr || adopt || stored == m_in.fingerprints.end())
                    change = "will be set";
                else if (stored->second == exported_fingerprint)
                    ++m_exported_secrets; // adopted as the target holds it
                else if (stored->second != fingerprint)
                    change = "changed";
                if (change.empty() && (replace || m_in.replace_secrets))
                    change = "written again";
                if (change.empty())
                    continue;
                action.secrets.push_back({field.key, field.label, fingerprint});
                if (!action.rows_from_fields)
                    action.changes.push_back(
                        {field.label, field.key, nullptr, nullptr, true, change});
                continue;
            }
            if (stored != m_in.fingerprints.end() && current != nullptr) {
                action.cleared_secrets.push_back(field.key);
                action.changes.push_back(
                    {field.label, field.key, nullptr, nullptr, true, "removed"});
                continue;
            }
            if (current == nullptr)
                continue; // a create's rows come from its fields (rows_from_fields)
            bool is_reference = references.contains(field.key);
            json after = object.fields.contains(field.key) ? object.fields[field.key] : json();
            json before;
            if (current != nullptr && current->fields.contains(field.key))
                before = current->fields[field.key];
            // A reference to a client renamed in place still names the same id.
            if (is_reference && after.is_object() && before.is_string()) {
                auto id = m_client_ids.find(referenced_name(after));
                if (id != m_client_ids.end() && id->second == before.get<std::string>())
                    continue;
            }
            json shown_after = shown(after, is_reference);
            json shown_before = shown(before, is_reference);
            if (shown_after == shown_before)
                continue;
            action.changes.push_back(
                {field.label, field.key, shown_before, shown_after, false, ""});
        }
        diff_labels(object, current, action);
        if (current != nullptr && (!action.changes.empty() || replace)) {
            action.type = ActionType::update;
            action.replace = replace;
        }
        return action;
    }

    // The ownership labels: written with every object; a change of them is an update.
    void diff_labels(const DesiredObject& object, const TargetObject* current,
                     PlannedAction& action) const {
        auto meta = m_meta.find({object.kind, object.name});
        bool protect = meta != m_meta.end() && meta->second->protect;
        json wanted = desired_labels(current, m_in.ownership.scope, protect);
        json held = current != nullptr ? current->fields.value("labels", json::object()) : json();
        if (!held.is_object())
            held = json::object();
        if (!wanted.empty() || !held.empty())
            action.fields["labels"] = wanted;
        for (const std::string& key : {std::string(scope_label), std::string(protected_label)}) {
            json before = held.value(key, json());
            json after = wanted.value(key, json());
            if (before != after && !(current == nullptr && after.is_null()))
                action.changes.push_back({fmt::format("Label {}", key),
                                          fmt::format("labels.{}", key), before, after, false, ""});
        }
    }

    // The metadata of every declared resource, by kind and name.
    void index_config() {
        auto add = [&](Kind kind, const auto& resources) {
            for (const auto& resource : resources)
                m_meta[{kind, resource.meta.name}] = &resource.meta;
        };
        add(Kind::oauth2_client, m_in.config.clients);
        add(Kind::mail_account, m_in.config.accounts);
        add(Kind::smtp_connection, m_in.config.smtp_connections);
    }

    Location where(Kind kind, const std::string& name) const {
        auto found = m_meta.find({kind, name});
        return found == m_meta.end() ? Location{} : found->second->where;
    }

    // --replace names resources that are planned.
    void check_replace() {
        for (const ResourceId& id : m_in.replace) {
            if (!m_replace_planned.contains(id))
                m_diagnostics.error({}, fmt::format("--replace {}: no such resource in the "
                                                    "configuration{}",
                                                    to_string(id),
                                                    m_in.select.empty() ? "" : " as selected"));
        }
    }

    // Says why an object of the target is not this configuration's to write; empty when it is.
    std::string foreign(const TargetObject& object) const {
        std::string owner = scope_of(object);
        if (owner == m_in.ownership.scope || owner.empty())
            return "";
        return fmt::format("it belongs to {} (label {}), and this configuration owns {}",
                           describe_scope(owner), scope_label,
                           describe_scope(m_in.ownership.scope));
    }

    // Finds the object a resource is in the target; nullopt after an error.
    std::optional<Match> find_current(const DesiredObject& object,
                                      const std::map<std::string, const TargetObject*>& by_name) {
        Match match;
        std::string subject = fmt::format("{} '{}'", kind_name(object.kind), object.name);
        bool by_own_name = false;
        if (auto found = by_name.find(object.name); found != by_name.end()) {
            if (std::string why = foreign(*found->second); !why.empty()) {
                m_diagnostics.error(where(object.kind, object.name),
                                    fmt::format("{} exists in the target, but {}: it is left to "
                                                "its owner; give this resource another name",
                                                subject, why));
                return std::nullopt;
            }
            match.current = found->second;
            by_own_name = true;
            // Once this state manages the object by its own name, old names mean nothing.
            auto managed = m_managed.find({object.kind, object.name});
            if (managed != m_managed.end() && managed->second == match.current->id)
                return match;
        }
        auto meta = m_meta.find({object.kind, object.name});
        if (meta == m_meta.end())
            return match;
        for (const std::string& previous : meta->second->previous_names) {
            auto found = by_name.find(previous);
            if (found == by_name.end())
                continue;
            bool ours = foreign(*found->second).empty();
            if (match.current != nullptr) {
                if (!ours)
                    continue; // another scope's object of that name is not this one
                std::string first = by_own_name ? object.name : match.previous_name;
                m_diagnostics.error(
                    where(object.kind, object.name),
                    fmt::format("{}: both '{}' and its previous name '{}' exist in the target, "
                                "so the rename is ambiguous; delete one of them, or drop '{}' "
                                "from previousNames",
                                subject, first, previous, previous));
                return std::nullopt;
            }
            if (!ours) {
                m_diagnostics.error(where(object.kind, object.name),
                                    fmt::format("{}: its previous name '{}' is an object of the "
                                                "target that {}; it is not renamed",
                                                subject, previous, foreign(*found->second)));
                return std::nullopt;
            }
            match.current = found->second;
            match.previous_name = previous;
        }
        return match;
    }

    void add_notes(Plan& plan) const {
        if (m_exported_secrets > 0)
            plan.notes.push_back(fmt::format(
                "{} secret{} adopted by 'mailsync export' {} taken as the target holds {} and not "
                "compared: the target never returns secret values",
                m_exported_secrets, m_exported_secrets == 1 ? "" : "s",
                m_exported_secrets == 1 ? "is" : "are", m_exported_secrets == 1 ? "it" : "them"));
        if (!m_other_scopes.empty()) {
            std::vector<std::string> parts;
            std::size_t total = 0;
            for (const auto& [scope, count] : m_other_scopes) {
                parts.push_back(fmt::format("{} of scope '{}'", count, scope));
                total += count;
            }
            plan.notes.push_back(fmt::format("{} object{} of other scopes left alone: {}", total,
                                             total == 1 ? "" : "s", join(parts, ", ")));
        }
    }

    const PlanInputs& m_in;
    Diagnostics& m_diagnostics;
    std::map<std::pair<Kind, std::string>, const ResourceMeta*> m_meta;
    std::map<std::pair<Kind, std::string>, std::string> m_managed; // (kind, name) → target id
    std::set<ResourceId> m_replace;
    std::map<std::string, std::size_t> m_other_scopes; // scope → objects left alone
    std::map<std::string, std::string> m_client_names; // target id → name
    std::map<std::string, std::string> m_client_ids;   // declared client → its object's id
    std::map<Kind, KindPlan> m_kinds;
    std::set<ResourceId> m_replace_planned;          // --replace names that are planned
    std::vector<PlannedAction>* m_actions = nullptr; // the plan's, filled as objects come
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
