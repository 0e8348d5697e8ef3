#include "config/schema.hpp"

#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "config/scalar.hpp"
#include "config/value_hints.hpp"
#include "util/text.hpp"

namespace mailsync::embedded {
extern const std::string_view schema_json;
} // namespace mailsync::embedded

namespace mailsync {

using nlohmann::json;

std::string_view schema_text() {
    return embedded::schema_json;
}

namespace {

json to_json(const yaml::Node& node) {
    switch (node.kind) {
    case yaml::NodeKind::null:
        return nullptr;
    case yaml::NodeKind::sequence: {
        json out = json::array();
        for (const yaml::Node& child : node.children)
            out.push_back(to_json(child));
        return out;
    }
    case yaml::NodeKind::map: {
        json out = json::object();
        for (const yaml::Node& child : node.children)
            out[child.key] = to_json(child);
        return out;
    }
    case yaml::NodeKind::scalar:
        break;
    }
    switch (yaml::scalar_type(node)) {
    case yaml::ScalarType::null:
        return nullptr;
    case yaml::ScalarType::boolean:
        return *yaml::as_bool(node);
    case yaml::ScalarType::integer:
        return *yaml::as_int(node);
    case yaml::ScalarType::number:
        return std::stod(node.value);
    case yaml::ScalarType::string:
        break;
    }
    return node.value;
}

// The sub-schema with `$ref`s followed.
const json& resolve(const json& root, const json& schema) {
    const json* current = &schema;
    for (int hops = 0; hops < 16 && current->is_object() && current->contains("$ref"); ++hops) {
        std::string ref = (*current)["$ref"].get<std::string>();
        if (!ref.starts_with("#/"))
            break;
        current = &root.at(json::json_pointer(ref.substr(1)));
    }
    return *current;
}

// Follows a document path (property names, item indexes) through a schema.
const json* schema_at(const json& root, const json& start, const std::vector<std::string>& path) {
    const json* current = &resolve(root, start);
    for (const std::string& step : path) {
        if (current->contains("properties") && (*current)["properties"].contains(step)) {
            current = &resolve(root, (*current)["properties"][step]);
        } else if (current->contains("items")) {
            current = &resolve(root, (*current)["items"]);
        } else if (current->contains("additionalProperties") &&
                   (*current)["additionalProperties"].is_object()) {
            current = &resolve(root, (*current)["additionalProperties"]);
        } else {
            return nullptr;
        }
    }
    return current;
}

std::string type_words(const json& schema) {
    static const std::map<std::string, std::string> words{{"integer", "a whole number"},
                                                          {"number", "a number"},
                                                          {"string", "a string"},
                                                          {"boolean", "true or false"},
                                                          {"object", "a map"},
                                                          {"array", "a list"},
                                                          {"null", "null"}};
    if (!schema.contains("type"))
        return "another type";
    std::vector<std::string> types;
    if (schema["type"].is_array()) {
        for (const json& type : schema["type"])
            types.push_back(type.get<std::string>());
    } else {
        types.push_back(schema["type"].get<std::string>());
    }
    std::vector<std::string> out;
    for (const std::string& type : types) {
        auto found = words.find(type);
        out.push_back(found == words.end() ? "another type" : found->second);
    }
    return join_words(out);
}

std::string dotted(const std::vector<std::string>& path, const yaml::Node& root) {
    std::string out;
    const yaml::Node* node = &root;
    for (const std::string& step : path) {
        if (node != nullptr && node->is_sequence()) {
            out += fmt::format("[{}]", step);
            std::size_t index = std::stoul(step);
            node = index < node->children.size() ? &node->children[index] : nullptr;
        } else {
            out += out.empty() ? step : "." + step;
            node = node != nullptr ? node->find(step) : nullptr;
        }
    }
    return out;
}

const yaml::Node* node_at(const yaml::Node& root, const std::vector<std::string>& path) {
    const yaml::Node* node = &root;
    for (const std::string& step : path) {
        if (node->is_sequence()) {
            std::size_t index = std::stoul(step);
            if (index >= node->children.size())
                return nullptr;
            node = &node->children[index];
        } else {
            node = node->find(step);
        }
        if (node == nullptr)
            return nullptr;
    }
    return node;
}

std::string quoted_value(const yaml::Node& node) {
    if (node.is_scalar() && yaml::scalar_type(node) == yaml::ScalarType::string)
        return fmt::format("'{}'",
                           node.value.size() > 60 ? node.value.substr(0, 60) + "..." : node.value);
    return yaml::describe(node);
}

// What a refused value was likely meant to say, for the fields whose definition asks for it
// ("x-mailsync-hint"); otherwise an empty string.
std::string value_hint(const json& schema, const yaml::Node& node) {
    if (!node.is_scalar() || !schema.contains("x-mailsync-hint"))
        return {};
    const json& hint = schema["x-mailsync-hint"];
    if (hint == "encryption")
        return encryption_hint(node.value);
    if (hint == "duration")
        return duration_hint(node.value);
    return {};
}

std::string between(std::string_view text, std::string_view open, std::string_view close) {
    std::size_t start = text.find(open);
    if (start == std::string_view::npos)
        return {};
    start += open.size();
    std::size_t end = text.find(close, start);
    return std::string(text.substr(start, end - start));
}

bool is_secret_field(const json& schema) {
    return schema.contains("description") &&
           schema["description"].get<std::string>().starts_with("A secret");
}

} // namespace

constexpr const char* settings_ref = "#/definitions/Settings";

struct SchemaValidator::Impl {
    json document;
    std::map<Kind, valijson::Schema> kinds;
    std::map<Kind, std::string> kind_refs;
    valijson::Schema root;
    valijson::Schema settings;
    valijson::Validator validator{valijson::Validator::kStrongTypes};

