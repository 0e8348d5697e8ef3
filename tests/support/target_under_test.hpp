// The CLI tests of plan and apply run against either target: the embedded sqlite: file, or the
// https fixture server of the contract; and against either state backend (state_under_test.hpp).
// All must behave exactly alike.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "config/run_settings.hpp"
#include "support/process.hpp"
#include "support/sample_config.hpp"
#include "support/state_under_test.hpp"
#include "support/target_server.hpp"
#include "support/temp_dir.hpp"

namespace mailsync::test {

class TargetUnderTest {
public:
    // "sqlite" or "https"; the state "sqlite" (the default file) or "postgres".
    explicit TargetUnderTest(std::string kind, std::string state = "sqlite")
        : m_kind(std::move(kind)), m_state(std::move(state)) {
        if (m_kind == "https")
            m_server = std::make_unique<TargetServer>();
    }

    bool https() const { return m_server != nullptr; }
    TargetServer& server() { return *m_server; }

    // The environment of a mailsync run in `dir` that uses this target.
    RunOptions in(const TempDir& dir) const {
        RunOptions options;
        options.cwd = dir.path();
        options.env = test_secrets();
        if (m_state.postgres())
            options.env["MAILSYNC_STATE"] = state_location(dir);
        if (m_server) {
            for (const auto& [name, value] : m_server->env())
                options.env[name] = value;
            options.env["MAILSYNC_TARGET_TIMEOUT"] = "5s";
        }
        return options;
    }

    bool postgres_state() const { return m_state.postgres(); }
    // The --state of the runs: the default file, or this test's PostgreSQL namespace.
    std::string state_location(const TempDir& dir) const {
        return m_state.postgres() ? m_state.location(dir) : state();
    }
    // How mailsync names the state in its output.
    std::string describe_state(const TempDir& dir) const {
        return m_state.postgres() ? m_state.describe(dir) : state();
    }

    // How mailsync names the target in its output.
    std::string describe() const {
        return m_server ? m_server->url() : "sqlite:.mailsync/target.db";
    }

    // The state mailsync uses by default with this target, below the current folder.
    std::string state() const { return default_state_for(".", describe()); }

    // The target URL whose every write takes `ms` longer.
    std::string slow_writes(int ms) const {
        if (!m_server)
            return "sqlite:.mailsync/target.db?write-delay-ms=" + std::to_string(ms);
        m_server->set_faults({{"faults",
                               {{{"kind", "latency"}, {"route", "POST"}, {"ms", ms}},
                                {{"kind", "latency"}, {"route", "PUT"}, {"ms", ms}},
                                {{"kind", "latency"}, {"route", "DELETE"}, {"ms", ms}}}}});
        return m_server->url();
    }

    // The target URL whose `k`-th write (1-based) fails, and the words of that failure.
    std::pair<std::string, std::string> failing_write(int k) const {
        if (!m_server)
            return {"sqlite:.mailsync/target.db?fail-write=" + std::to_string(k),
                    "injected failure on write " + std::to_string(k)};
        m_server->set_faults({{"faults",
                               {{{"kind", "status"},
                                 {"status", 500},
                                 {"route", "POST"},
                                 {"skip", k - 1},
                                 {"count", 1}}}}});
        return {m_server->url(), "500 Internal Server Error: injected 500"};
    }

    std::vector<TargetObject> objects(const TempDir& dir, const std::string& collection) const {
        auto target = m_server ? open_target(m_server->url(), m_server->options())
                               : open_target("sqlite:" + dir.file(".mailsync/target.db"));
        REQUIRE(target);
        auto listed = (*target)->list(collection);
        REQUIRE(listed);
        return *listed;
    }

    std::size_t count_objects(const TempDir& dir) const {
        std::size_t total = 0;
        for (const char* collection : {"oauth2-clients", "mail-accounts", "smtp-connections"})
            total += objects(dir, collection).size();
        return total;
    }

private:
    std::string m_kind;
    StateUnderTest m_state;
    std::unique_ptr<TargetServer> m_server;
};

// Each test of plan and apply runs once per target.
#define FOR_EACH_TARGET(name)                                                                      \
    std::string target_kind = GENERATE(as<std::string>{}, "sqlite", "https");                      \
    INFO("target " << target_kind);                                                                \
    TargetUnderTest name(target_kind)

// Each test of plan and apply runs once per target and state backend; tag it [postgres].
#define FOR_EACH_TARGET_AND_STATE(name)                                                            \
    std::string target_kind = GENERATE(as<std::string>{}, "sqlite", "https");                      \
    std::string state_kind = GENERATE(as<std::string>{}, "sqlite", "postgres");                    \
    INFO("target " << target_kind << ", state " << state_kind);                                    \
    TargetUnderTest name(target_kind, state_kind)

} // namespace mailsync::test
