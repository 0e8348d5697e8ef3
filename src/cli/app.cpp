#include <cstdio>
#include <cstdlib>
#include <exception>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/env_file.hpp"
#include "config/mapping_file.hpp"
#include "config/scalar.hpp"
#include "trust/settings_rule.hpp"
#include "util/terminal.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

void add_mapping_option(CLI::App& command, SettingsFlags& flags) {
    command.add_option("--mapping", flags.mapping,
                       "Mapping profile: a built-in name (server-to-cloud, the default; "
                       "mailbox-form) or a YAML file (also MAILSYNC_MAPPING, or the environment's "
                       "mapping in mailsync.yaml)");
}

void add_env_option(CLI::App& command, SettingsFlags& flags) {
    command.add_option("--env", flags.environment,
                       "The environment of mailsync.yaml (at the configuration root) to use: its "
                       "target, state, mapping and variables (also MAILSYNC_ENV)");
}

namespace {

std::optional<long> parse_page_size(const std::string& text) {
    if (text.empty() || text.size() > 9 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stol(text);
}

// The env file this run names: `--env-file FILE` or `--env-file=FILE` before any `--`, else
// MAILSYNC_ENV_FILE; empty for none.
std::string env_file_of(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--")
            break;
        if (arg == "--env-file" && i + 1 < argc)
            return argv[i + 1];
        if (arg.starts_with("--env-file="))
            return std::string(arg.substr(11));
    }
    const char* variable = std::getenv("MAILSYNC_ENV_FILE");
    return variable == nullptr ? "" : variable;
}

// Reads the env file into the environment before the flags are parsed, whose environment
// variables (MAILSYNC_LOCK_TIMEOUT, ...) it may set; false after printing why it is refused.
bool load_env_file(int argc, char** argv) {
    std::string path = env_file_of(argc, argv);
    if (path.empty())
        return true;
    Result<std::vector<EnvFileEntry>> entries = read_env_file(path);
    if (!entries) {
        fmt::print(stderr, "error: {}\n", entries.error().message);
        return false;
    }
    export_env_file(*entries);
    return true;
}

} // namespace

void add_target_options(CLI::App& command, SettingsFlags& flags, SessionOptions& session) {
    add_env_option(command, flags);
    command.add_option("--target", flags.target,
                       "Where the Cloud configuration lives: sqlite:PATH (the embedded stand-in; "
                       "default sqlite:.mailsync/target.db below the configuration root) or "
                       "https://HOST/BASE (the Cloud admin API; token in MAILSYNC_TARGET_TOKEN); "
                       "also MAILSYNC_TARGET, or the environment's target in mailsync.yaml");
    TargetOptions& target = session.target_options;
    command
        .add_option("--target-ca-file", target.ca_file,
                    "https: trust this CA file (PEM) instead of the system's store")
        ->envname("MAILSYNC_TARGET_CA_FILE");
    command
        .add_option("--target-timeout", session.target_timeout,
                    "https: time for one request, such as 30s (default)")
        ->envname("MAILSYNC_TARGET_TIMEOUT");
    command
        .add_option(
            "--target-page-size", target.page_size,
            fmt::format("https: objects per listing page, 1 to {} (the API's most)", max_page_size))
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                std::optional<long> size = parse_page_size(text);
                if (size && *size >= 1 && *size <= static_cast<long>(max_page_size))
                    return "";
                return fmt::format("'{}' is not a page size from 1 to {}: the target API gives "
                                   "at most {} objects per page (pageSize in "
                                   "schemas/target-api.yaml)",
                                   text, max_page_size, max_page_size);
            },
            "N"))
        ->default_val(max_page_size);
    command
        .add_option("--target-max-tries", target.max_tries,
                    "https: tries per request, the first included, for 429, 502, 503, 504 and "
                    "dropped connections")
        ->check(CLI::Range(1, 100))
        ->default_val(6);
    target.warn = [](const std::string& text) { fmt::print(stderr, "warning: {}\n", text); };
}

void add_state_option(CLI::App& command, SettingsFlags& flags) {
    command.add_option("--state", flags.state,
                       "The state: a file path or sqlite:PATH, or "
                       "postgres://USER@HOST/DATABASE[?mailsync_namespace=NAME] (also "
                       "MAILSYNC_STATE, or the environment's state in mailsync.yaml; default "
                       ".mailsync/state.db for the default target, .mailsync/TARGET.state.db "
                       "for another, below the configuration root)");
}

void add_state_options(CLI::App& command, SettingsFlags& flags) {
    command.add_option("--config", flags.config_root,
                       "The configuration folder whose mailsync.yaml and .mailsync/ are meant "
                       "(default: the current folder)");
    add_env_option(command, flags);
    command.add_option("--target", flags.target,
                       "The target whose state is meant (also MAILSYNC_TARGET)");
    add_state_option(command, flags);
}