    Impl() {
        document = json::parse(schema_text());
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::NlohmannJsonAdapter root_adapter(document);
        parser.populateSchema(root_adapter, root);
        for (Kind kind : declared_kinds) {
            std::string ref = fmt::format("#/definitions/{}", kind_name(kind));
            json wrapper = document;
            wrapper.erase("allOf");
            wrapper.erase("properties");
            wrapper.erase("required");
            wrapper.erase("type");
            wrapper["$ref"] = ref;
            valijson::adapters::NlohmannJsonAdapter adapter(wrapper);
            parser.populateSchema(adapter, kinds[kind]);
            kind_refs[kind] = ref;
        }
        populate_definition(parser, settings_ref, settings);
    }

    // Compiles one definition of the schema, with the others it refers to.
    void populate_definition(valijson::SchemaParser& parser, const std::string& ref,
                             valijson::Schema& out) {
        json wrapper = document;
        wrapper.erase("allOf");
        wrapper.erase("properties");
        wrapper.erase("required");
        wrapper.erase("type");
        wrapper["$ref"] = ref;
        valijson::adapters::NlohmannJsonAdapter adapter(wrapper);
        parser.populateSchema(adapter, out);
    }

    bool run(const valijson::Schema& schema, const json& start, const yaml::Node& document_node,
             const std::string& file, Diagnostics& diagnostics) {
        json instance = to_json(document_node);
        valijson::adapters::NlohmannJsonAdapter adapter(instance);
        valijson::ValidationResults results;
        if (validator.validate(schema, adapter, &results))
            return true;
        std::set<std::string> reported;
        valijson::ValidationResults::Error error;
        while (results.popError(error)) {
            std::vector<std::string> path;
            for (std::size_t i = 1; i < error.context.size(); ++i) {
                const std::string& step = error.context[i];
                path.push_back(step.size() >= 2 ? step.substr(1, step.size() - 2) : step);
            }
            std::optional<Diagnostic> diagnostic =
                translate(error.description, path, start, document_node, file);
            if (!diagnostic)
                continue;
            std::string identity = fmt::format("{}:{}:{}", diagnostic->where.line,
                                               diagnostic->where.column, diagnostic->message);
            if (reported.insert(identity).second)
                diagnostics.error(diagnostic->where, diagnostic->message);
        }
        return false;
    }

