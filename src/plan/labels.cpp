#include "plan/labels.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

// The object's labels as the target holds them; an empty object when it has none.
const json& raw_labels(const TargetObject& object) {
    static const json none = json::object();
    auto labels = object.fields.find("labels");
    return labels != object.fields.end() && labels->is_object() ? *labels : none;
}

} // namespace

std::map<std::string, std::string> labels_of(const TargetObject& object) {
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : raw_labels(object).items())
        out[key] = value.is_string() ? value.get<std::string>() : value.dump();
    return out;
}

std::string scope_of(const TargetObject& object) {
    const json& labels = raw_labels(object);
    auto found = labels.find(scope_label);
    if (found == labels.end())
        return "";
    // A value that is not a string is nobody's scope that a configuration could own: its JSON
    // text, which no scope name can be, keeps the object out of every scope's reach.
    return found->is_string() ? found->get<std::string>() : found->dump();
}

bool is_protected(const TargetObject& object) {
    const json& labels = raw_labels(object);
    auto found = labels.find(protected_label);
    // Anything but the label's absence or "false" protects: a hand-made "True" or true too.
    return found != labels.end() && !(found->is_string() && found->get<std::string>() == "false");
}

json desired_labels(const TargetObject* current, const std::string& scope, bool protect) {
    json out = json::object();
    if (current != nullptr) {
        for (const auto& [key, value] : raw_labels(*current).items()) {
            if (!key.starts_with("mailsync/"))
                out[key] = value; // kept as the target holds it
        }
    }
    if (!scope.empty())
        out[scope_label] = scope;
    if (protect)
        out[protected_label] = "true";
    return out;
}

} // namespace mailsync
