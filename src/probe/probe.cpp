#include "probe/probe.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "probe/dialog.hpp"
#include "probe/hints.hpp"
#include "probe/token.hpp"
#include "util/curl.hpp"

namespace mailsync {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds token_timeout{30'000};
constexpr std::size_t max_token_body = 64 * 1024;

std::string revealed(const std::optional<Secret>& secret) {
    return secret && secret->value ? secret->value->reveal() : std::string();
}

milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// The redacted trace of an HTTP exchange with a token endpoint.
struct HttpTrace {
    const Redactor* redactor = nullptr;
    std::vector<std::string> lines;
};

int mail_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    static_cast<ProtocolTrace*>(user)->on_curl(type, std::string_view(data, size));
    return 0;
}

int http_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    auto* trace = static_cast<HttpTrace*>(user);
    std::string_view text(data, size);
    std::string_view prefix = type == CURLINFO_TEXT         ? "* "
                              : type == CURLINFO_HEADER_OUT ? "> "
                              : type == CURLINFO_HEADER_IN  ? "< "
                              : type == CURLINFO_DATA_OUT   ? "> "
                              : type == CURLINFO_DATA_IN    ? "< "
                                                            : "";
    if (prefix.empty() || trace->lines.size() > 200)
        return 0;
    std::string shown = trace->redactor->apply(redact_http(text));
    std::size_t at = 0;
    while (at < shown.size()) {
        std::size_t end = shown.find('\n', at);
        std::string line = shown.substr(at, end == std::string::npos ? end : end - at);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (!line.empty())
            trace->lines.push_back(std::string(prefix) + line);
        if (end == std::string::npos)
            break;
        at = end + 1;
    }
    return 0;
}

size_t collect_body(char* data, size_t size, size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    std::size_t bytes = size * count;
    if (body->size() < max_token_body)
        body->append(data, std::min(bytes, max_token_body - body->size()));
    return bytes;
}

