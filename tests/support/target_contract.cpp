#include "support/target_contract.hpp"

#include <yaml-cpp/yaml.h>

#include "support/json_schema.hpp"

namespace mailsync::test {

namespace {

using nlohmann::json;

// YAML → JSON, scalars typed the way YAML 1.2's core schema reads them.
json to_json(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& item : node)
            out[item.first.as<std::string>()] = to_json(item.second);
        return out;
    }
    case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const auto& item : node)
            out.push_back(to_json(item));
        return out;
    }
    case YAML::NodeType::Scalar: {
        std::string text = node.Scalar();
        if (node.Tag() == "!")
            return text; // quoted
        if (text == "null" || text == "~")
            return nullptr;
        if (text == "true" || text == "false")
            return text == "true";
        if (!text.empty() && text.find_first_not_of("0123456789-") == std::string::npos)
            return std::stoll(text);
        return text;
    }
    default:
        return nullptr;
    }
}

} // namespace

const json& target_contract() {
    static const json document =
        to_json(YAML::LoadFile(MAILSYNC_SOURCE_DIR "/schemas/target-api.yaml"));
    return document;
}

std::vector<std::string> contract_violations(const json& instance, const std::string& name) {
    json document = {{"components", target_contract()["components"]},
                     {"$ref", "#/components/schemas/" + name}};
    return schema_violations(document, instance, SchemaDraft::draft4);
}

} // namespace mailsync::test
