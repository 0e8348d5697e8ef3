#include "plan/export.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "plan/export_check.hpp"
#include "plan/labels.hpp"
#include "util/text.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

bool is_secret_attribute(Kind kind, const std::string& attribute) {
    for (const AttributeInfo& info : attribute_catalog(kind)) {
        if (info.name == attribute)
            return info.about.find("(secret)") != std::string_view::npos;
    }
    return false;
}

// One object's attributes, read back through the profile: plain values, and which secrets the
// target says are set.
struct Reversed {
    std::map<std::string, json> values;
    std::map<std::string, const FieldMapping*> secrets; // attribute → its field
};

std::string text_of(const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

class Exporter {
public:
    Exporter(const TargetSnapshot& snapshot, const MappingProfile& profile)
        : m_snapshot(snapshot), m_profile(profile) {
        if (const KindMapping* clients = profile.find(Kind::oauth2_client)) {
            for (const TargetObject& object : listing(clients->collection)) {
                m_client_names[object.id] = object.name();
                m_client_providers[object.id] = provider_value(object, *clients);
            }
        }
    }

    ExportResult run() {
        for (Kind kind : {Kind::oauth2_client, Kind::mail_account, Kind::smtp_connection}) {
            const KindMapping* mapping = m_profile.find(kind);
            if (mapping == nullptr)
                continue;
            std::vector<const TargetObject*> objects;
            for (const TargetObject& object : listing(mapping->collection))
                objects.push_back(&object);
            std::sort(
                objects.begin(), objects.end(),
                [](const TargetObject* a, const TargetObject* b) { return a->name() < b->name(); });
            for (const TargetObject* object : objects)
                one(kind, *mapping, *object);
        }
        return std::move(m_result);
    }

private:
    const std::vector<TargetObject>& listing(const std::string& collection) const {
        static const std::vector<TargetObject> none;
        auto found = m_snapshot.collections.find(collection);
        return found == m_snapshot.collections.end() ? none : found->second;
    }

    // A client's provider as mailsync names it ("microsoft"), or empty.
    static std::string provider_value(const TargetObject& object, const KindMapping& mapping) {
        for (const FieldMapping& field : mapping.fields) {
            if (field.from != "provider" || !object.fields.contains(field.key))
                continue;
            std::string value = text_of(object.fields[field.key]);
            for (const auto& [from, to] : field.values) {
                if (to == value)
                    return from;
            }
            return field.values.empty() ? value : "";
        }
        return {};
    }

    std::optional<Reversed> reverse(Kind kind, const KindMapping& mapping,
                                    const TargetObject& object, const std::string& subject) {
        Reversed out;
        bool complete = true;
        std::set<std::string> set(object.secrets_set.begin(), object.secrets_set.end());
        for (const FieldMapping& field : mapping.fields) {
            if (is_secret_attribute(kind, field.from)) {
                if (set.contains(field.key))
                    out.secrets[field.from] = &field;
                continue;
            }
            if (!object.fields.contains(field.key) || object.fields[field.key].is_null())
                continue;
            const json& value = object.fields[field.key];
            if (field.values.empty()) {
                out.values[field.from] = value;
                continue;
            }
            std::string text = text_of(value);
            const std::string* back = nullptr;
            std::vector<std::string> known;
            for (const auto& [from, to] : field.values) {
                if (to == text && back == nullptr)
                    back = &from;
                if (std::find(known.begin(), known.end(), to) == known.end())
                    known.push_back(to);
            }
            if (back == nullptr) {
                m_result.errors.push_back(
                    fmt::format("{}: {} '{}' is not a value mapping '{}' knows (it knows {})",
                                subject, field.label, text, m_profile.name, join(known, ", ")));
                complete = false;
                continue;
            }
            out.values[field.from] = *back;
        }
        if (!complete)
            return std::nullopt;
        return out;
    }

    void one(Kind kind, const KindMapping& mapping, const TargetObject& object) {
        std::string name = object.name();
        std::string subject = fmt::format("{} '{}' (id {})", kind_name(kind), name, object.id);
        std::optional<Reversed> reversed = reverse(kind, mapping, object, subject);
        if (!reversed)
            return;
        WrittenResource resource{kind, name, object.id, "", {}};
        ResourceDraft draft{kind, name, std::move(reversed->values), {}, is_protected(object)};
        auto secret = [&](const std::string& attribute, const FieldMapping& field, bool set) {
            draft.secrets[attribute] = m_names.reference(
                kind, name, attribute,
                {"", field.key, fmt::format("{} {}: {}", kind_name(kind), name, field.label), set,
                 set ? "" : "not set in the target yet"},
                resource.secrets);
        };
        for (const auto& [attribute, field] : reversed->secrets) {
            if (attribute != "oauth2.refreshToken" || draft.values.contains("oauth2.client"))
                secret(attribute, *field, true);
        }
        if (draft.values.contains("oauth2.client")) {
            std::string id = text_of(draft.values["oauth2.client"]);
            auto client = m_client_names.find(id);
            if (client == m_client_names.end()) {
                m_result.errors.push_back(
                    fmt::format("{}: its OAuth2 client (id {}) is not in the target", subject, id));
                return;
            }
            draft.values["oauth2.client"] = client->second;
            if (!draft.secrets.contains("oauth2.refreshToken")) {
                if (m_client_providers[id] == "microsoft") {
                    draft.values["oauth2.grant"] = "clientCredentials";
                } else {
                    // Not set in the target: the plan will show it as to be set.
                    for (const FieldMapping& field : mapping.fields) {
                        if (field.from == "oauth2.refreshToken")
                            secret(field.from, field, false);
                    }
                }
            }
        }
        resource.yaml = resource_yaml(draft);
        m_result.resources.push_back(std::move(resource));
    }

    const TargetSnapshot& m_snapshot;
    const MappingProfile& m_profile;
    std::map<std::string, std::string> m_client_names;     // id → name
    std::map<std::string, std::string> m_client_providers; // id → "google"
    SecretNames m_names;
    ExportResult m_result;
};

} // namespace

ExportResult export_snapshot(const TargetSnapshot& snapshot, const MappingProfile& profile) {
    ExportResult result = Exporter(snapshot, profile).run();
    leave_out_unloadable(result, profile);
    return result;
}

} // namespace mailsync
