#include "model/mapping.hpp"

#include <fmt/format.h>

#include "util/text.hpp"

namespace mailsync {

const std::string* FieldMapping::map_value(const std::string& value_key) const {
    for (const auto& [from_value, to_value] : values) {
        if (from_value == value_key)
            return &to_value;
    }
    return nullptr;
}

const KindMapping* MappingProfile::find(Kind kind) const {
    for (const auto& [item, mapping] : kinds) {
        if (item == kind)
            return &mapping;
    }
    return nullptr;
}

std::optional<CloudObject> cloud_view(Kind kind, const std::string& name,
                                      const std::vector<Attribute>& attributes,
                                      const MappingProfile& profile, Diagnostics& diagnostics) {
    const KindMapping* mapping = profile.find(kind);
    Location where = attributes.empty() ? Location{} : attributes.front().where;
    if (mapping == nullptr) {
        diagnostics.error(where, fmt::format("mapping '{}' has no fields for kind {}", profile.name,
                                             kind_name(kind)));
        return std::nullopt;
    }
    CloudObject object{kind, name, {}};
    bool complete = true;
    for (const FieldMapping& field : mapping->fields) {
        const Attribute* attribute = nullptr;
        for (const Attribute& candidate : attributes) {
            if (candidate.name == field.from)
                attribute = &candidate;
        }
        if (attribute == nullptr || std::holds_alternative<std::monostate>(attribute->value))
            continue;
        if (field.values.empty()) {
            object.fields.push_back({field.label, field.key, attribute->value});
            continue;
        }
        std::string key = value_key(attribute->value);
        if (const std::string* mapped = field.map_value(key)) {
            object.fields.push_back({field.label, field.key, *mapped});
            continue;
        }
        std::vector<std::string> known;
        for (const auto& [from_value, to_value] : field.values)
            known.push_back(from_value);
        std::string lead = attribute->meaning.empty()
                               ? fmt::format("{} '{}' cannot be mapped", field.from, key)
                               : attribute->meaning;
        diagnostics.error(attribute->where,
                          fmt::format("{}: mapping '{}' has no {} for '{}' (it has {})", lead,
                                      profile.name, field.label, key, join(known, ", ")));
        complete = false;
    }
    if (!complete)
        return std::nullopt;
    return object;
}

void cloud_view(const Config& config, const MappingProfile& profile, Diagnostics& diagnostics,
                const std::function<void(CloudObject&&)>& sink) {
    auto keep = [&](std::optional<CloudObject> object) {
        if (object)
            sink(std::move(*object));
    };
    // A profile without OAuth2 clients inlines their fields into the connections instead.
    if (profile.find(Kind::oauth2_client) != nullptr) {
        for (const OAuth2Client& client : config.clients)
            keep(cloud_view(Kind::oauth2_client, client.meta.name, attributes(client), profile,
                            diagnostics));
    }
    for (const MailAccount& account : config.accounts)
        keep(cloud_view(Kind::mail_account, account.meta.name, attributes(account, config), profile,
                        diagnostics));
    for (const SmtpConnection& connection : config.smtp_connections)
        keep(cloud_view(Kind::smtp_connection, connection.meta.name, attributes(connection, config),
                        profile, diagnostics));
}

std::vector<CloudObject> cloud_view(const Config& config, const MappingProfile& profile,
                                    Diagnostics& diagnostics) {
    std::vector<CloudObject> out;
    cloud_view(config, profile, diagnostics,
               [&](CloudObject&& object) { out.push_back(std::move(object)); });
    return out;
}

} // namespace mailsync