std::optional<RunSettings> resolve_settings_or_report(const std::vector<std::string>& paths,
                                                      const SettingsFlags& flags, Context& context,
                                                      SettingsReach reach) {
    std::string root = flags.config_root.empty() ? config_root_of(paths) : flags.config_root;
    SourceFiles sources;
    Diagnostics diagnostics;
    EnvLookup env = process_environment();
    std::optional<RunSettings> settings =
        resolve_run_settings(root, flags, env, sources, diagnostics);
    if (settings && !check_settings_urls(*settings, env, sources, diagnostics, reach))
        settings.reset();
    print_diagnostics(diagnostics, sources, context);
    if (!settings)
        context.exit_code = 1;
    return settings;
}

void use_settings(const RunSettings& settings, SessionOptions& session) {
    session.target = settings.target.value;
    session.target_name = settings.target.written;
    session.state = settings.state.value;
    session.environment = settings.environment;
    session.variables = settings.variables();
    session.ownership.scope = settings.scope.value;
    session.ownership.allow_deletes = settings.deletes.value != "never";
    if (settings.file)
        session.settings_file = ConfigFileDigest{settings.file->path, settings.file->sha256};
    session.ownership.max_deletes = std::stoul(settings.max_deletes.value);
    session.ownership.max_deletes_from =
        settings.max_deletes.origin == SettingOrigin::settings_file ? "maxDeletes in mailsync.yaml"
        : settings.max_deletes.origin == SettingOrigin::built_in
            ? "the default"
            : origin_name(settings.max_deletes.origin, "--max-deletes", "MAILSYNC_MAX_DELETES");
}

void add_ownership_options(CLI::App& command, SettingsFlags& flags, SessionOptions& session) {
    command.add_option("--scope", flags.scope,
                       "The ownership scope this configuration owns: objects it writes carry "
                       "it, and only objects of it are updated or deleted (also MAILSYNC_SCOPE, "
                       "or scope in mailsync.yaml)");
    command.add_flag_callback(
        "--no-delete", [&flags] { flags.deletes = "never"; },
        "Delete nothing; list what would be deleted as left in place (also deletes: never in "
        "mailsync.yaml)");
    command
        .add_option("--max-deletes", flags.max_deletes,
                    "apply refuses a plan with more deletions than this (default 10; also "
                    "MAILSYNC_MAX_DELETES, or maxDeletes in mailsync.yaml)")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                if (!text.empty() && text.size() <= 9 &&
                    text.find_first_not_of("0123456789") == std::string::npos)
                    return "";
                return "'" + text + "' is not a number of deletions from 0 to 999999999";
            },
            "N"));
    command
        .add_option("--replace", session.replace,
                    "Write KIND/NAME whole, its secrets included, even where nothing differs "
                    "(repeatable: --replace A --replace B)")
        ->allow_extra_args(false);
    command.add_flag("--replace-secrets", session.replace_secrets,
                     "Write every configured secret again, even where its fingerprint matches");
}

void add_lock_timeout_option(CLI::App& command, std::string& timeout) {
    command
        .add_option("--lock-timeout", timeout,
                    "Wait this long for a state locked by another run, such as 30s or 5m; 0 "
                    "(default) fails at once naming the holder")
        ->envname("MAILSYNC_LOCK_TIMEOUT")
        ->default_val("0")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                if (text == "0" || parse_duration(text))
                    return "";
                return "'" + text + "' is not a duration such as 30s, 5m or 0";
            },
            "DURATION"));
}

std::chrono::milliseconds lock_wait(const std::string& timeout) {
    return timeout == "0" ? std::chrono::milliseconds(0)
                          : parse_duration(timeout).value_or(std::chrono::milliseconds(0));
}

void print_session_problems(const Session& session, const Context& context) {
    print_diagnostics(session.loaded.diagnostics, session.loaded.sources, context);
}

std::optional<MappingProfile> load_mapping_or_report(const std::string& mapping,
                                                     const Context& context) {
    SourceFiles sources;
    Diagnostics diagnostics;
    std::optional<MappingProfile> profile = load_mapping(mapping, sources, diagnostics);
    print_diagnostics(diagnostics, sources, context);
    return profile;
}

void print_diagnostics(const Diagnostics& diagnostics, const SourceFiles& sources,
                       const Context& context) {
    bool color = !context.no_color && use_color(2);
    for (const Diagnostic& diagnostic : diagnostics.items())
        std::fputs(render_diagnostic(diagnostic, sources, color).c_str(), stderr);
}

