// Mapping profiles: how resources become the target product's fields, and the Cloud view.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/attributes.hpp"
#include "model/resources.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// One field of the target's form: where its value comes from and what it is called.
struct FieldMapping {
    std::string from;         // an attribute name, see attribute_catalog
    std::string source_label; // the label on the source product (Server), if it has one
    std::string label;        // the label on the target product (Cloud)
    std::string key;          // the target API's key
    // Value map: attribute value key → target value. Empty: the value passes unchanged.
    std::vector<std::pair<std::string, std::string>> values;
    // What the source product (Server) shows → the value key, where its words differ from both
    // the key and the target's value; import reads them.
    std::vector<std::pair<std::string, std::string>> source_values;
    Location where;

    const std::string* map_value(const std::string& key) const;
};

struct KindMapping {
    std::string source_section; // "Incoming Mail Accounts"
    std::string target_section; // "Mail Accounts"
    std::string collection;     // the target API's collection: "mail-accounts"
    std::vector<FieldMapping> fields;
};

struct MappingProfile {
    std::string name; // "server-to-cloud"
    std::string title;
    std::string source; // "Server"
    std::string target; // "Cloud"
    std::vector<std::pair<Kind, KindMapping>> kinds;

    const KindMapping* find(Kind kind) const;
};

// One field of an object in the target's form, its value already through the value map.
struct CloudField {
    std::string label;
    std::string key;
    AttributeValue value;
};

struct CloudObject {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::vector<CloudField> fields;
};

// Renders a resource's attributes through a profile. A value the profile cannot map is an
// error at the YAML place the value comes from; the object is then not returned.
std::optional<CloudObject> cloud_view(Kind kind, const std::string& name,
                                      const std::vector<Attribute>& attributes,
                                      const MappingProfile& profile, Diagnostics& diagnostics);

// Renders every resource of `config`, handing each object to `sink` as it is made; problems go
// to `diagnostics`.
void cloud_view(const Config& config, const MappingProfile& profile, Diagnostics& diagnostics,
                const std::function<void(CloudObject&&)>& sink);

// The same, collected.
std::vector<CloudObject> cloud_view(const Config& config, const MappingProfile& profile,
                                    Diagnostics& diagnostics);

} // namespace mailsync
