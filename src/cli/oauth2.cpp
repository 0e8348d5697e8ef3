// `mailsync oauth2 authorize OAuth2Client/NAME [PATH...] --out FILE`: a refresh token through
// the administrator's browser (src/oauth2/), written to a file of mode 0600 that `${file:...}`
// names; the token itself is never printed.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "config/scalar.hpp"
#include "oauth2/authorize.hpp"
#include "oauth2/token_file.hpp"
#include "trust/load.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace {

struct AuthorizeCommandOptions {
    std::string resource;
    std::vector<std::string> paths{"."};
    std::string out;
    bool force = false;
    std::string timeout = "5m";
    int port = 0;
    std::string login_hint;
    bool allow_new_endpoints = false;
    SettingsFlags settings;
    std::string state;
    VariableScope variables;
};

int report(const std::string& message) {
    fmt::print(stderr, "error: {}\n", message);
    return 1;
}

// The client named by `resource` with its secret resolved, or nullopt once the problem is printed.
std::optional<OAuth2Client> load_client(const AuthorizeCommandOptions& options,
                                        LoadedConfig& loaded, Context& context) {
    std::optional<ResourceId> id = parse_resource_id(options.resource);
    if (!id || id->kind != Kind::oauth2_client) {
        context.exit_code = report(
            fmt::format("'{}' is not OAuth2Client/NAME, such as OAuth2Client/google-workspace",
                        options.resource));
        return std::nullopt;
    }
    // The connections' secrets are left alone: their `${file:...}` may name the file that this
    // run is about to write.
    LoadOptions load_options;
    load_options.resolve_secrets = false;
    load_options.variables = options.variables;
    loaded = load_config(options.paths, load_options);
    const OAuth2Client* found = loaded.config.find_client(id->name);
    if (found == nullptr && !loaded.diagnostics.has_errors()) {
        std::vector<std::string> names;
        for (const OAuth2Client& client : loaded.config.clients)
            names.push_back(client.meta.name);
        context.exit_code = report(fmt::format("no OAuth2Client '{}' in the configuration{}",
                                               id->name, did_you_mean(id->name, names)));
        return std::nullopt;
    }
    std::optional<OAuth2Client> client;
    if (found != nullptr) {
        client = *found;
        resolve_client_secrets(*client, process_environment(), loaded.access, loaded.diagnostics);
    }
    print_diagnostics(loaded.diagnostics, loaded.sources, context);
    if (loaded.diagnostics.has_errors()) {
        fmt::print(stderr, "Nothing was authorized: fix the errors above first.\n");
        context.exit_code = 1;
        return std::nullopt;
    }
    return client;
}

// Whether the trust model lets the client secret go to the token endpoint (docs/security.md).
bool secret_may_travel(const OAuth2Client& client, const AuthorizeCommandOptions& options) {
    Result<TrustPolicy> policy =
        trust_policy(process_environment(), options.state, options.allow_new_endpoints);
    if (!policy) {
        report(policy.error().message);
        return false;
    }
    if (options.allow_new_endpoints && policy->allowlist)
        fmt::print(stderr, "{}\n", allow_new_ignored);
    std::vector<Refusal> refusals = refused_routes(client_routes(client), *policy);
    if (refusals.empty())
        return true;
    report(describe_refusal(refusals.front()));
    if (!refusals.front().hint.empty())
        fmt::print(stderr, "  hint: {}\n", refusals.front().hint);
    return false;
}

void show_url(const std::string& url, int port, const std::string& resource,
              const std::string& timeout) {
    fmt::print("To authorize {}, open this URL in a web browser and sign in with the account "
               "whose mail mailsync should reach:\n\n  {}\n\n"
               "The browser must run on this machine: the sign-in sends it back to "
               "http://127.0.0.1:{}/callback (with a browser on another machine, forward the port "
               "there first: ssh -L {}:127.0.0.1:{} THIS-HOST).\nWaiting up to {} for the "
               "browser...\n",
               resource, url, port, port, port, timeout);
    std::fflush(stdout);
}

