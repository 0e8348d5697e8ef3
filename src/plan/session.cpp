#include "plan/session.hpp"

#include <chrono>
#include <filesystem>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "config/scalar.hpp"
#include "state/state_location.hpp"
#include "state/state_target.hpp"
#include "util/crypto.hpp"

namespace mailsync {

// Each file's name and the SHA-256 of its text, in order.
std::string config_digest(const LoadedConfig& loaded) {
    Sha256 hash;
    for (const ConfigFileDigest& file : config_file_digests(loaded)) {
        hash.update(file.path);
        hash.update(std::string_view("\0", 1));
        hash.update(file.sha256);
        hash.update(std::string_view("\0", 1));
    }
    return "sha256:" + hash.hex();
}

std::vector<ConfigFileDigest> config_file_digests(const LoadedConfig& loaded) {
    std::vector<ConfigFileDigest> out;
    for (const std::string& file : loaded.files) {
        std::string digest = loaded.sources.sha256(file);
        out.push_back({file, digest.empty() ? sha256_hex("") : digest});
    }
    return out;
}

std::vector<SeenObject> seen_objects(const TargetSnapshot& snapshot,
                                     const MappingProfile& profile) {
    std::vector<SeenObject> out;
    std::size_t count = 0;
    for (const auto& [collection, objects] : snapshot.collections)
        count += objects.size();
    out.reserve(count);
    for (const auto& [kind, mapping] : profile.kinds) {
        auto listing = snapshot.collections.find(mapping.collection);
        if (listing == snapshot.collections.end())
            continue;
        for (const TargetObject& object : listing->second)
            out.push_back({kind, mapping.collection, object.id, object.name(), object.version});
    }
    return out;
}

std::map<std::string, std::string> client_ids(const TargetSnapshot& snapshot,
                                              const MappingProfile& profile) {
    std::map<std::string, std::string> out;
    const KindMapping* clients = profile.find(Kind::oauth2_client);
    if (clients == nullptr)
        return out;
    auto found = snapshot.collections.find(clients->collection);
    if (found == snapshot.collections.end())
        return out;
    for (const TargetObject& object : found->second)
        out[fmt::format("OAuth2Client/{}", object.name())] = object.id;
    return out;
}

std::optional<ResourceId> parse_resource_id(const std::string& text) {
    std::size_t slash = text.find('/');
    if (slash == std::string::npos)
        return std::nullopt;
    std::optional<Kind> kind = parse_kind(text.substr(0, slash));
    if (!kind || slash + 1 == text.size())
        return std::nullopt;
    return ResourceId{*kind, text.substr(slash + 1)};
}

Result<std::unique_ptr<Target>> open_session_target(const SessionOptions& options) {
    TargetOptions target = options.target_options;
    if (!target.token && options.env) {
        if (std::optional<std::string> token = options.env("MAILSYNC_TARGET_TOKEN"))
            target.token.emplace(std::move(*token));
    }
    if (!options.target_timeout.empty()) {
        std::optional<std::chrono::milliseconds> timeout = parse_duration(options.target_timeout);
        if (!timeout || timeout->count() <= 0)
            return fail(fmt::format("--target-timeout '{}' is not a duration such as 30s",
                                    options.target_timeout));
        target.timeout = *timeout;
    }
    return open_target(options.target, target);
}

Session open_config_and_state(const SessionOptions& options, const MappingProfile& profile) {
    Session session;
    LoadOptions load;
    load.mapping = &profile; // every resource must render into the target's form
    load.env = options.env;
    load.variables = options.variables;
    session.loaded = load_config(options.paths, load);
    Diagnostics& problems = session.loaded.diagnostics;
    for (const std::string& item : options.select) {
        if (!parse_resource_id(item))
            problems.error({}, fmt::format("--select {}: write KIND/NAME, such as "
                                           "MailAccount/support-inbox",
                                           item));
    }
    for (const std::string& item : options.replace) {
        if (!parse_resource_id(item))
            problems.error({}, fmt::format("--replace {}: write KIND/NAME, such as "
                                           "MailAccount/support-inbox",
                                           item));
    }
    if (problems.has_errors())
        return session;
    Result<StateStore> state = StateStore::open(options.state);
    if (!state) {
        problems.error({}, state.error().message);
        return session;
    }
    session.state.emplace(std::move(*state));
    // A state used with another target than its own is refused before anything is written.
    std::string written = options.target_name.empty() ? options.target : options.target_name;
    StateBinding binding = options.bind_state ? StateBinding::bind : StateBinding::check_only;
    bool adopted = false;
    Result<void> belongs = options.compare_target
                               ? check_state_target(*session.state, options.state, options.target,
                                                    written, binding, &adopted)
                               : Result<void>{};
    Result<void> scoped =
        belongs ? check_state_scope(*session.state, options.state, options.ownership.scope, binding,
                                    options.change_scope)
                : belongs;
    if (!scoped)
        problems.error({}, scoped.error().message);
    else if (adopted)
        problems.warning({}, fmt::format("the state {} recorded no target (made by an earlier "
                                         "mailsync); it belongs to {} from now on",
                                         redact_state_url(options.state), written));
    return session;
}

Session open_session(const SessionOptions& options, const MappingProfile& profile) {
    Session session = open_config_and_state(options, profile);
    Diagnostics& problems = session.loaded.diagnostics;
    if (!session.state || problems.has_errors())
        return session;
    Result<std::unique_ptr<Target>> target = open_session_target(options);
    if (!target) {
        problems.error({}, target.error().message);
        return session;
    }
    session.target = std::move(*target);
    return session;
}

bool session_open(const Session& session) {
    return session.state && session.target && !session.loaded.diagnostics.has_errors();
}

void plan_session(Session& session, const SessionOptions& options, const MappingProfile& profile) {
    Diagnostics& problems = session.loaded.diagnostics;
    session.planned = false;
    Result<TargetSnapshot> snapshot = refresh(*session.target, profile);
    if (!snapshot) {
        problems.error({}, snapshot.error().message);
        return;
    }
    session.snapshot = std::move(*snapshot);
    diff_session(session, options, profile);
}

void diff_session(Session& session, const SessionOptions& options, const MappingProfile& profile) {
    Diagnostics& problems = session.loaded.diagnostics;
    session.planned = false;
    Result<std::vector<ManagedObject>> managed = session.state->managed();
    Result<std::map<FingerprintKey, std::string>> fingerprints = session.state->fingerprints();
    if (!managed || !fingerprints) {
        problems.error({}, (!managed ? managed.error() : fingerprints.error()).message);
        return;
    }
    std::vector<ResourceId> select;
    for (const std::string& item : options.select)
        select.push_back(*parse_resource_id(item));
    std::vector<ResourceId> replace;
    for (const std::string& item : options.replace)
        replace.push_back(*parse_resource_id(item));
    PlanInputs inputs{
        session.loaded.config, profile, session.snapshot,  *managed, *fingerprints,
        *session.state,        select,  options.ownership, replace,  options.replace_secrets};
    std::size_t errors_before = problems.error_count();
    session.plan = make_plan(inputs, problems);
    session.plan.mailsync_version = MAILSYNC_VERSION;
    session.plan.created_at =
        fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    session.plan.target = session.target->describe();
    session.plan.environment = options.environment;
    session.plan.state = redact_state_url(options.state); // shown, never opened
    session.plan.config_digest = config_digest(session.loaded);
    session.plan.config_files = config_file_digests(session.loaded);
    if (options.settings_file) // first: it was read before the configuration
        session.plan.config_files.insert(session.plan.config_files.begin(), *options.settings_file);
    session.plan.seen_objects = seen_objects(session.snapshot, profile);
    std::error_code error;
    session.plan.working_directory = std::filesystem::current_path(error).string();
    session.plan.paths = options.paths;
    session.planned = problems.error_count() == errors_before;
}

} // namespace mailsync
