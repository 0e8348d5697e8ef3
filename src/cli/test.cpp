// `mailsync test [PATH...]`: live connection tests of every connection and OAuth2 client.
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/live.hpp"
#include "config/loader.hpp"
#include "state/state_location.hpp"

namespace mailsync::cli {

namespace {

struct TestOptions {
    std::vector<std::string> paths{"."};
    std::vector<std::string> select;
    std::string mapping;
    std::string format = "text";
    std::string state = default_state;
    LiveOptions live;
    SettingsFlags settings;
    VariableScope variables;
    std::optional<std::string> environment; // the settings file's, when one is chosen
};

void run_test(const TestOptions& options, Context& context) {
    std::vector<ResourceId> selection;
    for (const std::string& item : options.select) {
        std::optional<ResourceId> id = parse_resource_id(item);
        if (!id) {
            fmt::print(stderr,
                       "error: --select '{}' is not KIND/NAME, such as "
                       "MailAccount/support-inbox\n",
                       item);
            context.exit_code = 1;
            return;
        }
        selection.push_back(*id);
    }
    std::optional<MappingProfile> profile = load_mapping_or_report(options.mapping, context);
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    LoadOptions load_options;
    load_options.mapping = &*profile;
    load_options.variables = options.variables;
    LoadedConfig loaded = load_config(options.paths, load_options);
    print_diagnostics(loaded.diagnostics, loaded.sources, context);
    if (loaded.diagnostics.has_errors()) {
        fmt::print(stderr, "Nothing was tested: fix the errors above first.\n");
        context.exit_code = 1;
        return;
    }
    for (const ResourceId& id : selection) {
        bool found = false;
        if (id.kind == Kind::oauth2_client)
            found = loaded.config.find_client(id.name) != nullptr;
        for (const MailAccount& account : loaded.config.accounts)
            found = found || (id.kind == Kind::mail_account && account.meta.name == id.name);
        for (const SmtpConnection& smtp : loaded.config.smtp_connections)
            found = found || (id.kind == Kind::smtp_connection && smtp.meta.name == id.name);
        if (!found) {
            fmt::print(stderr, "error: --select {}/{}: no such resource in the configuration\n",
                       kind_name(id.kind), id.name);
            context.exit_code = 1;
            return;
        }
    }
    auto selected = [&selection](Kind kind, const std::string& name) {
        if (selection.empty())
            return true;
        return std::any_of(selection.begin(), selection.end(), [&](const ResourceId& id) {
            return id.kind == kind && id.name == name;
        });
    };
    std::optional<TrustPolicy> policy = live_trust_policy(options.live, options.state);
    if (!policy) {
        context.exit_code = 1;
        return;
    }
    std::optional<std::vector<ProbeResult>> results =
        run_live_tests(loaded.config, options.live, *policy, selected);
    if (!results) {
        context.exit_code = 1;
        return;
    }
    if (options.format == "json") {
        nlohmann::ordered_json out = probe_json(*results, options.live.verbose);
        if (options.environment) {
            out["environment"] = *options.environment;
            out["state"] = redact_state_url(options.state);
        }
        fmt::print("{}\n", out.dump(2));
    } else {
        // The state decides where secrets may go (docs/security.md), so it is named.
        if (options.environment)
            fmt::print("Environment {}: state {}\n\n", *options.environment,
                       redact_state_url(options.state));
        print_probe_table(*results, options.live, context);
    }
    context.exit_code = all_passed(*results) ? 0 : 1;
}

} // namespace

void add_test_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<TestOptions>();
    CLI::App* command = app.add_subcommand(
        "test", "Live connection tests: connect, TLS, log in, open the folder, log out (never "
                "sends mail)");
    command->add_option("paths", options->paths,
                        "Files or folders (every *.yaml and *.yml below, sorted); default .");
    command
        ->add_option("--select", options->select,
                     "Only KIND/NAME, such as MailAccount/support-inbox; once per resource: "
                     "--select A --select B")
        ->type_name("KIND/NAME");
    add_env_option(*command, options->settings);
    add_mapping_option(*command, options->settings);
    command->add_option("--format", options->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
    add_live_options(*command, options->live);
    add_state_option(*command, options->settings);
    command->footer("Exit codes: 0 every test passed; 1 a test failed, or the configuration has "
                    "errors.");
    command->callback([options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report(options->paths, options->settings, context);
        if (!settings)
            return;
        options->mapping = settings->mapping.value;
        options->state = settings->state.value;
        options->variables = settings->variables();
        options->environment = settings->environment;
        run_test(*options, context);
    });
}

} // namespace mailsync::cli
