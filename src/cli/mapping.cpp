// `mailsync mapping [KIND]`: prints the field mapping table of the profile in use.
#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace {

struct MappingOptions {
    std::string kind;
    std::string mapping;
    SettingsFlags settings;
    std::string format = "text";
    bool attributes = false;
};

std::string values_text(const FieldMapping& field) {
    std::vector<std::string> pairs;
    for (const auto& [from, to] : field.values)
        pairs.push_back(fmt::format("{} → {}", from, to));
    std::vector<std::string> source;
    for (const auto& [shown, to] : field.source_values)
        source.push_back(fmt::format("{} → {}", shown, to));
    std::string text = join(pairs, "; ");
    if (!source.empty())
        text += fmt::format(" (read from the source: {})", join(source, "; "));
    return text;
}

void print_kind_text(const MappingProfile& profile, Kind kind, const KindMapping& mapping) {
    std::string source = mapping.source_section.empty()
                             ? ""
                             : fmt::format("{} \"{}\" → ", profile.source, mapping.source_section);
    fmt::print("{}: {}{} \"{}\" (API collection {})\n", kind_name(kind), source, profile.target,
               mapping.target_section, mapping.collection);
    std::vector<std::vector<std::string>> rows{
        {profile.source, profile.target, "API key", "mailsync attribute", "values"}};
    for (const FieldMapping& field : mapping.fields)
        rows.push_back({field.source_label.empty() ? "-" : field.source_label, field.label,
                        field.key, field.from, values_text(field)});
    std::vector<std::size_t> widths(5, 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line = "  ";
        for (std::size_t i = 0; i < row.size(); ++i)
            line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        fmt::print("{}\n", line);
    }
}

nlohmann::ordered_json kind_json(Kind kind, const KindMapping& mapping) {
    nlohmann::ordered_json out;
    out["kind"] = kind_name(kind);
    out["source_section"] = mapping.source_section;
    out["target_section"] = mapping.target_section;
    out["collection"] = mapping.collection;
    out["fields"] = nlohmann::ordered_json::array();
    for (const FieldMapping& field : mapping.fields) {
        nlohmann::ordered_json item;
        item["from"] = field.from;
        item["source_label"] = field.source_label;
        item["label"] = field.label;
        item["key"] = field.key;
        nlohmann::ordered_json values = nlohmann::ordered_json::object();
        for (const auto& [from, to] : field.values)
            values[from] = to;
        item["values"] = values;
        if (!field.source_values.empty()) {
            nlohmann::ordered_json source = nlohmann::ordered_json::object();
            for (const auto& [shown, to] : field.source_values)
                source[shown] = to;
            item["source_values"] = source;
        }
        out["fields"].push_back(std::move(item));
    }
    return out;
}

void print_attributes(std::optional<Kind> only) {
    for (Kind kind : all_kinds) {
        if (only && *only != kind)
            continue;
        fmt::print("{}:\n", kind_name(kind));
        for (const AttributeInfo& info : attribute_catalog(kind))
            fmt::print("  {:<20}  {}\n", info.name, info.about);
    }
}

void run_mapping(const MappingOptions& options, Context& context) {
    std::optional<Kind> only;
    if (!options.kind.empty()) {
        only = parse_kind(options.kind);
        if (!only) {
            std::vector<std::string> names;
            for (Kind kind : all_kinds)
                names.emplace_back(kind_name(kind));
            fmt::print(stderr, "error: unknown kind '{}'{}\n", options.kind,
                       did_you_mean(options.kind, names));
            context.exit_code = 1;
            return;
        }
    }
    if (options.attributes) {
        print_attributes(only);
        return;
    }
    std::optional<MappingProfile> profile = load_mapping_or_report(options.mapping, context);
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    if (only && profile->find(*only) == nullptr) {
        fmt::print(stderr, "error: mapping '{}' has no fields for kind {}\n", profile->name,
                   kind_name(*only));
        context.exit_code = 1;
        return;
    }
    if (options.format == "json") {
        nlohmann::ordered_json out;
        out["profile"] = profile->name;
        out["title"] = profile->title;
        out["source"] = profile->source;
        out["target"] = profile->target;
        out["kinds"] = nlohmann::ordered_json::array();
        for (const auto& [kind, mapping] : profile->kinds) {
            if (!only || *only == kind)
                out["kinds"].push_back(kind_json(kind, mapping));
        }
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("Mapping '{}': {}\n", profile->name, profile->title);
    for (const auto& [kind, mapping] : profile->kinds) {
        if (only && *only != kind)
            continue;
        fmt::print("\n");
        print_kind_text(*profile, kind, mapping);
    }
}

} // namespace

void add_mapping_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<MappingOptions>();
    CLI::App* command = app.add_subcommand(
        "mapping", "Print the field mapping in use: source label, target label, API key, values");
    command->add_option("kind", options->kind,
                        "Only this kind: OAuth2Client, MailAccount or SmtpConnection");
    add_env_option(*command, options->settings);
    add_mapping_option(*command, options->settings);
    command->add_option("--format", options->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
    command->add_flag("--attributes", options->attributes,
                      "List the attributes a mapping profile's 'from' may name");
    command->footer("Exit codes: 0 printed; 1 unknown kind or a broken mapping file.");
    command->callback([options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report({}, options->settings, context);
        if (!settings)
            return;
        options->mapping = settings->mapping.value;
        run_mapping(*options, context);
    });
}

} // namespace mailsync::cli