    // Turns one valijson error into a mailsync diagnostic, or nothing for the summary errors
    // that valijson adds above the one that says what is wrong.
    std::optional<Diagnostic> translate(const std::string& description,
                                        const std::vector<std::string>& path, const json& start,
                                        const yaml::Node& root_node, const std::string& file) {
        if (description.starts_with("Failed to validate against") ||
            description.starts_with("Failed to validate item"))
            return std::nullopt;
        const yaml::Node* node = node_at(root_node, path);
        const json* schema = schema_at(document, start, path);
        if (node == nullptr)
            return std::nullopt;
        std::string field = dotted(path, root_node);
        auto at_value = [&](std::string message) {
            return Diagnostic{
                Severity::error, {file, node->mark.line, node->mark.column}, std::move(message)};
        };
        auto at_key = [&](std::string message) {
            yaml::Mark mark = path.empty() ? node->mark : node->key_mark;
            return Diagnostic{Severity::error, {file, mark.line, mark.column}, std::move(message)};
        };

        if (description.starts_with("Missing required property")) {
            std::string name = between(description, "'", "'");
            return at_key(field.empty()
                              ? fmt::format("missing required field '{}'", name)
                              : fmt::format("missing required field '{}' in {}", name, field));
        }
        if (description.starts_with("Object contains a property that could not be validated")) {
            std::string name = between(description, "constraints: '", "'.");
            const yaml::Node* child = node->find(name);
            std::vector<std::string> known;
            if (schema != nullptr && schema->contains("properties")) {
                for (const auto& [key, value] : (*schema)["properties"].items())
                    known.push_back(key);
            }
            std::string where_text = field.empty() ? "" : fmt::format(" in {}", field);
            std::string message =
                fmt::format("unknown field '{}'{}{}", name, where_text, did_you_mean(name, known));
            yaml::Mark mark = child != nullptr ? child->key_mark : node->mark;
            return Diagnostic{Severity::error, {file, mark.line, mark.column}, message};
        }
        if (schema == nullptr)
            return at_value(fmt::format("{}: {}", field, description));
        if (description.starts_with("Value type not permitted")) {
            if (schema->contains("errorMessage") && schema->contains("pattern"))
                return at_value(fmt::format("{} {}, not {}{}", field,
                                            (*schema)["errorMessage"].get<std::string>(),
                                            yaml::describe(*node), value_hint(*schema, *node)));
            if (is_secret_field(*schema))
                return at_value(fmt::format("{} must be a string such as ${{env:NAME}} or "
                                            "${{file:PATH}}, not {}",
                                            field, yaml::describe(*node)));
            return at_value(fmt::format("{} must be {}, not {}", field, type_words(*schema),
                                        yaml::describe(*node)));
        }
        if (schema->contains("errorMessage") && description.find("regex") != std::string::npos)
            return at_value(fmt::format("{} {}, not {}{}", field,
                                        (*schema)["errorMessage"].get<std::string>(),
                                        quoted_value(*node), value_hint(*schema, *node)));
        if (schema->contains("errorMessage") && description.starts_with("Object should have"))
            return at_key(
                fmt::format("{} {}", field, (*schema)["errorMessage"].get<std::string>()));
        if (description.starts_with("Failed to match against any enum values") &&
            schema->contains("enum")) {
            std::vector<std::string> options;
            for (const json& option : (*schema)["enum"])
                options.push_back(option.get<std::string>());
            std::string suggestion = value_hint(*schema, *node);
            if (suggestion.empty() && node->is_scalar())
                suggestion = did_you_mean(node->value, options);
            return at_value(fmt::format("{} must be {}, not {}{}", field, join_words(options, true),
                                        quoted_value(*node), suggestion));
        }
        if ((description.find("'const'") != std::string::npos ||
             description.find("not equal") != std::string::npos) &&
            schema->contains("const")) {
            return at_value(fmt::format("{} must be '{}', not {}", field,
                                        (*schema)["const"].get<std::string>(),
                                        quoted_value(*node)));
        }
        if (schema->contains("minimum") && schema->contains("maximum") &&
            description.find("xpected") != std::string::npos) {
            return at_value(fmt::format("{} must be from {} to {}, not {}", field,
                                        (*schema)["minimum"].dump(), (*schema)["maximum"].dump(),
                                        node->value));
        }
        if (description.find("no fewer than") != std::string::npos ||
            description.find("fewer than") != std::string::npos) {
            if (node->is_sequence())
                return at_value(fmt::format("{} must list at least {} item(s)", field,
                                            (*schema).value("minItems", 1)));
            return at_value(fmt::format("{} must not be empty", field));
        }
        if (description.find("no more than") != std::string::npos ||
            description.find("more than") != std::string::npos) {
            if (schema->contains("maxLength"))
                return at_value(fmt::format("{} is longer than {} characters", field,
                                            (*schema)["maxLength"].get<int>()));
            return at_value(fmt::format("{} has too many entries", field));
        }
        if (description.find("unique") != std::string::npos)
            return at_value(fmt::format("{} lists the same value twice", field));
        return at_value(fmt::format("{}: {}", field, description));
    }
};

SchemaValidator::SchemaValidator() : m_impl(std::make_unique<Impl>()) {}
SchemaValidator::~SchemaValidator() = default;

bool SchemaValidator::validate(const yaml::Node& document, Kind kind, const std::string& file,
                               Diagnostics& diagnostics) {
    const json& start = m_impl->document.at(json::json_pointer(m_impl->kind_refs[kind].substr(1)));
    return m_impl->run(m_impl->kinds[kind], start, document, file, diagnostics);
}

bool SchemaValidator::validate_settings(const yaml::Node& document, const std::string& file,
                                        Diagnostics& diagnostics) {
    const json& start =
        m_impl->document.at(json::json_pointer(std::string(settings_ref).substr(1)));
    return m_impl->run(m_impl->settings, start, document, file, diagnostics);
}

bool SchemaValidator::validate_root(const yaml::Node& document, const std::string& file,
                                    Diagnostics& diagnostics) {
    // Messages name fields through the kind's definition, as the root's if/then would pick it.
    const json* start = &m_impl->document;
    const yaml::Node* kind_node = document.find("kind");
    if (std::optional<Kind> kind = kind_node ? parse_kind(kind_node->value) : std::nullopt)
        start = &m_impl->document.at(json::json_pointer(m_impl->kind_refs[*kind].substr(1)));
    return m_impl->run(m_impl->root, *start, document, file, diagnostics);
}

} // namespace mailsync
