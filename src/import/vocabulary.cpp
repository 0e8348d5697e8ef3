#include "import/vocabulary.hpp"

#include <algorithm>
#include <cctype>

#include "import/records.hpp"

namespace mailsync {

using nlohmann::json;

const std::vector<Importable>& importable(Kind kind) {
    static const std::vector<Importable> clients{
        {"name", "name"},
        {"description", "description"},
        {"provider", "provider"},
        {"clientId", "client_id"},
        {"clientSecret", "client_secret"},
        {"tenantId", "tenant_id"},
        {"tokenUrl", "token_url"},
        {"authorizationUrl", "authorization_url"},
        {"scopes", "scopes"},
    };
    // What accounts and SMTP connections share, then what each has of its own.
    static const std::vector<Importable> connections{
        {"name", "name"},
        {"description", "description"},
        {"protocol", "protocol"},
        {"encryption", "encryption"},
        {"host", "host"},
        {"port", "port"},
        {"username", "username"},
        {"password", "password"},
        {"timeout", "timeout"},
        {"oauth2.client", "oauth2_client"},
        {"oauth2.refreshToken", "refresh_token"},
        {"serverType", "provider"},
    };
    auto with = [](std::vector<Importable> own) {
        own.insert(own.begin(), connections.begin(), connections.end());
        return own;
    };
    static const std::vector<Importable> accounts =
        with({{"folder", "folder"}, {"enabled", "enabled"}});
    static const std::vector<Importable> smtp =
        with({{"fromAddress", "from_address"}, {"prefix", "prefix"}, {"debug", "debug"}});
    return kind == Kind::oauth2_client ? clients : kind == Kind::mail_account ? accounts : smtp;
}

std::string text_of(const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

bool is_two_valued(const std::string& attribute) {
    return attribute == "enabled" || attribute == "debug";
}

// Both meanings' words side by side, so that an unknown word is never taken for a typo of
// either: "Inactive" is one edit from "Active" and means the opposite.
const Words& two_valued_words() {
    static const Words words{{"true", "true"},      {"false", "false"},      {"yes", "true"},
                             {"no", "false"},       {"on", "true"},          {"off", "false"},
                             {"1", "true"},         {"0", "false"},          {"enabled", "true"},
                             {"disabled", "false"}, {"active", "true"},      {"inactive", "false"},
                             {"activated", "true"}, {"deactivated", "false"}};
    return words;
}

Words words_of(Kind kind, const std::string& attribute, const MappingProfile& profile) {
    Words words;
    if (attribute == "protocol") {
        if (kind == Kind::smtp_connection)
            words = {{"smtp", "smtp"}};
        else
            words = {{"imap", "imap"}, {"pop3", "pop3"}, {"imap4", "imap"}, {"pop", "pop3"}};
    } else if (attribute == "encryption") {
        words = {{"none", "none"},  {"ssl", "ssl"},           {"starttls", "starttls"},
                 {"tls", "ssl"},    {"ssl/tls", "ssl"},       {"implicit tls", "ssl"},
                 {"plain", "none"}, {"start tls", "starttls"}};
    } else if (attribute == "provider") {
        words = {{"google", "google"},  {"microsoft", "microsoft"},    {"custom", "custom"},
                 {"gmail", "google"},   {"microsoft365", "microsoft"}, {"office365", "microsoft"},
                 {"azure", "microsoft"}};
    } else if (attribute == "serverType") {
        words = {{"gmail", "gmail"},       {"office", "office"},
                 {"exchange", "exchange"}, {"domino", "domino"},
                 {"default", "default"},   {"gsuite", "gmail"},
                 {"google", "gmail"},      {"google workspace", "gmail"},
                 {"office365", "office"},  {"microsoft365", "office"},
                 {"o365", "office"},       {"ms-exchange", "exchange"},
                 {"lotus", "domino"},      {"standard", "default"}};
    }
    // The profile's own words: Cloud's values and the Server's, for the same values.
    if (const KindMapping* mapping = profile.find(kind)) {
        for (const FieldMapping& field : mapping->fields) {
            bool same =
                field.from == attribute || (attribute == "protocol" && field.from == "service");
            if (!same)
                continue;
            auto known = [&](const std::string& key) {
                std::string base = key.substr(0, key.find('/'));
                return attribute != "protocol" ||
                       std::any_of(words.begin(), words.end(),
                                   [&](const auto& word) { return word.second == base; });
            };
            for (const auto& [key, shown] : field.values) {
                if (known(key))
                    words.emplace_back(shown, key);
            }
            for (const auto& [shown, key] : field.source_values) {
                if (known(key))
                    words.emplace_back(shown, key);
            }
        }
    }
    // After the profile's, so that a message lists Active before active.
    if (is_two_valued(attribute))
        words.insert(words.end(), two_valued_words().begin(), two_valued_words().end());
    return words;
}

std::string normalize_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        unsigned char u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 && u < 0x80)
            out += static_cast<char>(std::tolower(u));
        else if (u >= 0x80)
            out += c;
    }
    return out;
}

bool is_secret_attribute(Kind kind, std::string_view attribute) {
    for (const AttributeInfo& info : attribute_catalog(kind)) {
        if (info.name == attribute)
            return info.about.find("(secret)") != std::string_view::npos;
    }
    return false;
}

FieldNames::FieldNames(const MappingProfile& profile) {
    for (Kind kind : all_kinds) {
        auto& names = m_names[kind];
        auto add = [&](std::string_view said, const std::string& attribute) {
            std::string normalized = normalize_name(said);
            if (!normalized.empty())
                names.emplace(normalized, attribute);
        };
        for (const Importable& entry : importable(kind)) {
            add(entry.attribute, entry.attribute);
            add(entry.column, entry.attribute);
            m_suggestions[kind].emplace_back(entry.column);
        }
        for (const Importable& entry : importable(kind)) {
            std::string_view attribute = entry.attribute;
            if (attribute.starts_with("oauth2."))
                add(attribute.substr(7), entry.attribute); // "refreshToken"
        }
        add("server type", "serverType");
        add("type", kind == Kind::oauth2_client ? "provider" : "serverType");
        const KindMapping* mapping = profile.find(kind);
        if (mapping == nullptr)
            continue;
        for (const FieldMapping& field : mapping->fields) {
            std::string attribute = field.from == "service" ? "protocol" : field.from;
            bool known =
                std::any_of(importable(kind).begin(), importable(kind).end(),
                            [&](const Importable& entry) { return entry.attribute == attribute; });
            if (!known)
                continue;
            for (const std::string& said : {field.source_label, field.label, field.key})
                add(said, attribute);
            if (!field.source_label.empty())
                m_suggestions[kind].push_back(field.source_label);
        }
    }
}

std::optional<std::string> FieldNames::attribute(Kind kind, std::string_view name) const {
    const auto& names = m_names.at(kind);
    auto found = names.find(normalize_name(name));
    if (found == names.end())
        return std::nullopt;
    return found->second;
}

std::vector<std::string> FieldNames::suggestions(Kind kind) const {
    return m_suggestions.at(kind);
}

} // namespace mailsync
