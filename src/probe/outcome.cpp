// How each test of a run ends: the token endpoint's answer, the connection's libcurl result, the
// dialog after it; the result's words, phase and hint.
#include <fmt/format.h>

#include "probe/runner.hpp"
#include "probe/server_text.hpp"

namespace mailsync::probe_run {

namespace {

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

// `words`, and the error the server told in a SASL challenge, decoded.
std::string with_sasl_error(std::string words, const ProtocolTrace& trace) {
    if (!trace.sasl_error().empty())
        words += fmt::format(" [{}]", trace.sasl_error());
    return words;
}

// What the token endpoint said: its error and description, whole or (`brief`) the description's
// first sentence.
std::string refusal_words(const TokenResponse& response, bool brief) {
    if (response.description.empty())
        return response.error;
    return fmt::format("{}: {}", response.error,
                       brief ? first_sentence(response.description) : response.description);
}

std::string host_of(const std::string& url) {
    std::optional<curl::UrlParts> parts = curl::split_url(url);
    return parts ? parts->host : std::string();
}

} // namespace

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
    const TokenResponse& response = slot.response;
    std::string where = fmt::format("token endpoint {}", slot.request.url);
    for (Test& test : m_tests) {
        if (test.slot != index || test.state != Test::State::waiting)
            continue;
        FailureFacts facts = facts_of(test);
        facts.phase = Phase::token;
        facts.host = host_of(slot.request.url);
        facts.curl_error = slot.curl_error;
        facts.timed_out = slot.timed_out;
        facts.oauth_error = response.error;
        facts.grant = slot.request.grant;
        test.result.elapsed = slot.elapsed;
        test.result.trace = slot.trace.lines;
        if (test.connection == nullptr) {
            conclude_client_check(test, slot, facts);
            continue;
        }
        if (response.ok)
            continue;
        if (!slot.curl_error.empty()) {
            fail(test, Phase::token, fmt::format("{}: {}", where, slot.curl_error), facts);
            continue;
        }
        // The endpoint's whole description in the message; its first sentence in the row.
        std::string refused =
            fmt::format("{} refused the {} grant: ", where, grant_name(slot.request.grant));
        fail(test, Phase::token, refused + refusal_words(response, false), facts,
             refused + refusal_words(response, true));
    }
}

// An OAuth2Client tested on its own: accepted when it got a token, or when the made-up refresh
// token was refused as invalid_grant (the endpoint knew the client).
void Runner::conclude_client_check(Test& test, const TokenSlot& slot, FailureFacts facts) {
    const TokenResponse& response = slot.response;
    std::string where = fmt::format("token endpoint {}", slot.request.url);
    bool accepted = response.ok || (slot.request.grant == Grant::refresh_token &&
                                    response.error == "invalid_grant");
    if (accepted) {
        test.result.ok = true;
        test.result.detail =
            response.ok ? fmt::format("{}: client accepted, token issued", where)
                        : fmt::format("{}: client accepted (a made-up refresh token was refused "
                                      "with invalid_grant, as it should be)",
                                      where);
        test.result.verified = slot.request.tls.verify;
        test.state = Test::State::done;
        ++m_done;
        return;
    }
    facts.grant = std::nullopt;
    if (!slot.curl_error.empty()) {
        fail(test, Phase::token, fmt::format("{}: {}", where, slot.curl_error), facts);
        return;
    }
    std::string refused = fmt::format("{} refused the client: ", where);
    fail(test, Phase::token, refused + refusal_words(response, false), facts,
         refused + refusal_words(response, true));
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
        start_dialog(test);
        return;
    }
    FailureFacts facts = facts_of(test);
    facts.phase = failed_phase(code, trace);
    facts.curl_error = m_redactor.apply(test.easy->error_text(code));
    facts.server_words = trace.last_server_line();
    facts.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    facts.starttls_missing = code == CURLE_USE_SSL_FAILED;
    facts.login_unanswered = facts.phase == Phase::auth && !trace.login_answered();
    std::string message;
    switch (facts.phase) {
    case Phase::greeting:
    case Phase::auth:
        if (facts.timed_out)
            message = fmt::format("no answer within {} ms{}", test.timeout.count(),
                                  trace.greeted() ? "" : " (the server sent no greeting)");
        else if (!trace.last_server_line().empty() && !facts.login_unanswered)
            message = trace.last_server_line();
        else
            message = facts.curl_error;
        message = with_sasl_error(std::move(message), trace);
        break;
    default:
        message = facts.timed_out && facts.phase == Phase::tls
                      ? fmt::format("no TLS handshake within {} ms", test.timeout.count())
                      : facts.curl_error;
        break;
    }
    fail(test, facts.phase, std::move(message), facts);
}

