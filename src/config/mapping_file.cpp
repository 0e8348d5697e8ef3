#include "config/mapping_file.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "config/source_file.hpp"
#include "config/yaml_tree.hpp"
#include "util/text.hpp"

namespace mailsync::embedded {
extern const std::string_view mapping_server_to_cloud;
extern const std::string_view mapping_mailbox_form;
} // namespace mailsync::embedded

namespace mailsync {

namespace {

class ProfileReader {
public:
    ProfileReader(const std::string& file, Diagnostics& diagnostics)
        : m_file(file), m_diagnostics(diagnostics) {}

    std::optional<MappingProfile> read(const yaml::Node& root) {
        if (!expect_map(root, "a mapping profile"))
            return std::nullopt;
        check_keys(root, {"profile", "title", "source", "target", "kinds"});
        MappingProfile profile;
        profile.name = text(root, "profile", true);
        profile.title = text(root, "title", false);
        profile.source = text(root, "source", false);
        profile.target = text(root, "target", false);
        const yaml::Node* kinds = required(root, "kinds");
        if (kinds != nullptr && expect_map(*kinds, "'kinds'")) {
            for (const yaml::Node& entry : kinds->children)
                read_kind(entry, profile);
        }
        if (m_failed)
            return std::nullopt;
        return profile;
    }

private:
    void read_kind(const yaml::Node& entry, MappingProfile& profile) {
        std::optional<Kind> kind = parse_kind(entry.key);
        if (!kind) {
            std::vector<std::string> names;
            for (Kind k : all_kinds)
                names.emplace_back(kind_name(k));
            error(entry.key_mark,
                  fmt::format("unknown kind '{}'{}", entry.key, did_you_mean(entry.key, names)));
            return;
        }
        if (!expect_map(entry, fmt::format("kind {}", entry.key)))
            return;
        check_keys(entry, {"sourceSection", "targetSection", "collection", "fields"});
        KindMapping mapping;
        mapping.source_section = text(entry, "sourceSection", false);
        mapping.target_section = text(entry, "targetSection", false);
        mapping.collection = text(entry, "collection", true);
        const yaml::Node* fields = required(entry, "fields");
        if (fields != nullptr) {
            if (!fields->is_sequence()) {
                error(fields->mark,
                      fmt::format("'fields' must be a list, not {}", yaml::describe(*fields)));
            } else {
                for (const yaml::Node& field : fields->children)
                    read_field(field, *kind, mapping);
            }
        }
        profile.kinds.emplace_back(*kind, std::move(mapping));
    }

    void read_field(const yaml::Node& node, Kind kind, KindMapping& mapping) {
        if (!expect_map(node, "a field"))
            return;
        check_keys(node, {"from", "source", "label", "key", "values", "sourceValues"});
        FieldMapping field;
        field.where = {m_file, node.mark.line, node.mark.column};
        field.from = text(node, "from", true);
        field.source_label = text(node, "source", false);
        field.label = text(node, "label", true);
        field.key = text(node, "key", true);
        if (const yaml::Node* from = node.find("from"); from != nullptr && !field.from.empty()) {
            std::vector<std::string> names;
            for (const AttributeInfo& info : attribute_catalog(kind))
                names.emplace_back(info.name);
            if (std::find(names.begin(), names.end(), field.from) == names.end())
                error(from->mark, fmt::format("unknown attribute '{}' for {}{}", field.from,
                                              kind_name(kind), did_you_mean(field.from, names)));
        }
        for (const FieldMapping& other : mapping.fields) {
            if (!field.key.empty() && other.key == field.key)
                error(node.find("key")->mark,
                      fmt::format("key '{}' is mapped twice in {}", field.key, kind_name(kind)));
        }
        read_values(node, "values", field.values);
        read_values(node, "sourceValues", field.source_values);
        mapping.fields.push_back(std::move(field));
    }

    void read_values(const yaml::Node& field, std::string_view key,
                     std::vector<std::pair<std::string, std::string>>& into) {
        const yaml::Node* values = field.find(key);
        if (values == nullptr || !expect_map(*values, fmt::format("'{}'", key)))
            return;
        for (const yaml::Node& value : values->children) {
            if (!value.is_scalar()) {
                error(value.mark, fmt::format("the value for '{}' must be a string, not {}",
                                              value.key, yaml::describe(value)));
                continue;
            }
            into.emplace_back(value.key, value.value);
        }
    }

    std::string text(const yaml::Node& map, std::string_view key, bool needed) {
        const yaml::Node* node = needed ? required(map, key) : map.find(key);
        if (node == nullptr)
            return {};
        if (!node->is_scalar() || node->value.empty()) {
            error(node->mark, fmt::format("'{}' must be a non-empty string, not {}", key,
                                          yaml::describe(*node)));
            return {};
        }
        return node->value;
    }

    const yaml::Node* required(const yaml::Node& map, std::string_view key) {
        const yaml::Node* node = map.find(key);
        if (node == nullptr)
            error(map.key.empty() ? map.mark : map.key_mark,
                  fmt::format("missing required field '{}'", key));
        return node;
    }

    bool expect_map(const yaml::Node& node, std::string_view what) {
        if (node.is_map())
            return true;
        error(node.mark, fmt::format("{} must be a map, not {}", what, yaml::describe(node)));
        return false;
    }

    void check_keys(const yaml::Node& map, const std::vector<std::string>& allowed) {
        for (const yaml::Node& child : map.children) {
            if (std::find(allowed.begin(), allowed.end(), child.key) == allowed.end())
                error(child.key_mark, fmt::format("unknown field '{}'{}", child.key,
                                                  did_you_mean(child.key, allowed)));
        }
    }

    void error(const yaml::Mark& mark, std::string message) {
        m_diagnostics.error({m_file, mark.line, mark.column}, std::move(message));
        m_failed = true;
    }

    const std::string& m_file;
    Diagnostics& m_diagnostics;
    bool m_failed = false;
};

} // namespace

std::optional<MappingProfile> parse_mapping(std::string_view text, const std::string& file,
                                            Diagnostics& diagnostics) {
    std::size_t errors_before = diagnostics.error_count();
    std::vector<yaml::Document> documents = yaml::parse(text, file, diagnostics);
    if (diagnostics.error_count() > errors_before)
        return std::nullopt;
    if (documents.size() != 1) {
        diagnostics.error({file, 1, 1}, fmt::format("a mapping profile is one YAML document, "
                                                    "this file has {}",
                                                    documents.size()));
        return std::nullopt;
    }
    return ProfileReader(file, diagnostics).read(documents.front().root);
}

std::vector<std::string> builtin_mapping_names() {
    return {"server-to-cloud", "mailbox-form"};
}

std::optional<std::string_view> builtin_mapping_text(std::string_view name) {
    if (name == "server-to-cloud")
        return embedded::mapping_server_to_cloud;
    if (name == "mailbox-form")
        return embedded::mapping_mailbox_form;
    return std::nullopt;
}

std::optional<MappingProfile> load_mapping(const std::string& name_or_path, SourceFiles& sources,
                                           Diagnostics& diagnostics) {
    if (std::optional<std::string_view> text = builtin_mapping_text(name_or_path)) {
        std::string file = fmt::format("<built-in mapping {}>", name_or_path);
        sources.add(file, std::string(*text));
        return parse_mapping(*text, file, diagnostics);
    }
    std::optional<std::string> text = read_source_file(name_or_path, diagnostics);
    if (!text)
        return std::nullopt;
    sources.add(name_or_path, *text);
    return parse_mapping(*text, name_or_path, diagnostics);
}

} // namespace mailsync
