#include "apply/executor.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace mailsync {

namespace {

std::string resource_key(Kind kind, const std::string& name) {
    return fmt::format("{}/{}", kind_name(kind), name);
}

class Executor {
public:
    Executor(const Plan& plan, const std::map<FingerprintKey, SecretValue>& secrets,
             std::map<std::string, std::string> ids, Target& target, StateStore& state,
             const std::string& run_id, const ApplyOptions& options)
        : m_plan(plan), m_secrets(secrets), m_ids(std::move(ids)), m_target(target), m_state(state),
          m_run_id(run_id), m_options(options),
          m_report{std::vector<ActionResult>(plan.actions.size()), 0, 0, 0, 0, 0, 0, {}},
          m_waiting(plan.actions.size()), m_dependents(plan.actions.size()) {}

    ApplyReport run() {
        std::vector<JournalEntry> entries;
        for (std::size_t i = 0; i < m_plan.actions.size(); ++i) {
            const PlannedAction& action = m_plan.actions[i];
            m_waiting[i] = action.depends_on.size();
            for (std::size_t dependency : action.depends_on)
                m_dependents[dependency].push_back(i);
            if (runs(action))
                entries.push_back({static_cast<int>(i), action.kind, action.name,
                                   std::string(action_name(action.type)), TaskStatus::fresh, "", "",
                                   ""});
        }
        if (auto ok = m_state.start_run(m_run_id, "apply", m_target.describe(), entries); !ok) {
            for (ActionResult& result : m_report.results)
                result = {Outcome::failed, ok.error().message};
            m_report.failed = entries.size();
            return m_report;
        }
        for (std::size_t i = 0; i < m_plan.actions.size(); ++i) {
            if (m_waiting[i] == 0)
                m_ready.push_back(i);
        }
        m_open = m_plan.actions.size();
        std::size_t workers =
            std::max<std::size_t>(1, std::min(m_options.parallelism, entries.size()));
        {
            std::vector<std::jthread> threads;
            for (std::size_t i = 1; i < workers; ++i)
                threads.emplace_back([this] { work(); });
            work();
        }
        // The state's last answers come with this write's (a PostgreSQL state does not wait
        // for each journal write).
        if (auto ok = m_state.finish_run(m_run_id, m_report.ok() ? "completed" : "failed"); !ok)
            m_report.state_error = ok.error().message;
        return m_report;
    }

private:
    static bool runs(const PlannedAction& action) {
        return action.type != ActionType::noop || action.adopt;
    }

    void work() {
        std::unique_lock lock(m_mutex);
        while (true) {
            m_changed.wait(lock, [this] { return !m_ready.empty() || m_open == 0; });
            if (m_open == 0)
                return;
            std::size_t index = m_ready.front();
            m_ready.pop_front();
            lock.unlock();
            ActionResult result = perform(index);
            lock.lock();
            finish(index, std::move(result));
        }
    }

    // Called with the lock held: records the result and releases or skips the dependents.
    void finish(std::size_t index, ActionResult result) {
        const PlannedAction& action = m_plan.actions[index];
        switch (result.outcome) {
        case Outcome::completed:
            if (action.type == ActionType::create)
                ++m_report.created;
            else if (action.type == ActionType::update)
                ++m_report.updated;
            else if (action.type == ActionType::remove)
                ++m_report.deleted;
            else
                ++m_report.adopted;
            break;
        case Outcome::failed:
            ++m_report.failed;
            break;
        case Outcome::skipped:
            ++m_report.skipped;
            break;
        case Outcome::unchanged:
            break;
        }
        bool went_wrong = result.outcome == Outcome::failed || result.outcome == Outcome::skipped;
        m_report.results[index] = std::move(result);
        --m_open;
        for (std::size_t dependent : m_dependents[index]) {
            if (went_wrong && !m_skipped[dependent]) {
                m_skipped[dependent] = true;
                m_skip_reason[dependent] = resource_key(action.kind, action.name);
            }
            if (--m_waiting[dependent] == 0)
                m_ready.push_back(dependent);
        }
        m_changed.notify_all();
    }

