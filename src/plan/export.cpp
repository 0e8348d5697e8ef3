#include "plan/export.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

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

// "MAIL_SUPPORT_INBOX_PASSWORD": the kind, the name and the field, in upper snake case.
std::string variable_name(Kind kind, const std::string& name, const std::string& attribute) {
    std::string out = kind == Kind::oauth2_client  ? "OAUTH2_"
                      : kind == Kind::mail_account ? "MAIL_"
                                                   : "SMTP_";
    auto append = [&](const std::string& text, bool split_camel) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(text[i]);
            if (split_camel && std::isupper(c) != 0 && i > 0)
                out += '_';
            if (std::isalnum(c) != 0)
                out += static_cast<char>(std::toupper(c));
            else if (!out.ends_with('_'))
                out += '_';
        }
        if (!out.ends_with('_'))
            out += '_';
    };
    append(name, false);
    std::string field = attribute;
    if (field.starts_with("oauth2.") && field != "oauth2.password")
        field = field.substr(7);
    append(field, true);
    out.pop_back();
    return out;
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

    std::string secret_reference(Kind kind, const std::string& name, const std::string& attribute,
                                 const FieldMapping& field, ExportedResource& resource) {
        std::string variable = variable_name(kind, name, attribute);
        std::string unique = variable;
        for (int n = 2; m_variables.contains(unique); ++n)
            unique = fmt::format("{}_{}", variable, n);
        m_variables.insert(unique);
        resource.secrets.push_back(
            {unique, field.key, fmt::format("{} {}: {}", kind_name(kind), name, field.label)});
        return fmt::format("${{env:{}}}", unique);
    }

    static void emit(YAML::Emitter& out, const json& value) {
        if (value.is_boolean())
            out << value.get<bool>();
        else if (value.is_number_integer())
            out << value.get<long long>();
        else if (value.is_string())
            out << value.get<std::string>();
        else
            out << value.dump();
    }

    static json as_bool(const json& value) {
        if (value.is_string())
            return value.get<std::string>() == "true";
        return value;
    }

    void one(Kind kind, const KindMapping& mapping, const TargetObject& object) {
        std::string name = object.name();
        std::string subject = fmt::format("{} '{}' (id {})", kind_name(kind), name, object.id);
        std::optional<Reversed> reversed = reverse(kind, mapping, object, subject);
        if (!reversed)
            return;
        const auto& values = reversed->values;
        auto has = [&](const char* attribute) { return values.contains(attribute); };
        ExportedResource resource{kind, name, object.id, "", {}};

        YAML::Emitter out;
        out << YAML::BeginMap;
        out << YAML::Key << "apiVersion" << YAML::Value << "mailsync/v1";
        out << YAML::Key << "kind" << YAML::Value << std::string(kind_name(kind));
        out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name"
            << YAML::Value << name << YAML::EndMap;
        out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
        auto put = [&](const char* key, const char* attribute) {
            if (!has(attribute))
                return;
            out << YAML::Key << key << YAML::Value;
            emit(out, values.at(attribute));
        };
        auto put_secret = [&](const char* key, const char* attribute) {
            auto found = reversed->secrets.find(attribute);
            if (found == reversed->secrets.end())
                return false;
            out << YAML::Key << key << YAML::Value
                << secret_reference(kind, name, attribute, *found->second, resource);
            return true;
        };

        if (kind == Kind::oauth2_client) {
            put("description", "description");
            put("provider", "provider");
            put("clientId", "clientId");
            put_secret("clientSecret", "clientSecret");
            put("tenantId", "tenantId");
            if (has("tokenUrl")) {
                OAuth2Client defaults;
                defaults.provider =
                    parse_provider(text_of(values.at("provider"))).value_or(Provider::custom);
                if (has("tenantId"))
                    defaults.tenant_id = text_of(values.at("tenantId"));
                if (effective_token_url(defaults) != text_of(values.at("tokenUrl")))
                    put("tokenUrl", "tokenUrl");
            }
            put("authorizationUrl", "authorizationUrl");
            if (has("scopes")) {
                out << YAML::Key << "scopes" << YAML::Value << YAML::BeginSeq;
                std::string scopes = text_of(values.at("scopes"));
                for (std::string_view scope : split_words(scopes))
                    out << std::string(scope);
                out << YAML::EndSeq;
            }
        } else {
            put("description", "description");
            if (kind == Kind::smtp_connection) {
                put("fromAddress", "fromAddress");
                put("prefix", "prefix");
            } else {
                std::string protocol;
                if (has("protocol"))
                    protocol = text_of(values.at("protocol"));
                else if (has("service"))
                    protocol = text_of(values.at("service"));
                protocol = protocol.substr(0, protocol.find('/'));
                if (!protocol.empty())
                    out << YAML::Key << "protocol" << YAML::Value << protocol;
            }
            put("encryption", "encryption");
            put("host", "host");
            put("port", "port");
            put("username", "username");
            if (kind == Kind::mail_account) {
                put("folder", "folder");
                if (has("enabled"))
                    out << YAML::Key << "enabled" << YAML::Value
                        << as_bool(values.at("enabled")).get<bool>();
            } else if (has("debug")) {
                out << YAML::Key << "debug" << YAML::Value
                    << as_bool(values.at("debug")).get<bool>();
            }
            if (has("timeout")) {
                json timeout = values.at("timeout");
                out << YAML::Key << "timeout" << YAML::Value
                    << (timeout.is_number_integer() ? fmt::format("{}s", timeout.get<long long>())
                                                    : text_of(timeout));
            }
            bool oauth2 = has("oauth2.client");
            bool password = reversed->secrets.contains("password");
            if (oauth2 || password) {
                out << YAML::Key << "auth" << YAML::Value << YAML::BeginMap;
                if (password)
                    put_secret("password", "password");
                if (oauth2) {
                    std::string id = text_of(values.at("oauth2.client"));
                    auto client = m_client_names.find(id);
                    if (client == m_client_names.end()) {
                        m_result.errors.push_back(fmt::format(
                            "{}: its OAuth2 client (id {}) is not in the target", subject, id));
                        return;
                    }
                    out << YAML::Key << "oauth2" << YAML::Value << YAML::BeginMap;
                    out << YAML::Key << "client" << YAML::Value << client->second;
                    if (!put_secret("refreshToken", "oauth2.refreshToken")) {
                        if (m_client_providers[id] == "microsoft") {
                            out << YAML::Key << "grant" << YAML::Value << "clientCredentials";
                        } else {
                            // Not set in the target: the plan will show it as to be set.
                            for (const FieldMapping& field : mapping.fields) {
                                if (field.from == "oauth2.refreshToken") {
                                    out << YAML::Key << "refreshToken" << YAML::Value
                                        << secret_reference(kind, name, field.from, field,
                                                            resource);
                                    resource.secrets.back().set = false;
                                }
                            }
                        }
                    }
                    out << YAML::EndMap;
                }
                out << YAML::EndMap;
            }
        }
        out << YAML::EndMap << YAML::EndMap;
        resource.yaml = std::string(out.c_str()) + "\n";
        m_result.resources.push_back(std::move(resource));
    }

    const TargetSnapshot& m_snapshot;
    const MappingProfile& m_profile;
    std::map<std::string, std::string> m_client_names;     // id → name
    std::map<std::string, std::string> m_client_providers; // id → "google"
    std::set<std::string> m_variables;
    ExportResult m_result;
};

} // namespace

ExportResult export_snapshot(const TargetSnapshot& snapshot, const MappingProfile& profile) {
    return Exporter(snapshot, profile).run();
}

} // namespace mailsync
