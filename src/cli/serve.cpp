// `mailsync serve [PATH...]`: the self-service web server (src/serve/). Parses, loads the
// configuration, the keys and the state, serves until SIGINT or SIGTERM.
#include <csignal>
#include <cstdlib>
#include <memory>
#include <pthread.h>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "selfservice/invite_key.hpp"
#include "serve/server.hpp"
#include "trust/load.hpp"

namespace mailsync::cli {

namespace {

struct ServeCommandOptions {
    std::vector<std::string> paths{"."};
    std::string listen = "127.0.0.1:8080";
    std::string tls_cert;
    std::string tls_key;
    std::string public_url;
    std::optional<std::string> invite_key;
    std::optional<std::string> credential_key;
    std::string admin_token_file;
    std::size_t parallelism = 2;
    bool allow_new_endpoints = false;
    SettingsFlags settings;
    std::string state;
    VariableScope variables;
};

int report(const std::string& message) {
    fmt::print(stderr, "error: {}\n", message);
    return 1;
}

// "HOST:PORT", "[::1]:PORT" or ":PORT" (127.0.0.1).
Result<std::pair<std::string, int>> listen_address(const std::string& text) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos)
        return fail(fmt::format("--listen {}: write HOST:PORT, such as 127.0.0.1:8080", text));
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = -1;
    std::string digits = text.substr(colon + 1);
    if (!digits.empty() && digits.size() <= 5 &&
        digits.find_first_not_of("0123456789") == std::string::npos)
        port = std::stoi(digits);
    if (port < 0 || port > 65535)
        return fail(fmt::format("--listen {}: the port must be 0 to 65535", text));
    return std::pair{host.empty() ? std::string("127.0.0.1") : host, port};
}

std::string variable_or(const std::string& given, const char* variable) {
    if (!given.empty())
        return given;
    const char* value = std::getenv(variable);
    return value != nullptr ? value : "";
}

// The keys and the token, each from its own file outside the state; nullopt once reported.
std::optional<ServeSettings> settings_of(const ServeCommandOptions& options, Context& context) {
    ServeSettings settings;
    Result<std::pair<std::string, int>> address = listen_address(options.listen);
    Result<std::string> invite_path = invite_key_path(options.invite_key);
    Result<std::string> invite =
        invite_path ? load_invite_key(*invite_path, false) : std::unexpected(invite_path.error());
    Result<std::string> credential_path = credential_key_path(options.credential_key);
    Result<std::string> credential =
        credential_path ? load_private_key(*credential_path, true, "credential key")
                        : std::unexpected(credential_path.error());
    if (credential_path && invite_path && *credential_path == *invite_path)
        credential = fail("--credential-key must be another file than --invite-key: one key, "
                          "one use");
    std::string token_file = variable_or(options.admin_token_file, "MAILSYNC_ADMIN_TOKEN_FILE");
    Result<std::string> token =
        token_file.empty()
            ? fail("no admin token: give --admin-token-file FILE or set MAILSYNC_ADMIN_TOKEN_FILE "
                   "(made 0600 with a new token when missing)")
            : load_private_key(token_file, true, "admin token");
    for (const auto* problem : {&invite, &credential, &token})
        if (!*problem)
            context.exit_code = report(problem->error().message);
    if (!address)
        context.exit_code = report(address.error().message);
    if (context.exit_code != 0)
        return std::nullopt;
    settings.host = address->first;
    settings.port = address->second;
    settings.tls_cert = options.tls_cert;
    settings.tls_key = options.tls_key;
    settings.public_url = variable_or(options.public_url, "MAILSYNC_SERVE_URL");
    settings.invite_key = *invite;
    settings.sealing_key = credential_sealing_key(*credential);
    settings.admin_token = *token;
    settings.parallelism = std::max<std::size_t>(options.parallelism, 1);
    if (Result<void> ok = check_serve_settings(settings); !ok) {
        context.exit_code = report(ok.error().message);
        return std::nullopt;
    }
    return settings;
}

