#include "plan/labels.hpp"

namespace mailsync {

std::map<std::string, std::string> labels_of(const TargetObject& object) {
    std::map<std::string, std::string> out;
    auto labels = object.fields.find("labels");
    if (labels == object.fields.end() || !labels->is_object())
        return out;
    for (const auto& [key, value] : labels->items()) {
        if (value.is_string())
            out[key] = value.get<std::string>();
    }
    return out;
}

std::string scope_of(const TargetObject& object) {
    std::map<std::string, std::string> labels = labels_of(object);
    auto found = labels.find(scope_label);
    return found == labels.end() ? std::string() : found->second;
}

bool is_protected(const TargetObject& object) {
    std::map<std::string, std::string> labels = labels_of(object);
    auto found = labels.find(protected_label);
    return found != labels.end() && found->second == "true";
}

std::map<std::string, std::string> desired_labels(const TargetObject* current,
                                                  const std::string& scope, bool protect) {
    std::map<std::string, std::string> out;
    if (current != nullptr) {
        for (const auto& [key, value] : labels_of(*current)) {
            if (!key.starts_with("mailsync/"))
                out[key] = value;
        }
    }
    if (!scope.empty())
        out[scope_label] = scope;
    if (protect)
        out[protected_label] = "true";
    return out;
}

} // namespace mailsync
