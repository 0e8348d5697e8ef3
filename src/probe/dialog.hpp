// The few commands a connection test sends itself once libcurl has connected: the OAuth2 login
// (sasl), then IMAP EXAMINE of the folder (read-only) and LOGOUT, POP3 STAT and QUIT, SMTP QUIT.
// Libcurl logs in itself with a password. Pure: bytes in, bytes out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/resources.hpp"
#include "probe/sasl.hpp"

namespace mailsync {

// An IMAP mailbox name as a quoted string in modified UTF-7 (RFC 3501 5.1.3).
std::string imap_mailbox_argument(std::string_view utf8_name);
// The modified UTF-7 form of a UTF-8 mailbox name.
std::string imap_utf7_encode(std::string_view utf8_name);

class Dialog {
public:
    // With `login`, the dialog logs in with it first.
    Dialog(Protocol protocol, std::string folder, std::optional<OAuth2Login> login = std::nullopt);

    // What to send first.
    std::string start();

    struct Step {
        std::string send;      // bytes to send next, if any
        bool finished = false; // nothing more to read
    };
    // One line the server sent, without CR LF.
    Step on_line(std::string_view line);

    // True while the login is under way (no verdict yet).
    bool logging_in() const { return m_stage == Stage::login; }
    // Set when the server refused the login: its final reply.
    const std::optional<std::string>& login_refusal() const { return m_login_refusal; }
    // Set when the folder (or POP3 maildrop) could not be opened: the server's words.
    const std::optional<std::string>& failure() const { return m_failure; }
    // What was learnt, such as "INBOX: 12 messages (read-only)".
    const std::string& summary() const { return m_summary; }
    // True once the folder step is over (logout may still be under way).
    bool checked() const { return m_stage == Stage::logout && !m_login_refusal; }

private:
    enum class Stage { login, check, logout };
    std::string start_check();
    std::string logout_command() const;

    Protocol m_protocol;
    std::string m_folder;
    std::optional<OAuth2Exchange> m_login;
    Stage m_stage = Stage::check;
    std::optional<std::string> m_login_refusal;
    std::optional<std::string> m_failure;
    std::string m_summary;
    long m_messages = -1;
};

} // namespace mailsync
