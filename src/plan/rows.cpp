// A create's rows, made from its fields when they are read.
#include "plan/rows.hpp"

#include <algorithm>

#include "plan/order.hpp"

namespace mailsync {

void for_each_change(const Plan& plan, const PlannedAction& action,
                     const std::function<void(const FieldChange&)>& visit) {
    if (action.rows_from_fields) {
        auto labels = plan.field_labels.find(action.kind);
        if (labels != plan.field_labels.end()) {
            for (const FieldLabel& field : labels->second) {
                bool secret = std::any_of(
                    action.secrets.begin(), action.secrets.end(),
                    [&](const SecretSlot& slot) { return slot.key == field.key.str(); });
                if (secret) {
                    visit({field.label, field.key, nullptr, nullptr, true, "will be set"});
                    continue;
                }
                auto value = action.fields.find(field.key.str());
                if (value == action.fields.end() || value->is_null())
                    continue;
                // A reference shows the name of the resource it names.
                bool reference = value->is_object() && value->contains("$ref");
                visit({field.label, field.key, nullptr,
                       reference ? nlohmann::json(referenced_name(*value)) : *value, false, ""});
            }
        }
    }
    for (const FieldChange& change : action.changes)
        visit(change);
}

std::vector<FieldChange> changes_of(const Plan& plan, const PlannedAction& action) {
    std::vector<FieldChange> out;
    for_each_change(plan, action, [&](const FieldChange& change) { out.push_back(change); });
    return out;
}

} // namespace mailsync
