#include "probe/trace.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/evp.h>

#include "util/text.hpp"

namespace mailsync {

namespace {

constexpr std::string_view masked = "(sensitive)";
constexpr std::size_t max_trace_lines = 400;

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// Splits a debug-callback chunk into lines without their CR LF.
template <typename Each> void each_line(std::string_view data, Each&& each) {
    while (!data.empty()) {
        std::size_t end = data.find('\n');
        std::string_view line = data.substr(0, end);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        each(line);
        if (end == std::string_view::npos)
            break;
        data.remove_prefix(end + 1);
    }
}

std::string decode_base64(std::string_view text) {
    std::string out(3 * (text.size() / 4) + 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0)
        return {};
    out.resize(static_cast<std::size_t>(n));
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
        if (!out.empty())
            out.pop_back();
    }
    bool printable = std::all_of(out.begin(), out.end(), [](char c) {
        return std::isprint(static_cast<unsigned char>(c)) != 0 || c == '\n';
    });
    return printable ? out : std::string();
}

} // namespace

std::string_view phase_name(Phase phase) {
    switch (phase) {
    case Phase::refused:
        return "refused";
    case Phase::token:
        return "token";
    case Phase::resolve:
        return "resolve";
    case Phase::connect:
        return "connect";
    case Phase::tls:
        return "tls";
    case Phase::greeting:
        return "greeting";
    case Phase::auth:
        return "auth";
    case Phase::folder:
        return "folder";
    case Phase::done:
        return "done";
    }
    return "?";
}

void Redactor::add(std::string_view value) {
    // Very short values would mask ordinary words; secrets that short are refused elsewhere.
    if (value.size() >= 4 && std::find(m_values.begin(), m_values.end(), value) == m_values.end())
        m_values.emplace_back(value);
}

std::string Redactor::apply(std::string_view text) const {
    std::string out(text);
    for (const std::string& value : m_values) {
        for (std::size_t at = out.find(value); at != std::string::npos;
             at = out.find(value, at + masked.size()))
            out.replace(at, value.size(), masked);
    }
    return out;
}

std::string redact_client_line(Protocol protocol, std::string_view line, bool& in_sasl) {
    std::vector<std::string_view> parts = split_words(line);
    std::size_t verb_at = protocol == Protocol::imap ? 1 : 0;
    std::string verb = parts.size() > verb_at ? upper(parts[verb_at]) : std::string();
    auto keep = [&](std::size_t count) {
        std::string out;
        for (std::size_t i = 0; i < std::min(count, parts.size()); ++i)
            out += (i > 0 ? " " : "") + std::string(parts[i]);
        if (parts.size() > count)
            out += " " + std::string(masked);
        return out;
    };
    if (protocol == Protocol::imap && verb == "LOGIN")
        return keep(verb_at + 2); // tag LOGIN user (password)
    if (protocol == Protocol::pop3 && (verb == "PASS" || verb == "APOP"))
        return keep(protocol == Protocol::pop3 && verb == "APOP" ? 2 : 1);
    if (verb == "AUTHENTICATE" || verb == "AUTH") {
        in_sasl = true;
        return keep(verb_at + 2); // [tag] AUTH MECH (initial response)
    }
    if (in_sasl)
        return line.empty() ? std::string() : std::string(masked);
    return std::string(line);
}

std::string redact_http(std::string_view text) {
    static constexpr std::string_view form_keys[] = {
        "client_secret=", "refresh_token=", "password=", "assertion=", "code=", "access_token="};
    static constexpr std::string_view json_keys[] = {"\"access_token\"", "\"refresh_token\"",
                                                     "\"id_token\"", "\"client_secret\""};
    std::string out(text);
    for (std::string_view key : form_keys) {
        for (std::size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + 1)) {
            if (at > 0 && out[at - 1] != '&' && out[at - 1] != '?')
                continue;
            std::size_t start = at + key.size();
            std::size_t end = out.find('&', start);
            out.replace(start, (end == std::string::npos ? out.size() : end) - start, masked);
        }
    }
    for (std::string_view key : json_keys) {
        for (std::size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + 1)) {
            std::size_t open = out.find('"', out.find(':', at + key.size()) + 1);
            std::size_t close = open == std::string::npos ? open : out.find('"', open + 1);
            if (close == std::string::npos)
                break;
            out.replace(open + 1, close - open - 1, masked);
        }
    }
    // An Authorization header, whatever its scheme.
    for (std::string_view header : {"Authorization:", "authorization:"}) {
        std::size_t at = out.find(header);
        if (at != std::string::npos) {
            std::size_t end = out.find('\n', at);
            out.replace(at + header.size(),
                        (end == std::string::npos ? out.size() : end) - at - header.size(),
                        " (sensitive)\r");
        }
    }
    return out;
}

