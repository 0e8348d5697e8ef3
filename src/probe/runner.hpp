// The state of one run of connection tests, inside probe/: the token fetches, the tests, and
// the runner that drives them on one thread. probe.cpp schedules (plans, starts, waits, stops),
// outcome.cpp concludes (results, messages, hints).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "probe/dialog.hpp"
#include "probe/hints.hpp"
#include "probe/probe.hpp"
#include "probe/token.hpp"
#include "probe/transfers.hpp"
#include "util/curl.hpp"

namespace mailsync::probe_run {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// One OAuth2 token fetch, shared by every test that needs the same client, grant and credential.
struct TokenSlot {
    TokenRequest request;
    enum class State { idle, running, done } state = State::idle;
    bool wanted = false;
    std::unique_ptr<curl::Easy> easy;
    HttpTrace trace;
    std::string body;
    TokenResponse response;
    std::string curl_error;
    bool timed_out = false;
    Clock::time_point started;
    milliseconds elapsed{0};
};

// One row of the results: a connection test or an OAuth2 client check.
struct Test {
    ProbeResult result;
    const Connection* connection = nullptr;
    const OAuth2Client* client = nullptr;
    std::string folder;
    std::optional<std::size_t> slot;
    enum class State { waiting, running, dialog, done } state = State::waiting;
    std::unique_ptr<curl::Easy> easy;
    std::unique_ptr<ProtocolTrace> trace;
    std::optional<Dialog> dialog;
    std::string in;
    std::string out;
    bool credentials_withheld = false;
    Clock::time_point started;
    Clock::time_point deadline;
    milliseconds timeout{0};
};

class Runner {
public:
    Runner(const Config& config, const ProbeOptions& options);

    std::vector<ProbeResult> run();

private:
    bool selected(Kind kind, const std::string& name) const {
        return !m_options.selected || m_options.selected(kind, name);
    }
    std::size_t index_of(const Test& test) const {
        return static_cast<std::size_t>(&test - m_tests.data());
    }

    // Scheduling (probe.cpp).
    std::size_t slot_for(const TokenRequest& request);
    void plan_tests();
    void add_connection(const Connection& c, Kind kind, std::string folder);
    void start_slot(TokenSlot& slot);
    void start_test(Test& test);
    void check_deadlines_and_dialogs(std::vector<curl_waitfd>& extra);
    void stop_all(const std::string& why);
    void report_progress();
    void release(Test& test);

    // Concluding (outcome.cpp).
    void finish_slot(TokenSlot& slot, CURLcode code);
    void conclude_client_check(Test& test, const TokenSlot& slot, FailureFacts facts);
    void finish_transfer(Test& test, CURLcode code);
    void start_dialog(Test& test);
    void pump_dialog(Test& test);
    void conclude(Test& test);
    void time_out_dialog(Test& test);
    void fail(Test& test, Phase phase, std::string message, FailureFacts facts,
              std::string brief = {});
    void pass(Test& test);
    FailureFacts facts_of(const Test& test) const;
    std::vector<std::string> trace_of(const Test& test) const;

    const Config& m_config;
    const ProbeOptions& m_options;
    Redactor m_redactor;
    curl::Multi m_multi;
    std::vector<Test> m_tests;
    std::vector<TokenSlot> m_slots;
    std::map<std::string, std::size_t> m_slot_index;
    std::size_t m_done = 0;
    // Bookkeeping that keeps each loop turn proportional to what is in flight, not to the
    // number of resources: transfers and dialogs under way, who owns each finished handle, and
    // the first test that may still be waiting.
    std::size_t m_running = 0;
    std::vector<std::size_t> m_active; // tests running or in their dialog
    std::unordered_map<const curl::Easy*, std::size_t> m_test_of;
    std::unordered_map<const curl::Easy*, std::size_t> m_slot_of;
    std::size_t m_next_waiting = 0;
    std::size_t m_failed = 0;
};

} // namespace mailsync::probe_run
