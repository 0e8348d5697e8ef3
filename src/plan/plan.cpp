#include "plan/plan.hpp"

namespace mailsync {

std::string_view action_name(ActionType type) {
    switch (type) {
    case ActionType::create:
        return "create";
    case ActionType::update:
        return "update";
    case ActionType::remove:
        return "delete";
    case ActionType::noop:
        return "no-op";
    }
    return "?";
}

PlanCounts Plan::counts() const {
    PlanCounts counts;
    for (const PlannedAction& action : actions) {
        switch (action.type) {
        case ActionType::create:
            ++counts.create;
            break;
        case ActionType::update:
            ++counts.update;
            break;
        case ActionType::remove:
            ++counts.remove;
            break;
        case ActionType::noop:
            ++counts.noop;
            break;
        }
    }
    return counts;
}

} // namespace mailsync
