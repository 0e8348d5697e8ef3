#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/render.hpp"

namespace mailsync {

namespace {

struct Style {
    bool color;
    std::string paint(std::string_view code, std::string_view text) const {
        return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
    }
};

std::string symbol(ActionType type) {
    switch (type) {
    case ActionType::create:
        return "+";
    case ActionType::update:
        return "~";
    case ActionType::remove:
        return "-";
    case ActionType::noop:
        break;
    }
    return "=";
}

std::string_view colour_of(ActionType type) {
    switch (type) {
    case ActionType::create:
        return "32";
    case ActionType::update:
        return "33";
    case ActionType::remove:
        return "31";
    case ActionType::noop:
        break;
    }
    return "2";
}

std::string value_text(const nlohmann::json& value) {
    if (value.is_null())
        return "(none)";
    return value.dump();
}

std::string change_text(const FieldChange& change, ActionType type) {
    if (change.sensitive)
        return fmt::format("(sensitive, {})", change.secret_change);
    if (type == ActionType::create)
        return value_text(change.after);
    return fmt::format("{} → {}", value_text(change.before), value_text(change.after));
}

} // namespace

std::string render_summary(const Plan& plan) {
    PlanCounts counts = plan.counts();
    return fmt::format("Plan: {} to create, {} to update, {} to delete, {} unchanged.",
                       counts.create, counts.update, counts.remove, counts.noop);
}

std::string render_text(const Plan& plan, bool color) {
    Style style{color};
    std::string out = plan.environment
                          ? fmt::format("Environment {}: target {} (mapping {}), state {}\n",
                                        *plan.environment, plan.target, plan.mapping, plan.state)
                          : fmt::format("Target {} (mapping {}), state {}\n", plan.target,
                                        plan.mapping, plan.state);
    if (!plan.selected.empty())
        out +=
            fmt::format("Selected: {} and what they depend on\n", fmt::join(plan.selected, ", "));
    for (const PlannedAction& action : plan.actions) {
        if (action.type == ActionType::noop && !action.adopt)
            continue;
        std::string head =
            fmt::format("{} {} {}", symbol(action.type), kind_name(action.kind), action.name);
        out += "\n  " + style.paint(colour_of(action.type), head);
        if (action.adopt)
            out += " (exists in the target; mailsync will manage it)";
        out += "\n";
        std::size_t width = 0;
        for (const FieldChange& change : action.changes)
            width = std::max(width, change.label.size() + 1);
        for (const FieldChange& change : action.changes)
            out += fmt::format("      {:<{}} {}\n", change.label + ":", width,
                               change_text(change, action.type));
    }
    if (!plan.unmanaged.empty()) {
        out += "\nIn the target but not managed by mailsync (left alone):\n";
        for (const UnmanagedObject& object : plan.unmanaged)
            out += fmt::format("    {} {}\n", kind_name(object.kind), object.name);
    }
    for (const std::string& note : plan.notes)
        out += fmt::format("\nNote: {}\n", note);
    out += "\n";
    out += plan.counts().has_changes() ? render_summary(plan)
                                       : "No changes. The target matches the configuration.";
    out += "\n";
    return out;
}

} // namespace mailsync
