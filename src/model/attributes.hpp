// A resource seen as named values: what a mapping profile picks the target's fields from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/resources.hpp"

namespace mailsync {

// A reference to another resource by kind and name; the target stores its id instead.
struct Reference {
    Kind kind = Kind::oauth2_client;
    std::string name;
    bool operator==(const Reference&) const = default;
};

using AttributeValue =
    std::variant<std::monostate, std::string, std::int64_t, bool, Secret, Reference>;

struct Attribute {
    std::string name;     // "protocol", "oauth2.client", "service"
    AttributeValue value; // monostate when the resource does not set it
    Location where;       // where the value comes from in the YAML
    // For a derived value, what it means, for a message when the mapping cannot place it.
    std::string meaning;
};

// The attributes of each kind, in a fixed order. Connections look up their OAuth2 client in
// `config` for the provider-dependent ones.
std::vector<Attribute> attributes(const OAuth2Client& client);
std::vector<Attribute> attributes(const MailAccount& account, const Config& config);
std::vector<Attribute> attributes(const SmtpConnection& connection, const Config& config);

// Every attribute name a mapping profile may use for a kind, with a line on what it holds.
struct AttributeInfo {
    std::string_view name;
    std::string_view about;
};
const std::vector<AttributeInfo>& attribute_catalog(Kind kind);

// The text a value map is keyed by: "imap", "993", "true"; empty for no value or a secret.
std::string value_key(const AttributeValue& value);

} // namespace mailsync
