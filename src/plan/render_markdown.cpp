#include <fmt/format.h>

#include "plan/render.hpp"
#include "plan/rows.hpp"

namespace mailsync {

namespace {

// Text made safe inside a table cell: nothing in it can end the row, open a code block or hide
// what follows. Control characters (a bare carriage return breaks the line on GitHub) and the
// Unicode line and paragraph separators show as their control pictures (U+2400...).
std::string cell(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        auto byte = static_cast<unsigned char>(c);
        if (text.substr(i).starts_with("\xE2\x80\xA8") ||
            text.substr(i).starts_with("\xE2\x80\xA9")) {
            out += "\xE2\x90\xA4"; // ␤
            i += 2;
        } else if (byte == 0x7F) {
            out += "\xE2\x90\xA1"; // ␡
        } else if (byte < 0x20 && c != '\n') {
            out += "\xE2\x90";
            out += static_cast<char>(0x80 + byte); // U+2400 + byte
        } else if (c == '|') {
            out += "\\|";
        } else if (c == '\n') {
            out += "<br>";
        } else if (c == '<') {
            out += "&lt;";
        } else if (c == '>') {
            out += "&gt;";
        } else if (c == '`') {
            out += "'";
        } else {
            out += c;
        }
    }
    return out;
}

// Prose from outside (notes naming a target's objects and labels): a cell, and no link, image or
// mention either.
std::string prose(std::string_view text) {
    std::string out;
    for (char c : cell(text)) {
        if (c == '[' || c == ']' || c == '!')
            out += '\\';
        if (c == '@')
            out += "&#64;";
        else
            out += c;
    }
    return out;
}

std::string code(const nlohmann::json& value) {
    if (value.is_null())
        return "";
    return fmt::format("`{}`", cell(value.is_string() ? value.get<std::string>() : value.dump()));
}

std::string marker(ActionType type) {
    switch (type) {
    case ActionType::create:
        return "➕ create";
    case ActionType::update:
        return "🔄 update";
    case ActionType::remove:
        return "➖ delete";
    case ActionType::noop:
        break;
    }
    return "adopt";
}

// "host `h`, username `u`": the key fields of an object that goes or stays.
std::string key_fields_text(const std::vector<FieldChange>& fields) {
    std::string out;
    for (const FieldChange& field : fields)
        out +=
            fmt::format("{}{} {}", out.empty() ? "" : ", ", cell(field.label), code(field.before));
    return out;
}

std::string section(const Plan& plan, const PlannedAction& action) {
    std::vector<FieldChange> changes = changes_of(plan, action);
    std::string out =
        fmt::format("<details><summary>{} {} <code>{}</code>{}</summary>\n\n", marker(action.type),
                    kind_name(action.kind), cell(action.name),
                    action.previous_name.empty() ? std::string()
                                                 : fmt::format(" (renamed from <code>{}</code>)",
                                                               cell(action.previous_name)));
    if (action.adopt)
        out += "Exists in the target; mailsync will manage it.\n\n";
    if (action.replace)
        out += "Written whole, as --replace asks.\n\n";
    if (action.type == ActionType::remove) {
        out += "The object is deleted from the target.\n";
        if (!changes.empty()) {
            out += "\n| Field | Value |\n|---|---|\n";
            for (const FieldChange& change : changes)
                out += fmt::format("| {} | {} |\n", cell(change.label), code(change.before));
        }
    } else if (!changes.empty()) {
        out += "| Field | Before | After |\n|---|---|---|\n";
        for (const FieldChange& change : changes) {
            if (change.sensitive)
                out += fmt::format("| {} | | *(sensitive, {})* |\n", cell(change.label),
                                   change.secret_change);
            else
                out += fmt::format("| {} | {} | {} |\n", cell(change.label), code(change.before),
                                   code(change.after));
        }
    }
    out += "\n</details>\n\n";
    return out;
}

} // namespace

