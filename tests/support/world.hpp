// A target, a state and a configuration in a temporary folder, for tests of plan and apply.
#pragma once

#include <catch2/catch.hpp>

#include "apply/executor.hpp"
#include "config/mapping_file.hpp"
#include "plan/diff.hpp"
#include "plan/session.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "target/sqlite_target.hpp"

namespace mailsync::test {

class World {
public:
    World() {
        SourceFiles sources;
        Diagnostics diagnostics;
        profile = *load_mapping("server-to-cloud", sources, diagnostics);
        options.paths = {dir.file("config")};
        options.target = "sqlite:" + dir.file("target.db");
        options.state = dir.file("state.db");
        options.env = [](const std::string& name) -> std::optional<std::string> {
            if (name.starts_with("MAILSYNC_")) // mailsync's own settings: none given
                return std::nullopt;
            return "value-of-" + name;
        };
    }

    // Writes the configuration (replacing the last one).
    void configure(const std::string& yaml) { write_file(dir.file("config/c.yaml"), yaml); }

    // Plans; fails the test on any problem unless `problems` is given.
    Plan plan(Diagnostics* problems = nullptr) {
        session = open_session(options, profile);
        if (session_open(session))
            plan_session(session, options, profile);
        if (problems != nullptr) {
            problems->append(session.loaded.diagnostics);
        } else {
            for (const Diagnostic& d : session.loaded.diagnostics.items())
                INFO(d.message);
            REQUIRE_FALSE(session.loaded.diagnostics.has_errors());
        }
        return session.plan;
    }

    ApplyReport apply(const Plan& plan, std::size_t parallelism = 4) {
        ApplyOptions apply_options;
        apply_options.parallelism = parallelism;
        run_id = new_run_id();
        return execute_plan(plan, secret_values(session.loaded.config, profile),
                            client_ids(session.snapshot, profile), *session.target, *session.state,
                            run_id, apply_options);
    }

    // Plans and applies; the plan must then show no changes.
    void converge() {
        ApplyReport report = apply(plan());
        REQUIRE(report.ok());
        REQUIRE_FALSE(plan().counts().has_changes());
    }

    std::vector<TargetObject> objects(const std::string& collection) {
        auto target = SqliteTarget::open(options.target);
        return *(*target)->list(collection);
    }

    TempDir dir;
    MappingProfile profile;
    SessionOptions options;
    Session session;
    std::string run_id;
};

inline const PlannedAction& find_action(const Plan& plan, Kind kind, const std::string& name) {
    for (const PlannedAction& action : plan.actions) {
        if (action.kind == kind && action.name == name)
            return action;
    }
    FAIL("no action for " << name);
    return plan.actions.front();
}

inline const std::string client_yaml =
    "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata:\n  name: g\nspec:\n"
    "  provider: google\n  clientId: id\n  clientSecret: ${env:G_SECRET}\n";

inline std::string
account_yaml(const std::string& name, const std::string& extra = "",
             const std::string& auth = "  auth:\n    oauth2: {client: g, refreshToken: "
                                       "\"${env:RT}\"}\n") {
    return "---\napiVersion: mailsync/v1\nkind: MailAccount\nmetadata:\n  name: " + name +
           "\nspec:\n  protocol: imap\n  host: imap.gmail.com\n  username: u@example.com\n" + auth +
           extra;
}

} // namespace mailsync::test
