#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/render.hpp"
#include "plan/rows.hpp"
#include "util/text.hpp"

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
    if (type == ActionType::remove)
        return value_text(change.before); // what goes: its key fields
    return fmt::format("{} → {}", value_text(change.before), value_text(change.after));
}

// " (Host: "h", Username: "u")", or nothing.
std::string key_fields_text(const std::vector<FieldChange>& fields) {
    std::vector<std::string> parts;
    for (const FieldChange& field : fields)
        parts.push_back(fmt::format("{}: {}", field.label, value_text(field.before)));
    return parts.empty() ? std::string() : fmt::format(" ({})", fmt::join(parts, ", "));
}

} // namespace

std::string deletion_banner(const Plan& plan) {
    std::size_t deletes = plan.counts().remove;
    std::string out = fmt::format("This plan DELETES {} object{} from the target; check each "
                                  "one below.",
                                  deletes, deletes == 1 ? "" : "s");
    if (deletes > plan.max_deletes)
        out += fmt::format(" apply refuses more than {} without --max-deletes {}.",
                           plan.max_deletes, deletes);
    return out;
}

std::string render_summary(const Plan& plan) {
    PlanCounts counts = plan.counts();
    return fmt::format("Plan: {} to create, {} to update, {} to delete, {} unchanged.",
                       counts.create, counts.update, counts.remove, counts.noop);
}

void render_text(const Plan& plan, bool color, const std::function<void(std::string_view)>& write) {
    Style style{color};
    std::string out = plan.environment
                          ? fmt::format("Environment {}: target {} (mapping {}), state {}\n",
                                        *plan.environment, plan.target, plan.mapping, plan.state)
                          : fmt::format("Target {} (mapping {}), state {}\n", plan.target,
                                        plan.mapping, plan.state);
    if (!plan.selected.empty())
        out +=
            fmt::format("Selected: {} and what they depend on\n", fmt::join(plan.selected, ", "));
    if (!plan.scope.empty())
        out += fmt::format("Scope: {} (only objects of this scope are updated or deleted)\n",
                           plan.scope);
    if (!plan.deletes_allowed)
        out += "Deletes: never (what would be deleted is left in place)\n";
    bool banner = false;
    for (const PlannedAction& action : plan.actions) {
        if (action.type == ActionType::noop && !action.adopt)
            continue;
        if (action.type == ActionType::remove && !banner) {
            banner = true;
            out += "\n  " + style.paint("1;31", "WARNING: " + deletion_banner(plan)) + "\n";
        }
        std::string head = fmt::format("{} {} {}", symbol(action.type), kind_name(action.kind),
                                       printable(action.name));
        out += "\n  " + style.paint(colour_of(action.type), head);
        if (!action.previous_name.empty())
            out += fmt::format(" (renamed from \"{}\")", printable(action.previous_name));
        if (action.adopt)
            out += " (exists in the target; mailsync will manage it)";
        if (action.replace)
            out += " (written whole, as --replace asks)";
        out += "\n";
        std::size_t width = 0;
        for_each_change(plan, action, [&](const FieldChange& change) {
            width = std::max(width, change.label.size() + 1);
        });
        for_each_change(plan, action, [&](const FieldChange& change) {
            out += fmt::format("      {:<{}} {}\n", change.label.str() + ":", width,
                               change_text(change, action.type));
        });
        if (out.size() >= 1 << 16) {
            write(out);
            out.clear();
        }
    }
    if (!plan.unmanaged.empty()) {
        out += "\nIn the target but not managed by mailsync (left alone):\n";
        for (const UnmanagedObject& object : plan.unmanaged)
            out += fmt::format("    {} {}\n", kind_name(object.kind), printable(object.name));
    }
    if (!plan.left_in_place.empty()) {
        out += "\nLeft in place (deletes: never), though no resource declares them:\n";
        for (const KeptObject& object : plan.left_in_place)
            out += fmt::format("    {} {}{}\n", kind_name(object.kind), printable(object.name),
                               key_fields_text(object.key_fields));
    }
    for (const std::string& note : plan.notes)
        out += fmt::format("\nNote: {}\n", printable(note));
    for (const std::string& warning : plan.warnings)
        out += "\n" + style.paint("1;33", fmt::format("Warning: {}", printable(warning))) + "\n";
    out += "\n";
    out += plan.counts().has_changes() ? render_summary(plan)
                                       : "No changes. The target matches the configuration.";
    out += "\n";
    write(out);
}

std::string render_text(const Plan& plan, bool color) {
    std::string out;
    render_text(plan, color, [&out](std::string_view piece) { out += piece; });
    return out;
}

} // namespace mailsync
