// `mailsync validate [PATH...]`: offline checks of the YAML, and a summary.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/live.hpp"
#include "config/document_count.hpp"
#include "config/loader.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace {

struct ValidateOptions {
    std::vector<std::string> paths{"."};
    std::string mapping;
    std::string format = "text";
    bool no_secrets = false;
    bool live = false;
    LiveOptions live_options;
    std::string state = default_state;
    SettingsFlags settings;
    std::optional<std::string> environment;
    VariableScope variables;
};

std::string plural(std::size_t count, std::string_view word) {
    return fmt::format("{} {}{}", count, word, count == 1 ? "" : "s");
}

void print_text(const LoadedConfig& loaded, const ValidateOptions& options,
                const Context& context) {
    print_diagnostics(loaded.diagnostics, loaded.sources, context);
    // Every document counts, valid or not: a broken one is a resource that was not checked.
    DocumentCount documents = count_documents(loaded);
    std::vector<std::string> kinds;
    for (Kind kind : declared_kinds) {
        if (auto found = documents.by_kind.find(kind); found != documents.by_kind.end())
            kinds.push_back(fmt::format("{} {}", found->second, kind_name(kind)));
    }
    if (documents.unknown_kind > 0)
        kinds.push_back(fmt::format("{} of no known kind", documents.unknown_kind));
    fmt::print("Checked {} in {}{}{}.\n", plural(documents.total, "resource"),
               plural(loaded.files.size(), "file"), kinds.empty() ? "" : ": " + join(kinds, ", "),
               documents.with_errors > 0 ? fmt::format("; {} with errors", documents.with_errors)
                                         : "");
    if (options.no_secrets)
        fmt::print("Secrets were not resolved (--no-secrets).\n");
    const Diagnostics& d = loaded.diagnostics;
    if (d.has_errors())
        fmt::print("Invalid: {}, {}.\n", plural(d.error_count(), "error"),
                   plural(d.warning_count(), "warning"));
    else if (d.warning_count() > 0)
        fmt::print("Valid, with {}.\n", plural(d.warning_count(), "warning"));
    else
        fmt::print("Valid.\n");
}

void print_json(const LoadedConfig& loaded, const ValidateOptions& options,
                const std::optional<std::vector<ProbeResult>>& live) {
    nlohmann::ordered_json out;
    out["format_version"] = 1;
    out["valid"] = !loaded.diagnostics.has_errors();
    out["files"] = loaded.files;
    DocumentCount documents = count_documents(loaded);
    nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
    for (Kind kind : declared_kinds)
        kinds[std::string(kind_name(kind))] =
            documents.by_kind.contains(kind) ? documents.by_kind.at(kind) : 0;
    out["resources"] = kinds;
    out["documents"] = documents.total;
    out["documents_with_errors"] = documents.with_errors;
    out["errors"] = loaded.diagnostics.error_count();
    out["warnings"] = loaded.diagnostics.warning_count();
    out["secrets_resolved"] = !options.no_secrets;
    out["mapping"] = options.mapping;
    out["environment"] = options.environment ? nlohmann::ordered_json(*options.environment)
                                             : nlohmann::ordered_json();
    out["diagnostics"] = nlohmann::ordered_json::array();
    for (const Diagnostic& diagnostic : loaded.diagnostics.items()) {
        nlohmann::ordered_json item;
        item["severity"] = diagnostic.severity == Severity::error ? "error" : "warning";
        item["file"] = diagnostic.where.file.str();
        item["line"] = diagnostic.where.line;
        item["column"] = diagnostic.where.column;
        item["message"] = diagnostic.message;
        out["diagnostics"].push_back(std::move(item));
    }
    if (live)
        out["live"] = probe_json(*live, options.live_options.verbose);
    fmt::print("{}\n", out.dump(2));
}

void run_validate(const ValidateOptions& options, Context& context) {
    std::optional<MappingProfile> profile = load_mapping_or_report(options.mapping, context);
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    LoadOptions load_options;
    load_options.resolve_secrets = !options.no_secrets;
    load_options.mapping = &*profile;
    load_options.variables = options.variables;
    LoadedConfig loaded = load_config(options.paths, load_options);
    bool valid = !loaded.diagnostics.has_errors();
    if (options.format != "json")
        print_text(loaded, options, context);
    std::optional<std::vector<ProbeResult>> live;
    if (options.live && valid) {
        std::optional<TrustPolicy> policy = live_trust_policy(options.live_options, options.state);
        if (policy)
            live = run_live_tests(loaded.config, options.live_options, *policy, {});
        if (!live) {
            context.exit_code = 1;
            return;
        }
        if (options.format != "json") {
            fmt::print("\nLive connection tests:\n");
            print_probe_table(*live, options.live_options, context);
        }
    } else if (options.live && options.format != "json") {
        fmt::print("Live connection tests skipped: fix the errors first.\n");
    }
    if (options.format == "json")
        print_json(loaded, options, live);
    context.exit_code = valid && (!live || all_passed(*live)) ? 0 : 1;
}

} // namespace

void add_validate_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<ValidateOptions>();
    CLI::App* command = app.add_subcommand(
        "validate", "Check the YAML offline: syntax, schema, references, mapping and secrets");
    command->add_option("paths", options->paths,
                        "Files or folders (every *.yaml and *.yml below, sorted); default .");
    add_env_option(*command, options->settings);
    add_mapping_option(*command, options->settings);
    command->add_option("--format", options->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
    CLI::Option* no_secrets =
        command->add_flag("--no-secrets", options->no_secrets,
                          "Do not resolve ${env:...} and ${file:...} secrets (for CI without "
                          "secrets, such as pull requests from forks)");
    command
        ->add_flag("--live", options->live,
                   "Then run the live connection tests of 'mailsync test' (needs secrets)")
        ->excludes(no_secrets);
    add_live_options(*command, options->live_options);
    add_state_option(*command, options->settings);
    command->footer("Exit codes: 0 valid (warnings allowed) and, with --live, every connection "
                    "test passed; 1 errors found or a live test failed.");
    command->callback([options, &context] {
        // validate never reaches the target; with --live it reads the state's bindings.
        std::optional<RunSettings> settings = resolve_settings_or_report(
            options->paths, options->settings, context, {.target = false, .state = options->live});
        if (!settings)
            return;
        options->mapping = settings->mapping.value;
        options->state = settings->state.value;
        options->environment = settings->environment;
        options->variables = settings->variables();
        run_validate(*options, context);
    });
}

} // namespace mailsync::cli
