#include "probe/probe.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "probe/runner.hpp"

namespace mailsync {

namespace probe_run {

namespace {

constexpr milliseconds token_timeout{30'000};

} // namespace

Runner::Runner(const Config& config, const ProbeOptions& options)
    : m_config(config), m_options(options) {
    for_each_secret(config, [&](const Secret& secret, Kind, const std::string&) {
        if (secret.value)
            m_redactor.add(secret.value->reveal());
    });
    plan_tests();
}

std::size_t Runner::slot_for(const TokenRequest& request) {
    auto found = m_slot_index.find(request.key);
    if (found != m_slot_index.end())
        return found->second;
    TokenSlot slot;
    slot.request = request;
    slot.trace.redactor = &m_redactor;
    m_slots.push_back(std::move(slot));
    m_slot_index[request.key] = m_slots.size() - 1;
    return m_slots.size() - 1;
}

void Runner::plan_tests() {
    for (const OAuth2Client& client : m_config.clients) {
        if (!selected(Kind::oauth2_client, client.meta.name))
            continue;
        Test test;
        test.result.kind = Kind::oauth2_client;
        test.result.name = client.meta.name;
        test.client = &client;
        test.slot = slot_for(client_check_request(client));
        m_tests.push_back(std::move(test));
    }
    for (const MailAccount& account : m_config.accounts) {
        if (selected(Kind::mail_account, account.meta.name))
            add_connection(account, Kind::mail_account, account.folder);
    }
    for (const SmtpConnection& smtp : m_config.smtp_connections) {
        if (selected(Kind::smtp_connection, smtp.meta.name))
            add_connection(smtp, Kind::smtp_connection, {});
    }
    for (Test& test : m_tests) {
        if (test.slot)
            m_slots[*test.slot].wanted = true;
    }
}

void Runner::add_connection(const Connection& c, Kind kind, std::string folder) {
    Test test;
    test.result.kind = kind;
    test.result.name = c.meta.name;
    test.result.verified = c.tls.verify || c.encryption == Encryption::none;
    test.connection = &c;
    test.folder = std::move(folder);
    test.timeout = c.timeout;
    if (c.auth && c.auth->oauth2) {
        test.client = m_config.find_client(c.auth->oauth2->client);
        if (test.client != nullptr)
            test.slot = slot_for(token_request(*test.client, *c.auth->oauth2, c.username));
    }
    m_tests.push_back(std::move(test));
}

void Runner::start_slot(TokenSlot& slot) {
    slot.state = TokenSlot::State::running;
    ++m_running;
    slot.started = Clock::now();
    slot.easy = token_transfer(slot.request, token_timeout, slot.body,
                               m_options.keep_trace ? &slot.trace : nullptr);
    m_slot_of[slot.easy.get()] = static_cast<std::size_t>(&slot - m_slots.data());
    m_multi.add(*slot.easy);
}

void Runner::start_test(Test& test) {
    const Connection& c = *test.connection;
    test.state = Test::State::running;
    ++m_running;
    m_active.push_back(index_of(test));
    test.started = Clock::now();
    test.deadline = test.started + test.timeout;
    test.trace =
        std::make_unique<ProtocolTrace>(c.protocol, c.encryption == Encryption::ssl, m_redactor);
    test.credentials_withheld =
        c.encryption == Encryption::none && c.auth && !c.allow_plaintext_auth;
    bool password_login = c.auth && !c.auth->oauth2 && !test.credentials_withheld;
    test.easy = mail_transfer(c, test.timeout, *test.trace, password_login);
    m_test_of[test.easy.get()] = index_of(test);
    m_multi.add(*test.easy);
}

// Closes a test's connection and takes it off the books of what is in flight.
void Runner::release(Test& test) {
    if (test.easy) {
        m_test_of.erase(test.easy.get());
        m_multi.remove(*test.easy);
        test.easy.reset();
    }
    if (test.state == Test::State::running || test.state == Test::State::dialog)
        --m_running;
    test.state = Test::State::done;
}

void Runner::stop_all(const std::string& why) {
    for (TokenSlot& slot : m_slots) {
        if (slot.easy) {
            m_slot_of.erase(slot.easy.get());
            m_multi.remove(*slot.easy);
            slot.easy.reset();
            --m_running;
        }
    }
    for (Test& test : m_tests) {
        if (test.state == Test::State::done)
            continue;
        Phase phase =
            test.trace ? test.trace->phase() : (test.slot ? Phase::token : Phase::resolve);
        fail(test, phase, why, facts_of(test));
    }
}

void Runner::report_progress() {
    if (m_options.on_progress)
        m_options.on_progress({m_done, m_tests.size(), m_running, m_failed});
}

// Moves every dialog on, ends those past their deadline, and lists the sockets to wait on.
void Runner::check_deadlines_and_dialogs(std::vector<curl_waitfd>& extra) {
    Clock::time_point now = Clock::now();
    std::erase_if(m_active, [&](std::size_t i) { return m_tests[i].state == Test::State::done; });
    for (std::size_t i : m_active) {
        Test& test = m_tests[i];
        if (test.state != Test::State::dialog)
            continue;
        if (now >= test.deadline) {
            time_out_dialog(test);
            continue;
        }
        pump_dialog(test);
        if (test.state == Test::State::dialog) {
            short events = CURL_WAIT_POLLIN;
            if (!test.out.empty())
                events |= CURL_WAIT_POLLOUT;
            extra.push_back({test.easy->active_socket(), events, 0});
        }
    }
}

std::vector<ProbeResult> Runner::run() {
    Clock::time_point started = Clock::now();
    std::size_t limit = static_cast<std::size_t>(std::max(1, m_options.parallelism));
    std::size_t last_done = static_cast<std::size_t>(-1);
    while (m_done < m_tests.size()) {
        if (m_options.deadline && since(started) >= *m_options.deadline) {
            stop_all(fmt::format("stopped: the run's --deadline of {} ms was reached",
                                 m_options.deadline->count()));
            break;
        }
        for (TokenSlot& slot : m_slots) {
            if (m_running >= limit)
                break;
            if (slot.wanted && slot.state == TokenSlot::State::idle)
                start_slot(slot);
        }
        while (m_next_waiting < m_tests.size() &&
               m_tests[m_next_waiting].state != Test::State::waiting)
            ++m_next_waiting;
        for (std::size_t i = m_next_waiting; i < m_tests.size() && m_running < limit; ++i) {
            Test& test = m_tests[i];
            if (test.state != Test::State::waiting || test.connection == nullptr)
                continue;
            if (test.slot && m_slots[*test.slot].state != TokenSlot::State::done)
                continue;
            const Connection& c = *test.connection;
            if (c.auth && c.auth->oauth2 && !test.slot) {
                // The loader refuses a reference to an undeclared client; never log in without.
                fail(test, Phase::token,
                     fmt::format("OAuth2Client '{}' is not declared", c.auth->oauth2->client),
                     facts_of(test));
                continue;
            }
            start_test(test);
        }

        m_multi.perform();
        while (std::optional<curl::Multi::Done> done = m_multi.next_done()) {
            if (auto slot = m_slot_of.find(done->easy); slot != m_slot_of.end()) {
                finish_slot(m_slots[slot->second], done->result);
            } else if (auto test = m_test_of.find(done->easy); test != m_test_of.end()) {
                if (m_tests[test->second].state == Test::State::running)
                    finish_transfer(m_tests[test->second], done->result);
            }
        }

        std::vector<curl_waitfd> extra;
        check_deadlines_and_dialogs(extra);
        if (m_done != last_done) {
            last_done = m_done;
            report_progress();
        }
        if (m_done < m_tests.size())
            m_multi.poll(extra, milliseconds(50));
    }
    report_progress();

    std::vector<ProbeResult> results;
    results.reserve(m_tests.size());
    for (Test& test : m_tests)
        results.push_back(std::move(test.result));
    return results;
}

} // namespace probe_run

std::vector<ProbeResult> run_probes(const Config& config, const ProbeOptions& options) {
    probe_run::Runner runner(config, options);
    return runner.run();
}

} // namespace mailsync