ProtocolTrace::ProtocolTrace(Protocol protocol, bool implicit_tls, const Redactor& redactor)
    : m_protocol(protocol), m_implicit_tls(implicit_tls), m_redactor(redactor) {}

void ProtocolTrace::note(std::string_view text) {
    if (m_lines.size() < max_trace_lines)
        m_lines.push_back("* " + m_redactor.apply(text));
}

void ProtocolTrace::on_curl(curl_infotype type, std::string_view data) {
    switch (type) {
    case CURLINFO_TEXT:
        each_line(data, [&](std::string_view line) {
            if (line.starts_with("Trying ") && m_phase == Phase::resolve)
                m_phase = Phase::connect;
            else if (line.starts_with("Connected to ") && m_phase <= Phase::connect)
                m_phase = m_implicit_tls ? Phase::tls : Phase::greeting;
            else if (line.starts_with("SSL connection using ")) {
                m_tls_version = std::string(line.substr(21));
                if (m_phase == Phase::tls)
                    m_phase = Phase::greeting;
            }
            if (!line.empty() && !line.starts_with("reached "))
                note(line);
        });
        break;
    case CURLINFO_HEADER_OUT:
        each_line(data, [&](std::string_view line) {
            if (!line.empty() || m_in_sasl)
                sent_line(line);
        });
        break;
    case CURLINFO_HEADER_IN:
        each_line(data, [&](std::string_view line) {
            if (!line.empty())
                received_line(line);
        });
        break;
    default:
        break; // data and TLS records: nothing of a connection test
    }
}

void ProtocolTrace::on_sent(std::string_view line) {
    sent_line(line);
}

void ProtocolTrace::on_received(std::string_view line) {
    received_line(line);
}

void ProtocolTrace::sent_line(std::string_view line) {
    std::vector<std::string_view> parts = split_words(line);
    std::size_t verb_at = m_protocol == Protocol::imap ? 1 : 0;
    std::string verb = parts.size() > verb_at ? upper(parts[verb_at]) : std::string();
    if (!m_in_sasl) {
        m_login_answered = false; // a new command; SASL responses continue the one before
        if (verb == "STARTTLS" || verb == "STLS")
            m_phase = Phase::tls;
        else if (verb == "LOGIN" || verb == "USER" || verb == "APOP")
            m_phase = Phase::auth, m_mechanism = verb == "LOGIN" ? "LOGIN command" : verb;
        else if (verb == "AUTHENTICATE" || verb == "AUTH") {
            m_phase = Phase::auth;
            if (parts.size() > verb_at + 1)
                m_mechanism = upper(parts[verb_at + 1]);
        }
    }
    std::string shown = redact_client_line(m_protocol, line, m_in_sasl);
    if (m_lines.size() < max_trace_lines)
        m_lines.push_back("> " + m_redactor.apply(shown));
}

void ProtocolTrace::received_line(std::string_view line) {
    m_greeted = true;
    std::string shown = m_redactor.apply(line);
    bool continuation =
        line.starts_with("+ ") || line == "+" || line.starts_with("334 ") || line == "334";
    if (m_in_sasl && continuation && (m_mechanism == "XOAUTH2" || m_mechanism == "OAUTHBEARER")) {
        std::string_view payload =
            line.substr(std::min<std::size_t>(line.size(), line[0] == '+' ? 2 : 4));
        std::string decoded = decode_base64(payload);
        if (!decoded.empty()) {
            m_sasl_error = m_redactor.apply(decoded);
            m_login_answered = m_login_answered || m_phase == Phase::auth;
        }
    }
    if (!continuation && m_phase == Phase::auth)
        m_login_answered = true;
    if (m_in_sasl && !continuation)
        m_in_sasl = false;
    if (m_lines.size() < max_trace_lines)
        m_lines.push_back("< " + shown);
    m_last_server = std::move(shown);
}

} // namespace mailsync
