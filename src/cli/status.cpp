// `mailsync status`: the task tracking of the last run (or one named), per resource.
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/migrations.hpp"
#include "state/state_location.hpp"

namespace mailsync::cli {

namespace {

struct StatusOptions {
    std::vector<std::string> paths;
    std::string state;
    SettingsFlags settings;
    std::string run;
    std::string format = "text";
    bool runs = false;
    std::size_t limit = 20;
    std::optional<std::string> environment;
};

// `status --runs`: the past runs, newest first, with their ids for `status --run ID`.
void print_runs(StateStore& state, const StatusOptions& options, Context& context) {
    Result<std::vector<RunRecord>> runs = state.runs(options.limit);
    if (!runs) {
        fmt::print(stderr, "error: {}\n", runs.error().message);
        context.exit_code = 1;
        return;
    }
    if (options.format == "json") {
        nlohmann::ordered_json out;
        out["format_version"] = 1;
        out["state"] = redact_state_url(options.state);
        out["environment"] =
            options.environment ? nlohmann::ordered_json(*options.environment) : nullptr;
        out["runs"] = nlohmann::ordered_json::array();
        for (const RunRecord& run : *runs)
            out["runs"].push_back({{"id", run.id},
                                   {"command", run.command},
                                   {"target", run.target},
                                   {"started_at", run.started_at},
                                   {"finished_at", run.finished_at},
                                   {"status", run.status}});
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("Runs in {}{}, newest first:\n", redact_state_url(options.state),
               options.environment ? " (environment " + *options.environment + ")" : "");
    if (runs->empty())
        fmt::print("  none\n");
    for (const RunRecord& run : *runs)
        fmt::print("  {}  {:<6} {:<11} {} → {}  {}\n", run.id, run.command, run.status,
                   run.started_at, run.finished_at.empty() ? "…" : run.finished_at, run.target);
}

// A SQLite state that is not there: nothing ran with it, and status does not make one. Run
// beside a configuration's folder, the likely cause is that folder's name left out.
bool said_no_state(const StatusOptions& options, Context& context) {
    std::optional<StateLocation> where = absent_sqlite_state(options.state);
    if (!where)
        return false;
    if (!options.run.empty()) {
        fmt::print(stderr, "error: no run {}: there is no state at {}\n", options.run,
                   where->display);
        context.exit_code = 1;
    } else if (options.format == "json") {
        nlohmann::ordered_json out{{"format_version", 1}};
        if (options.runs) {
            out["state"] = where->display;
            out["environment"] =
                options.environment ? nlohmann::ordered_json(*options.environment) : nullptr;
            out["runs"] = nlohmann::ordered_json::array();
        } else {
            out["run"] = nullptr;
        }
        fmt::print("{}\n", out.dump(2));
    } else {
        fmt::print("No runs recorded: there is no state at {}.\n", where->display);
        if (options.paths.empty() && options.settings.config_root.empty())
            fmt::print("A configuration's state lives below its folder: name the folder as plan "
                       "and apply were given it, e.g. 'mailsync status config/'.\n");
    }
    return true;
}

void run_status(const StatusOptions& options, Context& context) {
    if (said_no_state(options, context))
        return;
    Result<StateStore> state = StateStore::open(options.state);
    if (!state) {
        fmt::print(stderr, "error: {}\n", state.error().message);
        context.exit_code = 1;
        return;
    }
    if (options.runs)
        return print_runs(*state, options, context);
    if (options.environment && options.format != "json")
        fmt::print("Environment {}: state {}\n", *options.environment,
                   redact_state_url(options.state));
    std::optional<std::string> wanted;
    if (!options.run.empty())
        wanted = options.run;
    Result<std::optional<RunRecord>> record = state->run(wanted);
    if (!record) {
        fmt::print(stderr, "error: {}\n", record.error().message);
        context.exit_code = 1;
        return;
    }
    Result<std::vector<MigrationRecord>> migrations = state->migrations();
    // The workers' queue: a PostgreSQL state's; none for a SQLite one.
    std::vector<QueueEntry> queue = state->queue().value_or(std::vector<QueueEntry>{});
    if (!migrations) {
        fmt::print(stderr, "error: {}\n", migrations.error().message);
        context.exit_code = 1;
        return;
    }
    if (!*record) {
        if (!wanted && !migrations->empty()) {
            if (options.format == "json") {
                nlohmann::ordered_json out;
                out["format_version"] = 1;
                out["run"] = nullptr;
                out["migrations"] = migration_status_json(*migrations, queue);
                fmt::print("{}\n", out.dump(2));
            } else {
                print_migration_status(*migrations, queue);
            }
            return;
        }
        if (wanted) {
            fmt::print(stderr, "error: no run {} in {}\n", *wanted, state->path());
            context.exit_code = 1;
        } else if (options.format == "json") {
            fmt::print("{{\"format_version\": 1, \"run\": null}}\n");
        } else {
            fmt::print("No runs recorded in {}.\n", state->path());
        }
        return;
    }
    const RunRecord& run = **record;
    std::map<std::string, std::size_t> counts;
    for (const JournalEntry& entry : run.entries)
        ++counts[std::string(status_name(entry.status))];
    if (options.format == "json") {
        nlohmann::ordered_json out;
        out["format_version"] = 1;
        out["run"] = {{"id", run.id},
                      {"command", run.command},
                      {"target", run.target},
                      {"started_at", run.started_at},
                      {"finished_at", run.finished_at},
                      {"status", run.status}};
        out["tasks"] = nlohmann::ordered_json::array();
        for (const JournalEntry& entry : run.entries)
            out["tasks"].push_back({{"kind", kind_name(entry.kind)},
                                    {"name", entry.name},
                                    {"action", entry.action},
                                    {"status", status_name(entry.status)},
                                    {"message", entry.message},
                                    {"started_at", entry.started_at},
                                    {"finished_at", entry.finished_at}});
        out["counts"] = counts;
        if (!migrations->empty())
            out["migrations"] = migration_status_json(*migrations, queue);
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("Run {}: {} on {}, started {}{}, {}.\n", run.id, run.command, run.target,
               run.started_at, run.finished_at.empty() ? "" : ", finished " + run.finished_at,
               run.status);
    for (const JournalEntry& entry : run.entries) {
        std::string line = fmt::format("  {:<9}  {:<6}  {}/{}", status_name(entry.status),
                                       entry.action, kind_name(entry.kind), entry.name);
        if (!entry.message.empty())
            line += "  " + entry.message;
        fmt::print("{}\n", line);
    }
    std::vector<std::string> parts;
    for (const char* status : {"NEW", "PENDING", "COMPLETED", "ERROR"}) {
        if (counts.contains(status))
            parts.push_back(fmt::format("{} {}", counts[status], status));
    }
    fmt::print("{} task{}{}{}.\n", run.entries.size(), run.entries.size() == 1 ? "" : "s",
               parts.empty() ? "" : ": ", fmt::join(parts, ", "));
    print_migration_status(*migrations, queue);
}

} // namespace

void add_status_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<StatusOptions>();
    CLI::App* command = app.add_subcommand(
        "status",
        "Show the last run's tasks per resource and every mailbox migration: NEW, PENDING, "
        "COMPLETED, ERROR");
    command->add_option("paths", options->paths,
                        "The configuration's files or folders, as plan and apply were given "
                        "them: status reads the state below their root (default: the current "
                        "folder)");
    add_state_options(*command, options->settings);
    CLI::Option* run =
        command->add_option("--run", options->run, "An earlier run, by the id --runs shows")
            ->check(CLI::Validator(
                [](const std::string& id) {
                    return id.empty() ? std::string("an empty id; 'status --runs' lists the ids")
                                      : std::string();
                },
                "ID"));
    command
        ->add_flag("--runs", options->runs,
                   "List the past runs instead (newest first): id, command, status, times, target")
        ->excludes(run);
    command->add_option("--limit", options->limit, "With --runs: at most this many")
        ->check(CLI::Range(1, 100'000))
        ->default_val(20);
    command->add_option("--format", options->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
    command->footer("Exit codes: 0 shown (whatever the run's outcome); 1 no such run or an "
                    "unreadable state.");
    command->callback([options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report(options->paths, options->settings, context);
        if (!settings)
            return;
        options->state = settings->state.value;
        options->environment = settings->environment;
        run_status(*options, context);
    });
}

} // namespace mailsync::cli
