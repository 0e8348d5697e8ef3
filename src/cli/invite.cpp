// `mailsync invite [--select MailboxMigration/NAME ...] [PATH...]`: emails each self-service
// migration's owner a personal link (src/selfservice/) through one of the configuration's
// SmtpConnections; the link's token is never printed.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/migrations.hpp"
#include "config/loader.hpp"
#include "selfservice/invitations.hpp"
#include "selfservice/invite_key.hpp"
#include "selfservice/message.hpp"
#include "trust/load.hpp"
#include "trust/routes.hpp"

namespace mailsync::cli {

namespace {

struct InviteCommandOptions {
    std::vector<std::string> paths{"."};
    std::vector<std::string> select;
    std::optional<std::string> smtp;
    std::string base_url;
    std::optional<std::string> invite_key;
    std::string template_file;
    bool dry_run = false;
    bool new_owner = false;
    bool allow_new_endpoints = false;
    SettingsFlags settings;
    std::string state;
    std::string mapping;
    VariableScope variables;
};

int report(const std::string& message) {
    fmt::print(stderr, "error: {}\n", message);
    return 1;
}

// The self-service migrations `--select` leaves; nullopt once a problem is printed.
std::optional<std::vector<const MailboxMigration*>>
migrations_to_invite(const Config& config, const std::vector<std::string>& select) {
    std::vector<std::string> unknown;
    std::vector<const MailboxMigration*> out;
    for (const MailboxMigration* m : selected_migrations(config, select, unknown)) {
        if (is_self_service(*m))
            out.push_back(m);
        else if (!select.empty())
            unknown.push_back(m->meta.name + " (not self-service: its source has credentials)");
    }
    for (const std::string& name : unknown)
        report(fmt::format("--select MailboxMigration/{}: no such self-service migration", name));
    if (!unknown.empty())
        return std::nullopt;
    if (out.empty()) {
        report("the configuration declares no self-service MailboxMigration (source.auth."
               "selfService) to invite");
        return std::nullopt;
    }
    return out;
}

Result<std::string> read_template(const std::string& path) {
    if (path.empty())
        return std::string(default_invite_template);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(fmt::format("cannot read the template {}", path));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The SmtpConnection's password may go to its server only where the trust model allows.
bool smtp_may_send(const SmtpConnection& smtp, const Config& config,
                   const InviteCommandOptions& options) {
    Result<TrustPolicy> policy =
        trust_policy(process_environment(), options.state, options.allow_new_endpoints);
    if (!policy)
        return report(policy.error().message) == 0;
    std::vector<Refusal> refusals = refused_routes(
        connection_routes(smtp, Kind::smtp_connection, smtp.meta.name, config), *policy);
    for (const Refusal& refusal : refusals)
        report(fmt::format("{}; {}", describe_refusal(refusal), refusal.hint));
    return refusals.empty();
}

void render(const std::vector<InviteOutcome>& outcomes, bool dry_run, Context& context) {
    for (const InviteOutcome& outcome : outcomes) {
        if (!outcome.ok) {
            context.exit_code =
                report(fmt::format("MailboxMigration '{}': {}", outcome.name, outcome.error));
            continue;
        }
        if (!dry_run) {
            fmt::print("invited {}: {} (link valid until {})\n", outcome.name, outcome.email,
                       outcome.expires);
            continue;
        }
        std::string preview = outcome.preview;
        for (std::size_t at = 0; (at = preview.find("\r\n", at)) != std::string::npos;)
            preview.erase(at, 1);
        fmt::print("would send to {} (MailboxMigration '{}'):\n{}\n", outcome.email, outcome.name,
                   preview);
    }
}

void run_invite(InviteCommandOptions& options, Context& context) {
    LoadOptions load_options;
    load_options.variables = options.variables;
    load_options.resolve_secrets = !options.dry_run;
    LoadedConfig loaded = load_config(options.paths, load_options);
    print_diagnostics(loaded.diagnostics, loaded.sources, context);
    if (loaded.diagnostics.has_errors()) {
        context.exit_code = report("nothing was sent: fix the errors above first");
        return;
    }
    std::optional<std::vector<const MailboxMigration*>> list =
        migrations_to_invite(loaded.config, options.select);
    if (!list) {
        context.exit_code = 1;
        return;
    }
    Result<const SmtpConnection*> smtp = choose_smtp(loaded.config, options.smtp);
    if (options.base_url.empty()) {
        const char* variable = std::getenv("MAILSYNC_SERVE_URL");
        options.base_url = variable != nullptr ? variable : "";
    }
    Result<std::string> base =
        options.base_url.empty()
            ? fail("no base URL for the links: give --base-url or set MAILSYNC_SERVE_URL (where "
                   "'mailsync serve' is reached, such as https://migrate.example.com)")
            : check_invite_base_url(options.base_url);
    Result<std::string> key_path = invite_key_path(options.invite_key);
    Result<std::string> key =
        key_path ? load_invite_key(*key_path, !options.dry_run) : std::unexpected(key_path.error());
    if (!key && options.dry_run && key_path)
        key = std::string(32, 'x'); // a dry run seals nothing that is kept or sent
    Result<std::string> text = read_template(options.template_file);
    for (const Result<std::string>* problem : {&base, &key, &text})
        if (!*problem)
            context.exit_code = report(problem->error().message);
    if (!smtp)
        context.exit_code = report(smtp.error().message);
    if (context.exit_code != 0)
        return;
    InviteRequest request{*list, *smtp, *base, *key, *text, options.dry_run, options.new_owner};
    if (options.dry_run) {
        render(send_invitations(request, nullptr, ""), true, context);
        return;
    }
    if (!smtp_may_send(**smtp, loaded.config, options)) {
        context.exit_code = 1;
        return;
    }
    Result<StateStore> state = StateStore::open(options.state);
    std::string run_id = new_run_id();
    Result<void> locked = state ? state->lock(run_id) : std::unexpected(state.error());
    if (!locked) {
        context.exit_code = report(locked.error().message);
        return;
    }
    render(send_invitations(request, &*state, run_id), false, context);
    (void)state->unlock(run_id);
}

} // namespace

void add_invite_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<InviteCommandOptions>();
    CLI::App* command = app.add_subcommand(
        "invite", "Email each self-service migration's owner a personal, single-use link");
    command->add_option("paths", options->paths,
                        "Files or folders (every *.yaml and *.yml below, sorted); default .");
    command->add_option("--select", options->select, "Only MailboxMigration/NAME; once per one")
        ->type_name("KIND/NAME");
    command
        ->add_option("--smtp", options->smtp,
                     "The SmtpConnection to send through (needed when several are declared)")
        ->type_name("SmtpConnection/NAME");
    command->add_option("--base-url", options->base_url,
                        "Where 'mailsync serve' is reached: https://..., or http:// on this "
                        "machine (default: MAILSYNC_SERVE_URL)");
    command->add_option("--invite-key", options->invite_key,
                        "The file of the key that seals the links, outside the state and the "
                        "repository; made 0600 when missing (default: MAILSYNC_INVITE_KEY_FILE)");
    command->add_option("--template", options->template_file,
                        "The message: 'Subject: ...', a blank line, the body; placeholders "
                        "{name} {email} {source} {destination} {link} {expires}");
    command->add_flag("--dry-run", options->dry_run,
                      "Show the messages, their links masked; send and record nothing");
    command->add_flag("--new-owner", options->new_owner,
                      "Send to an owner's address that differs from the last invitation's");
    command->add_flag("--allow-new-endpoints", options->allow_new_endpoints,
                      "Send the SmtpConnection's password to a server no apply has recorded for "
                      "it (on a checkout you trust)");
    add_env_option(*command, options->settings);
    add_state_option(*command, options->settings);
    command->footer("Exit codes: 0 every invitation was sent; 1 errors (the configuration, no "
                    "SmtpConnection, a bad base URL or key file, a server that refused).");
    command->callback(settled(options, context, run_invite));
}

} // namespace mailsync::cli
