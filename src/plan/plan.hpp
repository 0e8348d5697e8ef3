// A plan: pure data saying what apply will do, that can be rendered, saved and read back.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/resources.hpp"
#include "util/interned.hpp"

namespace mailsync {

enum class ActionType { create, update, remove, noop };
std::string_view action_name(ActionType type); // "create", "update", "delete", "no-op"

// One field of an action as a person reads it: Cloud label, old → new. Secrets carry no values,
// only what happens to them.
struct FieldChange {
    Interned label; // a plan of 100,000 creates repeats a few dozen labels and keys
    Interned key;
    nlohmann::json before; // null: absent
    nlohmann::json after;  // null: absent, or removed
    bool sensitive = false;
    Interned secret_change; // for secrets: "will be set", "changed", "removed"
};

// A secret an action writes: which field, and the fingerprint of the value it expects to write.
struct SecretSlot {
    std::string key;
    std::string label;
    std::string fingerprint;
};

struct PlannedAction {
    ActionType type = ActionType::noop;
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::string collection;
    std::string target_id;     // update, delete: the object's id
    std::string seen_version;  // update, delete: the version the plan saw
    bool adopt = false;        // the target has it, the state does not manage it yet
    std::string previous_name; // a rename in place: the name the object has in the target now
    bool replace = false;      // --replace: written whole even where nothing differs
    // create, update: every field to write, in the target's form. A reference to another
    // resource is {"$ref": "OAuth2Client/name"}; apply writes that resource's id.
    nlohmann::json fields = nlohmann::json::object();
    std::vector<SecretSlot> secrets;          // to write (all on create; new or changed on update)
    std::vector<std::string> cleared_secrets; // keys to clear (a secret no longer configured)
    std::vector<FieldChange> changes;         // a delete: the key fields of what goes (after: null)
    std::vector<std::size_t> depends_on;      // indexes into Plan::actions
    // A create planned here: its rows for its fields and secrets are not in `changes` but made
    // from `fields` and `secrets` under Plan::field_labels when read (plan/rows.hpp); `changes`
    // holds the rest (labels). A plan read from a file has every row in `changes`.
    bool rows_from_fields = false;
};

// An object of the target that no resource declares and the state does not manage.
struct UnmanagedObject {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::string id;
};

// An object the plan would delete but leaves, because deletes are off (`deletes: never`), with
// the key fields that say which mailbox or client it is.
struct KeptObject {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::string id;
    std::vector<FieldChange> key_fields; // before: the value; after: null
};

// A field of a kind as rows show it: its target key, its label, in the mapping's order.
struct FieldLabel {
    Interned key;
    Interned label;
};

// A configuration file the plan read, and the SHA-256 of its text.
struct ConfigFileDigest {
    std::string path;
    std::string sha256;
};

// An object of the target as the plan saw it, touched by an action or not: any of them moving
// makes a saved plan stale.
struct SeenObject {
    Kind kind = Kind::oauth2_client;
    std::string collection;
    std::string id;
    std::string name;
    std::string version;
};

struct PlanCounts {
    std::size_t create = 0, update = 0, remove = 0, noop = 0;
    bool has_changes() const { return create + update + remove > 0; }
};

struct Plan {
    // 2: config_files and seen_objects, so that apply can re-derive the plan and compare.
    // 3: ownership (scope, deletes, left_in_place), renames, --replace, warnings.
    static constexpr int current_format = 3;
    int format_version = current_format;
    std::string mailsync_version;
    std::string created_at;
    std::string target;
    std::string mapping;
    std::optional<std::string> environment; // chosen in mailsync.yaml, if any
    std::string state;                      // the state the plan was made with
    std::string config_digest;
    std::string working_directory;
    std::vector<std::string> paths;
    std::vector<std::string> selected;
    std::vector<std::string> replaced;          // --replace KIND/NAME
    bool replace_secrets = false;               // --replace-secrets
    std::vector<ConfigFileDigest> config_files; // in the order read
    std::vector<SeenObject> seen_objects;       // every object of every collection listed
    std::vector<PlannedAction> actions;         // in a valid apply order
    std::vector<UnmanagedObject> unmanaged;
    std::vector<std::string> notes;    // things worth saying that change nothing
    std::vector<std::string> warnings; // things a reviewer must look at before approving
    std::string scope;                 // the ownership scope planned for; empty: none
    bool deletes_allowed = true;       // false: `deletes: never`, deletions are left in place
    std::size_t max_deletes = 10;      // what apply allows without --max-deletes
    std::vector<KeptObject> left_in_place;
    // Each kind's fields, for the rows of creates planned here (PlannedAction::rows_from_fields).
    std::map<Kind, std::vector<FieldLabel>> field_labels;

    PlanCounts counts() const;
};

} // namespace mailsync