void apply_tls(curl::Easy& easy, const TlsSettings& tls) {
    easy.set(CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
    easy.set(CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
    if (!tls.ca_file.empty()) {
        // The resource's CA file replaces the system store rather than adding to it.
        easy.set(CURLOPT_CAINFO, tls.ca_file);
        easy.set(CURLOPT_CAPATH, static_cast<void*>(nullptr));
    }
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

bool has_password(const Connection& c) {
    return c.auth && (c.auth->password || c.auth->admin);
}

class Runner {
public:
    Runner(const Config& config, const ProbeOptions& options)
        : m_config(config), m_options(options) {
        for_each_secret(config, [&](const Secret& secret, Kind, const std::string&) {
            if (secret.value)
                m_redactor.add(secret.value->reveal());
        });
        plan_tests();
    }

    std::vector<ProbeResult> run();

private:
    bool selected(Kind kind, const std::string& name) const {
        return !m_options.selected || m_options.selected(kind, name);
    }

    std::size_t slot_for(const TokenRequest& request) {
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

    void plan_tests();
    void add_connection(const Connection& c, Kind kind, std::string folder);
    void start_slot(TokenSlot& slot);
    void finish_slot(TokenSlot& slot, CURLcode code);
    void start_test(Test& test);
    void finish_transfer(Test& test, CURLcode code);
    void pump_dialog(Test& test);
    void conclude(Test& test);
    void fail(Test& test, Phase phase, std::string message, FailureFacts facts);
    void pass(Test& test);
    FailureFacts facts_of(const Test& test) const;
    std::vector<std::string> trace_of(const Test& test) const;
    void stop_all(const std::string& why);
    void report_progress();
    std::size_t index_of(const Test& test) const {
        return static_cast<std::size_t>(&test - m_tests.data());
    }
    void release(Test& test);

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
    slot.easy = std::make_unique<curl::Easy>();
    curl::Easy& easy = *slot.easy;
    easy.set(CURLOPT_URL, slot.request.url);
    easy.set(CURLOPT_POSTFIELDS, slot.request.body);
    easy.set(CURLOPT_PROTOCOLS_STR, std::string("https,http"));
    easy.set_headers(curl_slist_append(nullptr, "Accept: application/json"));
    easy.set(CURLOPT_TIMEOUT_MS, static_cast<long>(token_timeout.count()));
    easy.set(CURLOPT_USERAGENT, std::string("mailsync"));
    apply_tls(easy, slot.request.tls);
    easy.set_callback(CURLOPT_WRITEFUNCTION, collect_body);
    easy.set(CURLOPT_WRITEDATA, static_cast<void*>(&slot.body));
    if (m_options.keep_trace) {
        easy.set(CURLOPT_VERBOSE, 1L);
        easy.set_callback(CURLOPT_DEBUGFUNCTION, http_debug);
        easy.set(CURLOPT_DEBUGDATA, static_cast<void*>(&slot.trace));
    }
    m_slot_of[&easy] = static_cast<std::size_t>(&slot - m_slots.data());
    m_multi.add(easy);
}

void Runner::finish_slot(TokenSlot& slot, CURLcode code) {
    slot.state = TokenSlot::State::done;
    slot.elapsed = since(slot.started);
    if (code == CURLE_OK) {
        slot.response = parse_token_response(slot.easy->response_code(), slot.body);
        if (slot.response.ok)
            m_redactor.add(slot.response.access_token);
    } else {
        slot.curl_error = slot.easy->error_text(code);
        slot.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    }
    slot.body.clear();
    m_slot_of.erase(slot.easy.get());
    m_multi.remove(*slot.easy);
    slot.easy.reset();
    --m_running;

    // Client checks conclude now; connections waiting on the token start later or fail here.
    std::size_t index = static_cast<std::size_t>(&slot - m_slots.data());
    for (Test& test : m_tests) {
        if (test.slot != index || test.state != Test::State::waiting)
            continue;
        FailureFacts facts = facts_of(test);
        facts.phase = Phase::token;
        facts.curl_error = slot.curl_error;
        facts.timed_out = slot.timed_out;
        facts.oauth_error = slot.response.error;
        facts.grant = slot.request.grant;
        std::string refusal = m_redactor.apply(
            slot.response.description.empty()
                ? slot.response.error
                : fmt::format("{}: {}", slot.response.error, slot.response.description));
        std::string where = fmt::format("token endpoint {}", slot.request.url);
        test.result.elapsed = slot.elapsed;
        test.result.trace = slot.trace.lines;
        if (test.connection == nullptr) {
            bool accepted = slot.response.ok || (slot.request.grant == Grant::refresh_token &&
                                                 slot.response.error == "invalid_grant");
            if (accepted) {
                test.result.ok = true;
                test.result.detail =
                    slot.response.ok
                        ? fmt::format("{}: client accepted, token issued", where)
                        : fmt::format("{}: client accepted (a made-up refresh token was refused "
                                      "with invalid_grant, as it should be)",
                                      where);
                test.result.verified = slot.request.tls.verify;
                test.state = Test::State::done;
                ++m_done;
                continue;
            }
            facts.grant = std::nullopt;
            fail(test, Phase::token,
                 slot.curl_error.empty() ? fmt::format("{} refused the client: {}", where, refusal)
                                         : fmt::format("{}: {}", where, slot.curl_error),
                 facts);
            continue;
        }
        if (!slot.response.ok)
            fail(test, Phase::token,
                 slot.curl_error.empty() ? fmt::format("{} refused the {} grant: {}", where,
                                                       grant_name(slot.request.grant), refusal)
                                         : fmt::format("{}: {}", where, slot.curl_error),
                 facts);
    }
}

void Runner::start_test(Test& test) {
    const Connection& c = *test.connection;
    test.state = Test::State::running;
    ++m_running;
    m_active.push_back(index_of(test));
    test.started = Clock::now();
    milliseconds budget = test.timeout;
    test.deadline = test.started + budget;
    test.trace =
        std::make_unique<ProtocolTrace>(c.protocol, c.encryption == Encryption::ssl, m_redactor);
    test.easy = std::make_unique<curl::Easy>();
    curl::Easy& easy = *test.easy;

    std::string scheme(protocol_name(c.protocol));
    if (c.encryption == Encryption::ssl)
        scheme += 's';
    std::string host = c.host.find(':') != std::string::npos ? "[" + c.host + "]" : c.host;
    easy.set(CURLOPT_URL, fmt::format("{}://{}:{}/", scheme, host, c.port));
    easy.set(CURLOPT_CONNECT_ONLY, 1L);
    easy.set(CURLOPT_USE_SSL,
             c.encryption == Encryption::starttls ? long{CURLUSESSL_ALL} : long{CURLUSESSL_NONE});
    apply_tls(easy, c.tls);
    easy.set(CURLOPT_TIMEOUT_MS, static_cast<long>(budget.count()));
    easy.set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(budget.count()));
    easy.set(CURLOPT_VERBOSE, 1L);
    easy.set_callback(CURLOPT_DEBUGFUNCTION, mail_debug);
    easy.set(CURLOPT_DEBUGDATA, static_cast<void*>(test.trace.get()));

    test.credentials_withheld =
        c.encryption == Encryption::none && c.auth && !c.allow_plaintext_auth;
    if (c.auth && !test.credentials_withheld) {
        if (c.auth->password) {
            easy.set(CURLOPT_USERNAME, c.username);
            easy.set(CURLOPT_PASSWORD, revealed(c.auth->password));
        } else if (c.auth->oauth2 && test.slot) {
            const OAuth2Auth& oauth2 = *c.auth->oauth2;
            easy.set(CURLOPT_USERNAME, c.username);
            easy.set(CURLOPT_XOAUTH2_BEARER, m_slots[*test.slot].response.access_token);
            easy.set(CURLOPT_LOGIN_OPTIONS,
                     fmt::format("AUTH={}", mechanism_name(oauth2.mechanism)));
        } else if (c.auth->admin) {
            const AdminAuth& admin = *c.auth->admin;
            easy.set(CURLOPT_PASSWORD, revealed(admin.password));
            if (admin.user.empty()) {
                easy.set(CURLOPT_USERNAME, c.username); // the shared "magic password"
            } else if (admin.login == AdminLogin::master) {
                easy.set(CURLOPT_USERNAME, c.username + admin.separator + admin.user);
            } else {
                easy.set(CURLOPT_USERNAME, admin.user);
                easy.set(CURLOPT_SASL_AUTHZID, c.username);
                easy.set(CURLOPT_LOGIN_OPTIONS, std::string("AUTH=PLAIN"));
            }
        }
    }
    m_test_of[&easy] = index_of(test);
    m_multi.add(easy);
}

FailureFacts Runner::facts_of(const Test& test) const {
    FailureFacts facts;
    if (test.client != nullptr) {
        facts.provider = test.client->provider;
        facts.client = test.client->meta.name;
    }
    if (test.connection != nullptr) {
        const Connection& c = *test.connection;
        facts.protocol = c.protocol;
        facts.host = c.host;
        facts.port = c.port;
        facts.encryption = c.encryption;
        facts.password_auth = has_password(c);
        facts.timeout = c.timeout;
        if (c.auth && c.auth->oauth2)
            facts.grant = c.auth->oauth2->grant;
    }
    return facts;
}

// The token request's trace (when the test needed one), then the connection's.
std::vector<std::string> Runner::trace_of(const Test& test) const {
    std::vector<std::string> lines;
    if (test.slot)
        lines = m_slots[*test.slot].trace.lines;
    if (test.trace)
        lines.insert(lines.end(), test.trace->lines().begin(), test.trace->lines().end());
    return lines;
}

Phase failed_phase(CURLcode code, const ProtocolTrace& trace) {
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return Phase::resolve;
    case CURLE_COULDNT_CONNECT:
        return Phase::connect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
        return Phase::tls;
    case CURLE_LOGIN_DENIED:
        return Phase::auth;
    default:
        break;
    }
    Phase phase = trace.phase();
    return phase == Phase::done || phase == Phase::token ? Phase::greeting : phase;
}

void Runner::finish_transfer(Test& test, CURLcode code) {
    const ProtocolTrace& trace = *test.trace;
    if (code == CURLE_OK) {
        if (test.credentials_withheld) {
            fail(test, Phase::auth,
                 "credentials not sent: the connection is not encrypted and the resource does "
                 "not say allowPlaintextAuth: true",
                 facts_of(test));
            return;
        }
        test.state = Test::State::dialog;
        test.trace->set_phase(Phase::folder);
        test.dialog.emplace(test.connection->protocol, test.folder);
        test.out = test.dialog->start();
        std::string shown = test.out.substr(0, test.out.size() - 2);
        test.trace->on_sent(shown);
        pump_dialog(test);
        return;
    }
    FailureFacts facts = facts_of(test);
    facts.phase = failed_phase(code, trace);
    facts.curl_error = m_redactor.apply(test.easy->error_text(code));
    facts.server_words = trace.last_server_line();
    facts.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    facts.starttls_missing = code == CURLE_USE_SSL_FAILED;
    std::string message;
    switch (facts.phase) {
    case Phase::greeting:
    case Phase::auth:
        if (facts.timed_out)
            message = fmt::format("no answer within {} ms{}", test.timeout.count(),
                                  trace.greeted() ? "" : " (the server sent no greeting)");
        else if (!trace.last_server_line().empty())
            message = trace.last_server_line();
        else
            message = facts.curl_error;
        if (!trace.sasl_error().empty())
            message += fmt::format(" [{}]", trace.sasl_error());
        break;
    default:
        message = facts.timed_out && facts.phase == Phase::tls
                      ? fmt::format("no TLS handshake within {} ms", test.timeout.count())
                      : facts.curl_error;
        break;
    }
    fail(test, facts.phase, std::move(message), facts);
}

void Runner::pump_dialog(Test& test) {
    curl::Easy& easy = *test.easy;
    for (;;) {
        while (!test.out.empty()) {
            std::size_t sent = 0;
            CURLcode code = easy.send(test.out, sent);
            if (code == CURLE_AGAIN)
                break;
            if (code != CURLE_OK) {
                conclude(test);
                return;
            }
            test.out.erase(0, sent);
        }
        char buffer[16 * 1024];
        std::size_t received = 0;
        CURLcode code = easy.recv(buffer, sizeof buffer, received);
        if (code == CURLE_AGAIN)
            return;
        if (code != CURLE_OK || received == 0) {
            conclude(test); // closed: after LOGOUT/QUIT that is the normal end
            return;
        }
        test.in.append(buffer, received);
        for (std::size_t end; (end = test.in.find("\r\n")) != std::string::npos;) {
            std::string line = test.in.substr(0, end);
            test.in.erase(0, end + 2);
            test.trace->on_received(line);
            Dialog::Step step = test.dialog->on_line(line);
            if (!step.send.empty()) {
                test.trace->on_sent(step.send.substr(0, step.send.size() - 2));
                test.out += step.send;
            }
            if (step.finished) {
                conclude(test);
                return;
            }
        }
    }
}

// The end of a test that got past login: passed, or failed at the folder.
void Runner::conclude(Test& test) {
    if (!test.dialog->checked()) {
        FailureFacts facts = facts_of(test);
        facts.phase = Phase::folder;
        fail(test, Phase::folder,
             test.trace->last_server_line().empty() ? "the server closed the connection"
                                                    : test.trace->last_server_line(),
             facts);
        return;
    }
    if (const std::optional<std::string>& failure = test.dialog->failure()) {
        FailureFacts facts = facts_of(test);
        facts.phase = Phase::folder;
        facts.server_words = *failure;
        fail(test, Phase::folder, m_redactor.apply(*failure), facts);
        return;
    }
    pass(test);
}

void Runner::pass(Test& test) {
    const Connection& c = *test.connection;
    const ProtocolTrace& trace = *test.trace;
    std::vector<std::string> parts;
    if (c.encryption == Encryption::none)
        parts.push_back("no TLS");
    else
        parts.push_back(trace.tls_version().empty() ? std::string("TLS") : trace.tls_version());
    if (!c.tls.verify && c.encryption != Encryption::none)
        parts.push_back("certificate NOT verified (tls.verify: false)");
    if (!trace.mechanism().empty())
        parts.push_back("login " + trace.mechanism());
    if (!test.dialog->summary().empty())
        parts.push_back(test.dialog->summary());
    test.result.ok = true;
    test.result.detail = fmt::format("{}", fmt::join(parts, "; "));
    test.result.elapsed = since(test.started);
    if (m_options.keep_trace)
        test.result.trace = trace_of(test);
    release(test);
    ++m_done;
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

void Runner::fail(Test& test, Phase phase, std::string message, FailureFacts facts) {
    facts.phase = phase;
    test.result.ok = false;
    test.result.phase = phase;
    test.result.message = m_redactor.apply(message);
    test.result.hint = hint_for(facts);
    if (test.state != Test::State::waiting)
        test.result.elapsed = since(test.started);
    if (test.trace && m_options.keep_trace)
        test.result.trace = trace_of(test);
    release(test);
    ++m_done;
    ++m_failed;
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
        Clock::time_point now = Clock::now();
        std::erase_if(m_active,
                      [&](std::size_t i) { return m_tests[i].state == Test::State::done; });
        for (std::size_t i : m_active) {
            Test& test = m_tests[i];
            if (test.state != Test::State::dialog)
                continue;
            if (now >= test.deadline) {
                FailureFacts facts = facts_of(test);
                facts.timed_out = true;
                if (test.dialog->checked())
                    pass(test); // the folder was fine; only the goodbye was slow
                else
                    fail(test, Phase::folder,
                         fmt::format("no answer within {} ms", test.timeout.count()), facts);
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

} // namespace

std::vector<ProbeResult> run_probes(const Config& config, const ProbeOptions& options) {
    Runner runner(config, options);
    return runner.run();
}

} // namespace mailsync
