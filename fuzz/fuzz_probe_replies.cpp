// What an IMAP, POP3 or SMTP server answers a connection test: any bytes as the server's lines,
// through the trace (libcurl's debug feed: greeting, capabilities, SASL errors in base64) and the
// dialog mailsync runs itself once connected (the OAuth2 login when bit 3 of the first byte is
// set, EXAMINE, STAT, QUIT), then the hint chosen from it.
#include "harnesses.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "probe/dialog.hpp"
#include "probe/hints.hpp"
#include "probe/trace.hpp"

using namespace mailsync;

int mailsync::fuzz::probe_replies(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    Protocol protocol = static_cast<Protocol>(data[0] % 3);
    bool implicit_tls = (data[0] & 4) != 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

    Redactor redactor;
    redactor.add("s3cret");
    ProtocolTrace trace(protocol, implicit_tls, redactor);
    trace.set_phase(Phase::greeting);
    std::optional<OAuth2Login> login;
    if ((data[0] & 8) != 0)
        login =
            OAuth2Login{(data[0] & 16) != 0 ? TokenMechanism::oauthbearer : TokenMechanism::xoauth2,
                        "user@example.test", "s3cret-token", "mail.example.test", 993};
    Dialog dialog(protocol, "Archiv/Ärger", login);
    trace.on_sent(dialog.start());
    // Lines before a blank one are libcurl's part (login), the rest the dialog's.
    std::size_t blank = text.find("\r\n\r\n");
    std::string_view curl_part = text.substr(0, blank);
    trace.on_curl(CURLINFO_HEADER_OUT, "AUTHENTICATE XOAUTH2 dXNlcj1zM2NyZXQ=\r\n");
    trace.on_curl(CURLINFO_HEADER_IN, curl_part);
    trace.on_curl(CURLINFO_TEXT, curl_part);
    if (blank != std::string_view::npos) {
        std::string_view rest = text.substr(blank + 4);
        while (!rest.empty()) {
            std::size_t end = rest.find("\r\n");
            std::string_view line = rest.substr(0, end);
            trace.on_received(line);
            Dialog::Step step = dialog.on_line(line);
            if (!step.send.empty())
                trace.on_sent(step.send);
            if (step.finished || end == std::string_view::npos)
                break;
            rest.remove_prefix(end + 2);
        }
    }
    FailureFacts facts;
    facts.phase = trace.phase();
    facts.server_words = trace.last_server_line();
    facts.protocol = protocol;
    facts.host = "mail.example.test";
    facts.port = 993;
    facts.password_auth = !login;
    facts.login_unanswered = !trace.login_answered();
    (void)hint_for(facts);
    (void)dialog.failure();
    (void)dialog.login_refusal();
    return 0;
}