    ActionResult perform(std::size_t index) {
        const PlannedAction& action = m_plan.actions[index];
        if (!runs(action))
            return {Outcome::unchanged, ""};
        int seq = static_cast<int>(index);
        std::string skipped_because;
        {
            std::lock_guard lock(m_mutex);
            if (m_skipped[index])
                skipped_because = m_skip_reason[index];
        }
        if (!skipped_because.empty()) {
            std::string message =
                fmt::format("skipped: it depends on {}, which did not complete", skipped_because);
            record_error(action, seq, message);
            return {Outcome::skipped, message};
        }
        {
            std::lock_guard lock(m_state_mutex);
            (void)m_state.mark_pending(m_run_id, seq);
        }
        if (m_options.progress)
            m_options.progress(action, TaskStatus::pending, "");

        Result<StateChange> change = write(action);
        if (!change) {
            record_error(action, seq, change.error().message);
            return {Outcome::failed, change.error().message};
        }
        {
            std::lock_guard lock(m_state_mutex);
            if (auto ok = m_state.mark_completed(m_run_id, seq, *change, ""); !ok) {
                std::string message = fmt::format("written to the target, but the state could not "
                                                  "record it: {}",
                                                  ok.error().message);
                return {Outcome::failed, message};
            }
        }
        if (m_options.progress)
            m_options.progress(action, TaskStatus::completed, "");
        return {Outcome::completed, ""};
    }

    void record_error(const PlannedAction& action, int seq, const std::string& message) {
        {
            std::lock_guard lock(m_state_mutex);
            (void)m_state.mark_error(m_run_id, seq, message);
        }
        if (m_options.progress)
            m_options.progress(action, TaskStatus::error, message);
    }

    // The target write of one action, and what the state must then remember.
    Result<StateChange> write(const PlannedAction& action) {
        StateChange change{
            action.kind,         action.name, action.target_id, {}, action.cleared_secrets,
            action.previous_name};
        if (action.type == ActionType::remove) {
            TargetResult<void> removed =
                m_target.remove(action.collection, action.target_id, action.seen_version);
            if (!removed)
                return fail(removed.error().message);
            change.target_id.reset();
            return change;
        }
        if (action.type == ActionType::noop)
            return change; // adopted as it is

        WriteRequest request;
        request.fields = action.fields;
        for (auto& [key, value] : request.fields.items()) {
            if (!value.is_object() || !value.contains("$ref"))
                continue;
            std::string reference = value["$ref"];
            std::lock_guard lock(m_mutex);
            auto id = m_ids.find(reference);
            if (id == m_ids.end())
                return fail(fmt::format("{} has no id in the target", reference));
            value = id->second;
        }
        for (const std::string& key : action.cleared_secrets)
            request.fields[key] = nullptr;
        for (const SecretSlot& slot : action.secrets) {
            auto value = m_secrets.find(FingerprintKey{action.kind, action.name, slot.key});
            if (value == m_secrets.end())
                return fail(fmt::format("the secret for {} has no value", slot.label));
            request.secrets.emplace_back(slot.key, value->second);
            change.fingerprints[slot.key] = slot.fingerprint;
        }

        TargetResult<TargetObject> written =
            action.type == ActionType::create ? m_target.create(action.collection, request)
                                              : m_target.update(action.collection, action.target_id,
                                                                action.seen_version, request);
        if (!written) {
            if (written.error().code == TargetError::Code::conflict)
                return fail(fmt::format("conflict: {}", written.error().message));
            return fail(written.error().message);
        }
        change.target_id = written->id;
        if (action.kind == Kind::oauth2_client) {
            std::lock_guard lock(m_mutex);
            m_ids[resource_key(action.kind, action.name)] = written->id;
        }
        return change;
    }

    const Plan& m_plan;
    const std::map<FingerprintKey, SecretValue>& m_secrets;
    std::map<std::string, std::string> m_ids;
    Target& m_target;
    StateStore& m_state;
    const std::string& m_run_id;
    const ApplyOptions& m_options;
    ApplyReport m_report;

    std::mutex m_mutex; // guards everything below and m_ids
    std::mutex m_state_mutex;
    std::condition_variable m_changed;
    std::vector<std::size_t> m_waiting;
    std::vector<std::vector<std::size_t>> m_dependents;
    std::map<std::size_t, bool> m_skipped;
    std::map<std::size_t, std::string> m_skip_reason;
    std::deque<std::size_t> m_ready;
    std::size_t m_open = 0;
};

} // namespace

ApplyReport execute_plan(const Plan& plan, const std::map<FingerprintKey, SecretValue>& secrets,
                         std::map<std::string, std::string> ids, Target& target, StateStore& state,
                         const std::string& run_id, const ApplyOptions& options) {
    return Executor(plan, secrets, std::move(ids), target, state, run_id, options).run();
}

std::string describe(const ApplyReport& report) {
    std::string out = fmt::format("{} created, {} updated, {} deleted", report.created,
                                  report.updated, report.deleted);
    if (report.adopted > 0)
        out += fmt::format(", {} adopted", report.adopted);
    return out + fmt::format(", {} failed, {} skipped", report.failed, report.skipped);
}

} // namespace mailsync