void run_serve(const ServeCommandOptions& options, Context& context) {
    LoadOptions load_options;
    load_options.variables = options.variables;
    LoadedConfig loaded = load_config(options.paths, load_options);
    print_diagnostics(loaded.diagnostics, loaded.sources, context);
    if (loaded.diagnostics.has_errors()) {
        context.exit_code = report("not serving: fix the errors above first");
        return;
    }
    std::optional<ServeSettings> settings = settings_of(options, context);
    if (!settings)
        return;
    Result<TrustPolicy> policy =
        trust_policy(process_environment(), options.state, options.allow_new_endpoints);
    Result<StateStore> shared =
        policy ? StateStore::open(options.state) : std::unexpected(policy.error());
    Result<StateStore> ledger =
        shared ? StateStore::open(options.state) : std::unexpected(shared.error());
    if (!ledger) {
        context.exit_code = report(ledger.error().message);
        return;
    }
    // SIGINT and SIGTERM go to one thread, which stops the server; every other thread,
    // started after this, inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1); // the server ended by itself: the waiter ends too
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto log = [](const std::string& line) { fmt::print(stderr, "serve: {}\n", line); };
    SelfServiceServer server(loaded.config, *policy, *shared, *ledger, *settings, log);
    Result<int> port = server.bind();
    if (!port) {
        context.exit_code = report(port.error().message);
        return;
    }
    std::jthread waiter([&server, &signals, &log] {
        int signal = 0;
        sigwait(&signals, &signal);
        if (signal == SIGUSR1)
            return; // the server ended by itself
        log(fmt::format("stopping on {}: copies in progress stay PENDING and resume at the "
                        "next start",
                        signal == SIGINT ? "SIGINT" : "SIGTERM"));
        server.stop();
    });
    bool host_is_v6 = settings->host.find(':') != std::string::npos;
    fmt::print("serving on {}://{}{}{}:{} (owner links: /m/..., administrator: /admin)\n",
               settings->tls_cert.empty() ? "http" : "https", host_is_v6 ? "[" : "", settings->host,
               host_is_v6 ? "]" : "", *port);
    std::fflush(stdout);
    server.run();
    server.stop();
    pthread_kill(waiter.native_handle(), SIGUSR1);
}

} // namespace

void add_serve_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<ServeCommandOptions>();
    CLI::App* command = app.add_subcommand(
        "serve", "Serve the self-service pages: owners hand over their source's password, the "
                 "administrator follows every migration");
    command->add_option("paths", options->paths,
                        "Files or folders (every *.yaml and *.yml below, sorted); default .");
    command->add_option("--listen", options->listen,
                        "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: a free one). "
                        "Beyond loopback only with --tls-cert and --tls-key");
    command->add_option("--tls-cert", options->tls_cert, "The server's certificate chain (PEM)");
    command->add_option("--tls-key", options->tls_key, "The certificate's private key (PEM)");
    command->add_option("--public-url", options->public_url,
                        "Where owners reach the server, as in the invitations' links (default: "
                        "MAILSYNC_SERVE_URL); forms are taken from that origin only");
    command->add_option("--invite-key", options->invite_key,
                        "The key file the invitations were sealed with (default: "
                        "MAILSYNC_INVITE_KEY_FILE)");
    command->add_option("--credential-key", options->credential_key,
                        "The key file that seals the owners' credentials in the state, outside "
                        "it; made 0600 when missing (default: MAILSYNC_CREDENTIAL_KEY_FILE)");
    command->add_option("--admin-token-file", options->admin_token_file,
                        "The file of the administrator's sign-in token; made 0600 with a new "
                        "token when missing (default: MAILSYNC_ADMIN_TOKEN_FILE)");
    command->add_option("--parallelism", options->parallelism,
                        "Mailboxes copied at once (default 2)");
    command->add_flag("--allow-new-endpoints", options->allow_new_endpoints,
                      "Send the owners' credentials and mail, and the destinations' passwords, "
                      "to servers no apply has recorded for them (on a checkout you trust)");
    add_env_option(*command, options->settings);
    add_state_option(*command, options->settings);
    command->footer("Exit codes: 0 stopped by SIGINT or SIGTERM; 1 errors (the configuration, a "
                    "key or token file, the address).");
    command->callback(settled(options, context, run_serve));
}

} // namespace mailsync::cli
