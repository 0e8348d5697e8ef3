#include "probe/sasl.hpp"

#include <cctype>

#include <fmt/format.h>

#include "util/crypto.hpp"

namespace mailsync {

namespace {

constexpr std::string_view login_tag = "MS0";

bool starts_with_word(std::string_view line, std::string_view word) {
    if (line.size() < word.size())
        return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(line[i])) !=
            std::toupper(static_cast<unsigned char>(word[i])))
            return false;
    }
    return line.size() == word.size() || line[word.size()] == ' ';
}

// A GS2 authorization identity: ',' and '=' escaped (RFC 5801).
std::string saslname(std::string_view user) {
    std::string out;
    for (char c : user) {
        if (c == ',')
            out += "=2C";
        else if (c == '=')
            out += "=3D";
        else
            out += c;
    }
    return out;
}

enum class Reply { continuation, accepted, refused, other };

// What a line is to the exchange: a challenge, the verdict, or something beside it (IMAP's
// untagged lines, SMTP's lines before the last of a reply).
Reply reply_of(Protocol protocol, std::string_view line) {
    switch (protocol) {
    case Protocol::imap:
        if (line == "+" || line.starts_with("+ "))
            return Reply::continuation;
        if (!starts_with_word(line, login_tag))
            return Reply::other;
        line.remove_prefix(std::min(line.size(), login_tag.size() + 1));
        return starts_with_word(line, "OK") ? Reply::accepted : Reply::refused;
    case Protocol::pop3:
        if (line == "+" || line.starts_with("+ "))
            return Reply::continuation;
        return starts_with_word(line, "+OK") ? Reply::accepted : Reply::refused;
    case Protocol::smtp:
        if (line.size() >= 4 && line[3] == '-')
            return Reply::other;
        if (line == "334" || line.starts_with("334 "))
            return Reply::continuation;
        return line.starts_with('2') ? Reply::accepted : Reply::refused;
    }
    return Reply::other;
}

} // namespace

std::string oauth2_client_response(const OAuth2Login& login) {
    if (login.mechanism == TokenMechanism::xoauth2)
        return fmt::format("user={}\x01"
                           "auth=Bearer {}\x01\x01",
                           login.user, login.token);
    return fmt::format("n,a={},\x01host={}\x01port={}\x01"
                       "auth=Bearer {}\x01\x01",
                       saslname(login.user), login.host, login.port, login.token);
}

OAuth2Exchange::OAuth2Exchange(Protocol protocol, OAuth2Login login)
    : m_protocol(protocol), m_login(std::move(login)) {}

std::string OAuth2Exchange::start() const {
    std::string_view mechanism = mechanism_name(m_login.mechanism);
    if (m_protocol == Protocol::imap)
        return fmt::format("{} AUTHENTICATE {}\r\n", login_tag, mechanism);
    return fmt::format("AUTH {}\r\n", mechanism);
}

OAuth2Exchange::Step OAuth2Exchange::on_line(std::string_view line) {
    switch (reply_of(m_protocol, line)) {
    case Reply::other:
        return {};
    case Reply::accepted:
    case Reply::refused:
        m_accepted = reply_of(m_protocol, line) == Reply::accepted;
        m_verdict = std::string(line);
        return {{}, true};
    case Reply::continuation:
        break;
    }
    switch (m_stage) {
    case Stage::started:
        m_stage = Stage::responded;
        return {base64_encode(oauth2_client_response(m_login)) + "\r\n", false};
    case Stage::responded:
        // The server's error as a challenge: answered so that its final reply comes.
        m_stage = Stage::error_answered;
        return {m_login.mechanism == TokenMechanism::xoauth2 ? std::string("\r\n")
                                                             : base64_encode("\x01") + "\r\n",
                false};
    case Stage::error_answered:
        return {"*\r\n", false}; // a challenge again: cancel, and the server says no
    }
    return {};
}

} // namespace mailsync
