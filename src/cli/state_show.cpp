// `mailsync state show`: what a state holds (its target, key, managed objects, last runs,
// migrations, secret bindings), never a secret or a fingerprint.
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "state/state_location.hpp"
#include "state/state_summary.hpp"

namespace mailsync::cli {

namespace {

struct StateShowOptions {
    SettingsFlags settings;
    std::string format = "text";
    std::size_t runs = 5;
};

nlohmann::ordered_json runs_json(const std::vector<RunRecord>& runs) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const RunRecord& run : runs)
        out.push_back({{"id", run.id},
                       {"command", run.command},
                       {"target", run.target},
                       {"started_at", run.started_at},
                       {"finished_at", run.finished_at},
                       {"status", run.status}});
    return out;
}

void print_json(const RunSettings& settings, const StateSummary& summary) {
    nlohmann::ordered_json out;
    out["format_version"] = 1;
    out["state"] = redact_state_url(settings.state.value);
    out["environment"] =
        settings.environment ? nlohmann::ordered_json(*settings.environment) : nullptr;
    out["target"] = summary.target ? nlohmann::ordered_json(*summary.target) : nullptr;
    out["key_source"] = summary.key_source;
    out["managed"] = summary.managed;
    out["runs"] = runs_json(summary.last_runs);
    out["migrations"] = summary.migrations;
    out["secret_bindings"] = summary.secret_bindings;
    fmt::print("{}\n", out.dump(2));
}

void print_text(const RunSettings& settings, const StateSummary& summary) {
    fmt::print("State {}{}\n", redact_state_url(settings.state.value),
               settings.environment ? fmt::format(" (environment {})", *settings.environment) : "");
    fmt::print("  target:          {}\n",
               summary.target.value_or("none recorded yet (the first apply records it)"));
    fmt::print("  fingerprint key: {}\n", summary.key_source == "external"
                                              ? "kept outside (MAILSYNC_STATE_KEY)"
                                              : "kept in the state");
    std::size_t managed = 0;
    std::string kinds;
    for (const auto& [kind, count] : summary.managed) {
        managed += count;
        kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", count, kind);
    }
    fmt::print("  managed objects: {}{}\n", managed, kinds.empty() ? "" : " (" + kinds + ")");
    std::string migrations;
    for (const auto& [status, count] : summary.migrations)
        migrations += fmt::format("{}{} {}", migrations.empty() ? "" : ", ", count, status);
    fmt::print("  migrations:      {}\n", migrations.empty() ? "none" : migrations);
    fmt::print("  secret bindings: {}\n", summary.secret_bindings);
    if (summary.last_runs.empty()) {
        fmt::print("  runs:            none\n");
        return;
    }
    fmt::print("  last runs:\n");
    for (const RunRecord& run : summary.last_runs)
        fmt::print("    {}  {:<6} {:<9} {}\n", run.id, run.command, run.status, run.started_at);
}

void run_state_show(const StateShowOptions& options, Context& context) {
    std::optional<RunSettings> settings = resolve_settings_or_report({}, options.settings, context);
    if (!settings)
        return;
    const std::string& path = settings->state.value;
    // A SQLite state that is not there is not made by looking at it; a PostgreSQL one is
    // opened (its tables are made on first use).
    Result<StateLocation> location = parse_state_location(path);
    std::error_code error;
    if (location && location->kind == StateBackendKind::sqlite &&
        !std::filesystem::exists(std::filesystem::symlink_status(location->address, error))) {
        fmt::print(stderr, "error: there is no state at {}; apply makes it\n", path);
        context.exit_code = 1;
        return;
    }
    Result<StateStore> state = StateStore::open(path);
    Result<StateSummary> summary =
        state ? summarize_state(*state, options.runs) : std::unexpected(state.error());
    if (!summary) {
        fmt::print(stderr, "error: {}\n", summary.error().message);
        context.exit_code = 1;
        return;
    }
    if (options.format == "json")
        print_json(*settings, *summary);
    else
        print_text(*settings, *summary);
}

} // namespace

void add_state_show_command(CLI::App& state, Context& context) {
    auto options = std::make_shared<StateShowOptions>();
    CLI::App* command = state.add_subcommand(
        "show", "What the state holds: its target, managed objects, last runs, migrations and "
                "secret bindings (never secrets)");
    add_state_options(*command, options->settings);
    command->add_option("--runs", options->runs, "How many of the last runs to list")
        ->check(CLI::Range(0, 1000))
        ->default_val(5);
    command->add_option("--format", options->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
    command->footer("Exit codes: 0 shown; 1 no state there, or an unreadable state.");
    command->callback([options, &context] { run_state_show(*options, context); });
}

} // namespace mailsync::cli