namespace {

// Every repeatable option takes one value per use (--select A --select B), never the words after
// it: CLI11 lets an option that holds a list take every word that follows, which would swallow
// the paths of `plan --select A config/`. Applied here, once, to every command's options.
void one_value_per_use(CLI::App& command) {
    for (CLI::Option* option : command.get_options()) {
        if (option->nonpositional() && option->get_items_expected_max() > 1)
            option->allow_extra_args(false)->option_text(option->get_type_name());
    }
    for (CLI::App* subcommand : command.get_subcommands({}))
        one_value_per_use(*subcommand);
}

} // namespace

int run(int argc, char** argv) {
    // Whole lines at once: a note or warning on stderr never lands inside a line of stdout when
    // both go to one pipe or file (stdout would otherwise go out in blocks of 4 KB).
    static char stdout_buffer[64 * 1024];
    std::setvbuf(stdout, stdout_buffer, _IOLBF, sizeof stdout_buffer);
    CLI::App app{"mailsync: mail integrations as code. Incoming mail accounts, outgoing SMTP "
                 "connections and OAuth2 clients are declared in YAML and checked before they "
                 "reach the target.",
                 "mailsync"};
    app.set_version_flag("--version", fmt::format("mailsync {}", MAILSYNC_VERSION));
    app.require_subcommand(1);
    app.fallthrough(); // global flags such as --no-color also work after the command
    app.footer(
        "Exit codes (every command exits 1 on a usage error):\n"
        "  validate      0 valid (warnings allowed; with --live every test passed); 1 errors or a\n"
        "                failed live test\n"
        "  test          0 every test passed; 1 a test failed or the configuration has errors\n"
        "  plan          0 planned; 1 errors, or a migration that could not be scanned (the\n"
        "                rest is shown); 2 with --detailed-exitcode: changes to make or\n"
        "                messages left to copy\n"
        "  apply         0 applied or nothing to do; 1 errors, stale plan, lock held, failed live\n"
        "                test, confirmation refused, actions or migrations failed or skipped\n"
        "  import        0 imported; 1 nothing written; 2 written, objects with errors left out\n"
        "  export        0 exported; 1 errors (objects not exported are named)\n"
        "  status        0 shown; 1 no such run or unreadable state\n"
        "  force-unlock  0 released or not locked; 1 unreadable state\n"
        "  state         0 export-key wrote the key and removed it from the state, migrate\n"
        "                copied and verified the state; 1 errors\n"
        "  mapping       0 printed; 1 unknown kind or broken mapping file\n"
        "  migrate       worker: 0 every mailbox it ran completed; 1 errors or a failed\n"
        "                mailbox; retry, pause, resume, cancel: 0 done; 1 errors\n"
        "  oauth2        authorize: 0 the refresh token was written; 1 errors, the sign-in\n"
        "                refused or not finished, the code refused\n"
        "  invite        0 every invitation sent; 1 errors, a key file others may read, a\n"
        "                server that refused\n"
        "  serve         0 stopped by SIGINT or SIGTERM; 1 errors, a key or token file\n"
        "                missing or readable by others, plain http beyond loopback\n"
        "--format json outputs are described by the JSON Schemas in schemas/ (installed in\n"
        "share/mailsync/schemas). Run 'mailsync COMMAND --help' for a command's flags.");
    Context context;
    app.add_flag("--no-color", context.no_color, "Never colour the output (NO_COLOR also works)");
    std::string env_file;
    app.add_option("--env-file", env_file,
                   "Environment variables in dotenv format (NAME=VALUE lines) for every "
                   "${env:...} and mailsync's own settings, read first; a variable set in the "
                   "environment wins. Refused when its group or others may read it (also "
                   "MAILSYNC_ENV_FILE)");
    add_validate_command(app, context);
    add_test_command(app, context);
    add_mapping_command(app, context);
    add_plan_command(app, context);
    add_apply_command(app, context);
    add_status_command(app, context);
    add_force_unlock_command(app, context);
    add_import_command(app, context);
    add_export_command(app, context);
    add_state_command(app, context);
    add_migrate_command(app, context);
    add_oauth2_command(app, context);
    add_invite_command(app, context);
    add_serve_command(app, context);
    one_value_per_use(app);
    if (argc > 1 && std::string_view(argv[1]) == "__complete") {
        run_complete_words(app, std::vector<std::string>(argv + 2, argv + argc));
        return 0;
    }
    if (!load_env_file(argc, argv))
        return 1;
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForAllHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForVersion& version) {
        return app.exit(version);
    } catch (const CLI::ParseError& error) {
        // CLI11 reads an unknown command as a missing one; name it instead.
        if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
            std::vector<std::string> names;
            for (const CLI::App* command : app.get_subcommands({}))
                names.push_back(command->get_name());
            fmt::print(stderr,
                       "mailsync: unknown command '{}'{}\nRun 'mailsync --help' for the "
                       "commands.\n",
                       argv[1], did_you_mean(argv[1], names));
            return 1;
        }
        app.exit(error);
        return 1;
    }
    return context.exit_code;
}

} // namespace mailsync::cli
