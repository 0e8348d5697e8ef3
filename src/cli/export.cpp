// `mailsync export --out DIR`: what the target holds now, as mailsync YAML, adopted into the
// state so that `plan` on the written folder shows no changes.
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/files.hpp"
#include "plan/export.hpp"
#include "plan/export_adoption.hpp"
#include "plan/labels.hpp"
#include "plan/rows.hpp"
#include "state/state_location.hpp"
#include "state/state_target.hpp"

namespace mailsync::cli {

namespace {

namespace fs = std::filesystem;

struct ExportOptions {
    SessionOptions session;
    SettingsFlags settings;
    std::string mapping;
    std::string out;
    bool split = false;
    bool force = false;
    // What `mailsync plan OUT` needs besides OUT to meet this target and state: nothing when the
    // state was recorded below OUT, where plan looks for it.
    std::string plan_flags;
};

// The state export records into, and the flags the plan of the written folder needs. Without
// --config or a state of its own, and with a target given by flag or variable, the state goes
// below --out, the configuration root of `plan OUT`: plan on the written folder then finds the
// objects managed. Otherwise export keeps the state it was given, and its hint names it.
void place_state(const RunSettings& settings, ExportOptions& options) {
    bool by_flag = settings.target.origin == SettingOrigin::flag;
    bool by_variable = settings.target.origin == SettingOrigin::environment_variable;
    if (options.settings.config_root.empty() && (by_flag || by_variable) &&
        settings.state.origin == SettingOrigin::built_in) {
        options.session.state = default_state_for(options.out, settings.target.written);
        if (by_flag) // a variable stays set for plan; a flag must be given again
            options.plan_flags = "--target " + settings.target.written + " ";
        return;
    }
    if (!by_variable)
        options.plan_flags += "--target " + settings.target.value + " ";
    options.plan_flags += "--state " + redact_state_url(options.session.state) + " ";
}

// Plans the written folder against the target: anything but "no changes" is worth a warning,
// except the secrets whose fingerprint the state kept (`kept`): their values are not known here.
void check_round_trip(const ExportOptions& options, const MappingProfile& profile,
                      const ExportResult& result, const std::set<FingerprintKey>& kept,
                      TargetSnapshot snapshot, const Context& context) {
    std::set<std::string> variables;
    for (const WrittenResource& resource : result.resources) {
        for (const SecretVariable& secret : resource.secrets)
            variables.insert(secret.variable);
    }
    SessionOptions session = options.session;
    session.paths = {options.out};
    EnvLookup env = session.env;
    session.env = [env, variables](const std::string& name) -> std::optional<std::string> {
        if (variables.contains(name))
            return "(exported)"; // unknown until filled in; plan does not compare it
        return env(name);
    };
    Session planned = open_session(session, profile);
    if (session_open(planned)) {
        planned.snapshot = std::move(snapshot); // what was just listed and exported
        diff_session(planned, session, profile);
    }
    if (planned.loaded.diagnostics.has_errors()) {
        fmt::print(stderr, "warning: the exported files do not load cleanly; please report "
                           "this:\n");
        print_session_problems(planned, context);
        return;
    }
    for (const PlannedAction& action : planned.plan.actions) {
        if (action.type == ActionType::noop)
            continue;
        std::vector<std::string> fields;
        for_each_change(planned.plan, action, [&](const FieldChange& change) {
            if (change.sensitive && change.secret_change.str() == "changed" &&
                kept.contains({action.kind, action.name, change.key}))
                return;
            fields.push_back(change.label);
        });
        if (fields.empty())
            continue;
        fmt::print(stderr,
                   "warning: {} '{}' will still show as {} ({}): mailsync cannot say "
                   "it the way the target holds it\n",
                   kind_name(action.kind), action.name, action_name(action.type),
                   fmt::join(fields, ", "));
    }
}

void run_export(const ExportOptions& options, Context& context) {
    std::optional<MappingProfile> profile = load_mapping_or_report(options.mapping, context);
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    auto stop = [&](const std::string& message) {
        fmt::print(stderr, "error: {}\n", message);
        context.exit_code = 1;
    };
    std::error_code error;
    if (fs::exists(options.out, error) && !fs::is_directory(options.out, error))
        return stop(fmt::format("--out {} is a file, not a folder", options.out));
    Result<std::unique_ptr<Target>> target = open_session_target(options.session);
    if (!target)
        return stop(target.error().message);
    Result<TargetSnapshot> snapshot = refresh(**target, *profile);
    if (!snapshot)
        return stop(snapshot.error().message);
    // Only this configuration's scope: objects of other scopes are their owners' to export.
    TargetSnapshot owned = *snapshot;
    std::size_t others = 0;
    for (auto& [collection, objects] : owned.collections)
        others += std::erase_if(objects, [&](const TargetObject& object) {
            return scope_of(object) != options.session.ownership.scope;
        });
    if (others > 0)
        fmt::print(stderr,
                   "note: {} object{} of the target belong{} to another scope than {} and "
                   "{} not exported\n",
                   others, others == 1 ? "" : "s", others == 1 ? "s" : "",
                   describe_scope(options.session.ownership.scope), others == 1 ? "is" : "are");
    ExportResult result = export_snapshot(owned, *profile);
    for (const std::string& problem : result.errors)
        fmt::print(stderr, "error: cannot export {}\n", problem);
    if (result.resources.empty()) {
        if (result.errors.empty())
            fmt::print("{} holds nothing to export; no files written.\n", (*target)->describe());
        context.exit_code = result.errors.empty() ? 0 : 1;
        return;
    }

    std::map<std::string, std::string> files;
    auto header =
        file_header(options.out,
                    fmt::format("# Exported by mailsync export from {} (mapping {}).\n"
                                "# Secrets are ${{env:...}} references; .env.example lists them.\n",
                                (*target)->describe(), profile->name),
                    files);
    files.merge(lay_out_files(result.resources, *profile, options.split, header,
                              "# The secrets of the exported configuration. The target never "
                              "returns secret values, so\n# each variable must be filled in (CI "
                              "secrets, a vault, or an uncommitted .env file).\n"));
    Result<StateStore> state = StateStore::open(options.session.state);
    if (!state)
        return stop(state.error().message);
    // The state manages this target's objects from now on: it belongs to the target, as after
    // an apply, and one of another target is refused before any file is written.
    if (Result<void> belongs =
            check_state_target(*state, options.session.state, options.session.target,
                               options.session.target_name.empty() ? options.session.target
                                                                   : options.session.target_name,
                               StateBinding::bind);
        !belongs)
        return stop(belongs.error().message);
    if (!write_new_files(options.out, files, options.force, "export")) {
        context.exit_code = 1;
        return;
    }
    Result<std::set<FingerprintKey>> kept = adopt_exported(
        *state, result.resources, (*target)->describe(), lock_wait(options.session.lock_timeout));
    if (!kept)
        return stop(fmt::format("the files are written, but the state could not record the "
                                "objects: {}",
                                kept.error().message));

    std::size_t secrets = 0;
    for (const WrittenResource& resource : result.resources)
        secrets += resource.secrets.size();
    fmt::print("Exported {} from {} into {} ({} files).\n", count_resources(result.resources),
               (*target)->describe(), options.out,
               std::count_if(files.begin(), files.end(),
                             [](const auto& file) { return file.first.ends_with(".yaml"); }));
    if (secrets > 0)
        fmt::print("{} secret{} to fill in: see {}.\n", secrets, secrets == 1 ? "" : "s",
                   (fs::path(options.out) / ".env.example").string());
    if (!kept->empty())
        fmt::print("{} of them keep{} the fingerprint the state held, so plan compares {} with "
                   "the value filled in.\n",
                   kept->size(), kept->size() == 1 ? "s" : "", kept->size() == 1 ? "it" : "them");
    fmt::print("They are managed in {} now; 'mailsync plan {}{}{}' shows what differs.\n",
               state->path(), options.plan_flags,
               options.session.ownership.scope.empty()
                   ? std::string()
                   : "--scope " + options.session.ownership.scope + " ",
               options.out);
    check_round_trip(options, *profile, result, *kept, std::move(*snapshot), context);
    if (!result.errors.empty())
        context.exit_code = 1;
}

} // namespace

void add_export_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<ExportOptions>();
    CLI::App* command = app.add_subcommand(
        "export", "Write what the target holds as YAML, and manage it from now on");
    command->add_option("--config", options->settings.config_root,
                        "The configuration folder whose mailsync.yaml and .mailsync/ (the default "
                        "target and the state export records) are meant; default .");
    add_target_options(*command, options->settings, options->session);
    add_state_option(*command, options->settings);
    add_lock_timeout_option(*command, options->session.lock_timeout);
    add_mapping_option(*command, options->settings);
    command->add_option("--scope", options->settings.scope,
                        "Export only the objects of this ownership scope (also MAILSYNC_SCOPE, or "
                        "scope in mailsync.yaml); without one, only objects that carry no scope");
    command->add_option("--out", options->out, "The folder to write into")->required();
    command->add_flag("--split", options->split,
                      "One file per resource (COLLECTION/NAME.yaml) instead of one per kind");
    command->add_flag("--force", options->force, "Overwrite files that exist");
    command->footer("Secrets are written as ${env:...} references with generated names, listed "
                    "in .env.example.\nExit codes: 0 exported; 1 errors (objects that could not "
                    "be exported are named).");
    command->callback([options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report({}, options->settings, context);
        if (!settings)
            return;
        options->mapping = settings->mapping.value;
        use_settings(*settings, options->session);
        place_state(*settings, *options);
        run_export(*options, context);
    });
}

} // namespace mailsync::cli