void show_reference(const OAuth2Client& client, const LoadedConfig& loaded,
                    const std::string& out) {
    std::string yaml_file = client.meta.where.file;
    FileReference reference = file_reference(loaded.access, yaml_file, out);
    fmt::print("\nWrote the refresh token to {} (mode 0600); it is not shown here.\n"
               "Name it in the auth of the connections that use this account (the path is "
               "relative to {}, which declares OAuth2Client/{}):\n\n"
               "  refreshToken: ${{file:{}}}\n",
               out, yaml_file, client.meta.name, reference.path);
    if (reference.problem)
        fmt::print(stderr, "warning: the configuration cannot read it there yet: {}\n",
                   *reference.problem);
    else if (!reference.path.starts_with('/'))
        fmt::print("\nKeep {} out of version control (in .gitignore, for example).\n", out);
}

void run_authorize(const AuthorizeCommandOptions& options, Context& context) {
    if (Result<void> writable = check_token_file(options.out, options.force); !writable) {
        context.exit_code = report(writable.error().message);
        return;
    }
    LoadedConfig loaded;
    std::optional<OAuth2Client> client = load_client(options, loaded, context);
    if (!client)
        return;
    if (!secret_may_travel(*client, options)) {
        context.exit_code = 1;
        return;
    }
    // The sign-in page comes from the YAML, which a pull request can change: one that is not the
    // provider's own is named before anyone types a password into it.
    if (client->provider != Provider::custom && !client->authorization_url.empty())
        fmt::print(stderr,
                   "warning: OAuth2Client '{}' sends the browser to {}, not {}'s own sign-in "
                   "page; check that it is the one you expect before signing in\n",
                   client->meta.name, client->authorization_url,
                   client->provider == Provider::google ? "Google" : "Microsoft");
    AuthorizeOptions flow;
    flow.timeout = parse_duration(options.timeout).value_or(flow.timeout);
    flow.port = options.port;
    flow.login_hint = options.login_hint;
    std::string resource = fmt::format("OAuth2Client/{}", client->meta.name);
    Result<void> done = authorize(
        *client, flow,
        [&](const std::string& url, int port) { show_url(url, port, resource, options.timeout); },
        [&](const SecretValue& token) {
            return write_token_file(options.out, token, options.force);
        });
    if (!done) {
        context.exit_code = report(done.error().message);
        return;
    }
    show_reference(*client, loaded, options.out);
}

} // namespace

void add_oauth2_command(CLI::App& app, Context& context) {
    CLI::App* command = app.add_subcommand("oauth2", "OAuth2 clients: get refresh tokens");
    command->require_subcommand(1);
    command->footer("Exit codes: 0 done; 1 errors. 'mailsync oauth2 authorize --help' tells more.");
    auto options = std::make_shared<AuthorizeCommandOptions>();
    CLI::App* authorize_command = command->add_subcommand(
        "authorize", "Get a refresh token through the browser (authorization code with PKCE, "
                     "loopback redirect) and write it to a file for ${file:...}");
    authorize_command->add_option("resource", options->resource, "The client, as OAuth2Client/NAME")
        ->required();
    authorize_command->add_option(
        "paths", options->paths,
        "Files or folders (every *.yaml and *.yml below, sorted); default .");
    authorize_command
        ->add_option("--out", options->out,
                     "The new file for the refresh token (mode 0600; never printed)")
        ->required();
    authorize_command->add_flag("--force", options->force, "Replace --out if it exists");
    authorize_command
        ->add_option("--timeout", options->timeout,
                     "How long to wait for the browser to come back, such as 90s or 10m")
        ->default_val("5m")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                return parse_duration(text) ? ""
                                            : "'" + text + "' is not a duration such as 90s or 10m";
            },
            "DURATION"));
    authorize_command
        ->add_option("--port", options->port,
                     "The loopback port the browser comes back to (for clients registered with "
                     "a fixed redirect URI); default: a free one")
        ->check(CLI::Range(0, 65535));
    authorize_command->add_option("--login-hint", options->login_hint,
                                  "The account the sign-in page should propose (an email address)");
    authorize_command->add_flag(
        "--allow-new-endpoints", options->allow_new_endpoints,
        "Send the client secret to a token endpoint that no apply has recorded for it (on a "
        "checkout you trust)");
    add_env_option(*authorize_command, options->settings);
    add_state_option(*authorize_command, options->settings);
    authorize_command->footer(
        "Exit codes: 0 the refresh token was written; 1 errors (the configuration, --out exists, "
        "the token endpoint not allowed, the sign-in refused or not finished in time, a redirect "
        "that does not match, the token endpoint refused the code).");
    authorize_command->callback(settled(options, context, run_authorize));
}

} // namespace mailsync::cli