std::vector<std::string> render_markdown(const Plan& plan, bool split, std::size_t max_part) {
    PlanCounts counts = plan.counts();
    std::string head =
        counts.has_changes()
            ? fmt::format("### mailsync plan: {} to create, {} to update, {} to delete\n\n",
                          counts.create, counts.update, counts.remove)
            : std::string("### mailsync plan: no changes\n\n");
    head += fmt::format("{}Target `{}` · mapping `{}` · state `{}`{}{} · {} unchanged\n\n",
                        plan.environment ? "Environment `" + cell(*plan.environment) + "` · " : "",
                        cell(plan.target), plan.mapping, cell(plan.state),
                        plan.scope.empty() ? "" : " · scope `" + cell(plan.scope) + "`",
                        plan.deletes_allowed ? "" : " · deletes: never", counts.noop);
    if (counts.remove > 0)
        head += fmt::format("> [!WARNING]\n> {}\n\n", deletion_banner(plan));
    for (const std::string& warning : plan.warnings)
        head += fmt::format("> [!WARNING]\n> {}\n\n", prose(warning));
    // Blocks that a part never cuts: chunks of the summary table, then a section per resource.
    const std::string table_head = "| Action | Kind | Name | Fields |\n|---|---|---|---|\n";
    std::vector<std::string> blocks;
    std::vector<std::string> sections;
    std::string table;
    for (const PlannedAction& action : plan.actions) {
        if (action.type == ActionType::noop && !action.adopt)
            continue;
        std::string row = fmt::format("| {} | {} | {} | {} |\n", marker(action.type),
                                      kind_name(action.kind), cell(action.name),
                                      action.type == ActionType::remove
                                          ? key_fields_text(action.changes)
                                          : std::to_string(changes_of(plan, action).size()));
        if (!table.empty() && table.size() + row.size() > max_part / 2) {
            blocks.push_back(table + "\n");
            table.clear();
        }
        if (table.empty())
            table = table_head;
        table += row;
        sections.push_back(section(plan, action));
    }
    if (!table.empty())
        blocks.push_back(table + "\n");
    blocks.insert(blocks.end(), sections.begin(), sections.end());
    std::string tail;
    if (!plan.unmanaged.empty()) {
        tail += "**In the target but not managed by mailsync** (left alone): ";
        for (std::size_t i = 0; i < plan.unmanaged.size(); ++i)
            tail += fmt::format("{}{} `{}`", i ? ", " : "", kind_name(plan.unmanaged[i].kind),
                                cell(plan.unmanaged[i].name));
        tail += "\n\n";
    }
    // A list item per object left in place: blocks a part may end between.
    if (!plan.left_in_place.empty()) {
        blocks.push_back(tail + "**Left in place** (deletes: never), though no resource "
                                "declares them:\n\n");
        tail.clear();
        for (const KeptObject& object : plan.left_in_place) {
            std::string fields = key_fields_text(object.key_fields);
            blocks.push_back(fmt::format("- {} `{}`{}\n", kind_name(object.kind), cell(object.name),
                                         fields.empty() ? "" : " (" + fields + ")"));
        }
        tail += "\n";
    }
    for (const std::string& note : plan.notes)
        tail += fmt::format("> {}\n\n", prose(note));
    blocks.push_back(tail);

    std::string whole = head;
    for (const std::string& block : blocks)
        whole += block;
    if (!split)
        return {whole};
    // Split, a plan that fits is still marked: a pipeline finds its comment by the marker.
    if (whole.size() + 40 <= max_part)
        return {"<!-- mailsync plan part 1 of 1 -->\n" + whole};

    // Room for the marker and heading each part begins with.
    const std::size_t room = max_part - 200;
    std::vector<std::string> parts{head};
    for (const std::string& block : blocks) {
        if (!parts.back().empty() && parts.back().size() + block.size() > room)
            parts.emplace_back();
        parts.back() += block.size() > room ? block.substr(0, room) : block;
    }
    for (std::size_t i = 0; i < parts.size(); ++i)
        parts[i] =
            fmt::format("<!-- mailsync plan part {} of {} -->\n", i + 1, parts.size()) +
            (i == 0 ? ""
                    : fmt::format("### mailsync plan (part {} of {})\n\n", i + 1, parts.size())) +
            parts[i];
    return parts;
}

} // namespace mailsync