// Connected: the OAuth2 login when the test has one, then the folder.
void Runner::start_dialog(Test& test) {
    const Connection& c = *test.connection;
    std::optional<OAuth2Login> login;
    if (c.auth && c.auth->oauth2 && test.slot)
        login = OAuth2Login{c.auth->oauth2->mechanism, c.username,
                            m_slots[*test.slot].response.access_token, c.host, c.port};
    test.trace->set_phase(login ? Phase::auth : Phase::folder);
    test.state = Test::State::dialog;
    test.dialog.emplace(c.protocol, test.folder, std::move(login));
    test.out = test.dialog->start();
    test.trace->on_sent(test.out.substr(0, test.out.size() - 2));
    pump_dialog(test);
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
            bool logging_in = test.dialog->logging_in();
            Dialog::Step step = test.dialog->on_line(line);
            if (logging_in && !test.dialog->logging_in() && !test.dialog->login_refusal())
                test.trace->set_phase(Phase::folder);
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

// The end of a test's dialog: refused at the login, failed at the folder, or passed.
void Runner::conclude(Test& test) {
    const ProtocolTrace& trace = *test.trace;
    FailureFacts facts = facts_of(test);
    if (const std::optional<std::string>& refusal = test.dialog->login_refusal()) {
        facts.server_words = *refusal;
        fail(test, Phase::auth, with_sasl_error(*refusal, trace), facts);
        return;
    }
    if (test.dialog->logging_in()) {
        facts.login_unanswered = !trace.login_answered();
        fail(test, Phase::auth,
             facts.login_unanswered ? "the server closed the connection without answering the login"
                                    : with_sasl_error(trace.last_server_line(), trace),
             facts);
        return;
    }
    if (!test.dialog->checked()) {
        fail(test, Phase::folder,
             trace.last_server_line().empty() ? "the server closed the connection"
                                              : trace.last_server_line(),
             facts);
        return;
    }
    if (const std::optional<std::string>& failure = test.dialog->failure()) {
        facts.server_words = *failure;
        fail(test, Phase::folder, *failure, facts);
        return;
    }
    pass(test);
}

// A dialog past its deadline: no answer to the login or the folder, or only a slow goodbye.
void Runner::time_out_dialog(Test& test) {
    FailureFacts facts = facts_of(test);
    facts.timed_out = true;
    std::string message = fmt::format("no answer within {} ms", test.timeout.count());
    if (test.dialog->logging_in()) {
        facts.login_unanswered = !test.trace->login_answered();
        fail(test, Phase::auth, message, facts);
    } else if (test.dialog->login_refusal() || test.dialog->checked()) {
        conclude(test);
    } else {
        fail(test, Phase::folder, message, facts);
    }
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

void Runner::fail(Test& test, Phase phase, std::string message, FailureFacts facts,
                  std::string brief) {
    facts.phase = phase;
    test.result.ok = false;
    test.result.phase = phase;
    test.result.message = m_redactor.apply(message);
    test.result.brief = one_line(m_redactor.apply(brief.empty() ? message : brief));
    test.result.hint = hint_for(facts);
    if (test.state != Test::State::waiting)
        test.result.elapsed = since(test.started);
    if (test.trace && m_options.keep_trace)
        test.result.trace = trace_of(test);
    release(test);
    ++m_done;
    ++m_failed;
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
        facts.password_auth = c.auth && (c.auth->password || c.auth->admin);
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

} // namespace mailsync::probe_run
