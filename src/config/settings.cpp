#include "config/settings.hpp"

#include <regex>

#include <fmt/format.h>

#include "config/scalar.hpp"
#include "config/schema.hpp"
#include "config/source_file.hpp"
#include "config/yaml_tree.hpp"
#include "util/crypto.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

bool is_environment_name(const std::string& name) {
    static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
    return std::regex_match(name, pattern);
}

bool is_variable_name(const std::string& name) {
    static const std::regex pattern("[A-Za-z_][A-Za-z0-9_]{0,127}");
    return std::regex_match(name, pattern);
}

// Reads a document the schema has accepted; names are checked here, at their keys.
class SettingsReader {
public:
    SettingsReader(const std::string& file, Diagnostics& diagnostics)
        : m_file(file), m_diagnostics(diagnostics) {}

    Location at(const yaml::Mark& mark) const { return {m_file, mark.line, mark.column}; }

    std::optional<std::string> text(const yaml::Node& map, std::string_view key) const {
        const yaml::Node* node = map.find(key);
        if (node == nullptr || !node->is_scalar())
            return std::nullopt;
        return node->value;
    }

    SettingsFile read(const yaml::Node& root) {
        SettingsFile out;
        out.path = m_file;
        out.ownership = ownership(root);
        if (const yaml::Node* environments = root.find("environments")) {
            for (const yaml::Node& entry : environments->children)
                out.environments.push_back(environment(entry));
        }
        if (const yaml::Node* name = root.find("defaultEnvironment")) {
            out.default_environment = name->value;
            out.default_where = at(name->mark);
            if (out.find(name->value) == nullptr)
                m_diagnostics.error(out.default_where, unknown_environment(name->value, out));
        }
        return out;
    }

    static std::string unknown_environment(const std::string& name, const SettingsFile& file) {
        std::vector<std::string> names = file.names();
        std::string suggestion = did_you_mean(name, names);
        if (names.empty())
            return fmt::format("defaultEnvironment '{}' names an environment, and the file "
                               "declares none under environments",
                               name);
        return fmt::format("defaultEnvironment '{}' is not one of the environments: {}{}", name,
                           join(names, ", "), suggestion);
    }

private:
    // Where the value of `key` in `map` stands.
    Location value_at(const yaml::Node& map, std::string_view key) const {
        const yaml::Node* node = map.find(key);
        return node != nullptr ? at(node->mark) : at(map.key_mark);
    }

    // scope, deletes and maxDeletes of the file or of an environment; the schema checked them.
    SettingsOwnership ownership(const yaml::Node& map) const {
        SettingsOwnership out;
        out.scope = text(map, "scope");
        out.deletes = text(map, "deletes");
        out.max_deletes = text(map, "maxDeletes");
        out.scope_where = value_at(map, "scope");
        out.deletes_where = value_at(map, "deletes");
        out.max_deletes_where = value_at(map, "maxDeletes");
        return out;
    }

    SettingsEnvironment environment(const yaml::Node& entry) {
        SettingsEnvironment out;
        out.name = entry.key;
        out.where = at(entry.key_mark);
        if (!is_environment_name(entry.key))
            m_diagnostics.error(out.where,
                                fmt::format("environment name '{}' must be letters, digits, '-' "
                                            "and '_', starting with a letter or digit",
                                            entry.key));
        if (!entry.is_map())
            return out;
        out.target = text(entry, "target");
        out.state = text(entry, "state");
        out.mapping = text(entry, "mapping");
        out.target_where = value_at(entry, "target");
        out.state_where = value_at(entry, "state");
        out.mapping_where = value_at(entry, "mapping");
        out.ownership = ownership(entry);
        if (const yaml::Node* variables = entry.find("variables")) {
            for (const yaml::Node& variable : variables->children) {
                if (!is_variable_name(variable.key)) {
                    m_diagnostics.error(at(variable.key_mark),
                                        fmt::format("variable name '{}' must be letters, digits "
                                                    "and '_', not starting with a digit",
                                                    variable.key));
                    continue;
                }
                bool text_value = yaml::scalar_type(variable) == yaml::ScalarType::string;
                out.variables[variable.key] = {variable.value, text_value, at(variable.mark)};
            }
        }
        return out;
    }

    std::string m_file;
    Diagnostics& m_diagnostics;
};

} // namespace

const SettingsEnvironment* SettingsFile::find(const std::string& name) const {
    for (const SettingsEnvironment& environment : environments) {
        if (environment.name == name)
            return &environment;
    }
    return nullptr;
}

std::vector<std::string> SettingsFile::names() const {
    std::vector<std::string> out;
    for (const SettingsEnvironment& environment : environments)
        out.push_back(environment.name);
    return out;
}

std::optional<SettingsFile> parse_settings_text(const std::string& path, const std::string& text,
                                                Diagnostics& diagnostics) {
    std::size_t errors_before = diagnostics.error_count();
    std::vector<yaml::Document> documents = yaml::parse(text, path, diagnostics);
    if (diagnostics.error_count() > errors_before)
        return std::nullopt;
    if (documents.size() != 1 || documents.front().root.is_null()) {
        diagnostics.error({path, documents.size() > 1 ? documents[1].start.line : 0, 0},
                          "the settings file must hold exactly one document (kind: Settings)");
        return std::nullopt;
    }
    const yaml::Node& root = documents.front().root;
    SchemaValidator schema;
    if (!schema.validate_settings(root, path, diagnostics))
        return std::nullopt;
    SettingsReader reader(path, diagnostics);
    SettingsFile out = reader.read(root);
    if (diagnostics.error_count() > errors_before)
        return std::nullopt;
    return out;
}

std::optional<SettingsFile> read_settings_file(const std::string& path, const std::string& real,
                                               SourceFiles& sources, Diagnostics& diagnostics) {
    std::optional<std::string> text = read_confined_source(path, real, diagnostics);
    if (!text)
        return std::nullopt;
    sources.add(path, *text);
    std::optional<SettingsFile> file = parse_settings_text(path, *text, diagnostics);
    if (file)
        file->sha256 = sha256_hex(*text);
    return file;
}

} // namespace mailsync
