// The steps `plan` and `apply` share: load the configuration, open the target and the state,
// refresh, and diff.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "model/ownership.hpp"
#include "plan/diff.hpp"
#include "plan/plan.hpp"
#include "state/state.hpp"
#include "target/target.hpp"

namespace mailsync {

struct SessionOptions {
    std::vector<std::string> paths{"."};
    std::string target = default_target;
    std::string target_name; // the target as the user wrote it, for messages; else `target`
    std::string state = default_state;
    std::optional<std::string> environment; // chosen in mailsync.yaml
    VariableScope variables;                // what `${var:NAME}` reads
    // Whether this run writes with the state (apply): a state that records no target takes
    // this one; any run refuses a state that belongs to another target.
    bool bind_state = false;
    std::vector<std::string> select;  // "KIND/NAME"
    Ownership ownership;              // the scope owned, and how far deletes may go
    std::vector<std::string> replace; // --replace "KIND/NAME": written whole, secrets included
    bool replace_secrets = false;     // --replace-secrets: every secret written again
    bool change_scope = false;        // apply --change-scope: the state takes this scope
    // Whether the state's target is compared with this run's: a migration worker that names no
    // target (it never writes one) compares only the scope.
    bool compare_target = true;
    std::optional<ConfigFileDigest> settings_file; // mailsync.yaml as read, for saved plans
    EnvLookup env = process_environment();
    // How to reach a remote target; the token comes from MAILSYNC_TARGET_TOKEN through `env`
    // unless set here, and `target_timeout` ("30s") from the flag.
    TargetOptions target_options;
    std::string target_timeout;
    std::string lock_timeout = "0"; // --lock-timeout: how long to wait for a held state lock
};

// Opens the target of `options`, taking the token from the environment; problems as errors.
Result<std::unique_ptr<Target>> open_session_target(const SessionOptions& options);

struct Session {
    LoadedConfig loaded; // its diagnostics collect every problem of every step
    std::optional<StateStore> state;
    std::unique_ptr<Target> target;
    TargetSnapshot snapshot;
    Plan plan;
    bool planned = false; // false when an earlier step failed
};

// Loads the configuration, opens target and state; problems go to loaded.diagnostics. Returns
// whether every step worked. `plan_session` then refreshes and diffs.
Session open_session(const SessionOptions& options, const MappingProfile& profile);
// The configuration and the state, the state's target and scope compared with this run's (and
// bound with bind_state), without opening the target: for runs that never touch it (migration
// workers). `session.target` stays empty.
Session open_config_and_state(const SessionOptions& options, const MappingProfile& profile);
bool session_open(const Session& session);

// Refreshes and diffs an opened session; sets `planned` when it worked.
void plan_session(Session& session, const SessionOptions& options, const MappingProfile& profile);

// Diffs against `session.snapshot` as it is (a caller that has just listed the target).
void diff_session(Session& session, const SessionOptions& options, const MappingProfile& profile);

// SHA-256 over every file read, path and text, in order.
std::string config_digest(const LoadedConfig& loaded);

// Every file read, with the SHA-256 of its text, in the order read.
std::vector<ConfigFileDigest> config_file_digests(const LoadedConfig& loaded);

// Every object of the snapshot with its version, collection by collection in the profile's order.
std::vector<SeenObject> seen_objects(const TargetSnapshot& snapshot, const MappingProfile& profile);

// The ids of the OAuth2 clients the target holds, as "OAuth2Client/name" → id.
std::map<std::string, std::string> client_ids(const TargetSnapshot& snapshot,
                                              const MappingProfile& profile);

// Parses "KIND/NAME".
std::optional<ResourceId> parse_resource_id(const std::string& text);

} // namespace mailsync
