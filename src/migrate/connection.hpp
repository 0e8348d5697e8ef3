// An IMAP client connection on OpenSSL: TCP, implicit TLS or STARTTLS, login (LOGIN, SASL PLAIN
// with an authorization identity, XOAUTH2, OAUTHBEARER), and commands sent in a pipeline, with
// literals (LITERAL+ when the server offers it). libcurl cannot APPEND with flags and an
// internal date, nor pipeline, so the migration engine talks IMAP itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/response.hpp"
#include "model/resources.hpp"
#include "util/error.hpp"

using SSL = struct ssl_st;

namespace mailsync::imap {

struct Endpoint {
    std::string host;
    int port = 993;
    Encryption encryption = Encryption::ssl;
    TlsSettings tls;
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    bool allow_plaintext = false; // a password over encryption: none
};

// Who logs in and how, secrets resolved.
struct Credentials {
    enum class Method { password, authzid, master, xoauth2, oauthbearer };
    Method method = Method::password;
    std::string user;   // the mailbox
    std::string login;  // who authenticates: the user, or the administrator
    std::string secret; // password, or access token for xoauth2/oauthbearer
    std::string separator = "*";
};

// A failed step: the phase ("connect", "TLS", "log in", ...) and the words of the server or of
// the system; `dropped` when the connection broke rather than the server refusing.
struct Failure {
    std::string phase;
    std::string message;
    bool dropped = false;
};

// One message of an APPEND: its options (" (\\Seen) \"date\"", may be empty) and bytes.
struct AppendPart {
    std::string_view options;
    std::string_view body;
};

class Connection {
public:
    // Connects, sets up TLS (implicit or STARTTLS), reads the greeting and the capabilities.
    static std::expected<Connection, Failure> open(const Endpoint& endpoint);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    std::expected<void, Failure> login(const Credentials& credentials);
    bool has(std::string_view capability) const; // "LITERAL+", "UIDPLUS", "AUTH=PLAIN"

    // Queues a command (without its tag and CRLF); returns the tag. Nothing is sent until
    // flush(), next() or poll().
    std::string send(std::string_view command);
    // Queues a command that ends with a literal: "APPEND "box" (\Seen) {N+}" then the bytes.
    // Without LITERAL+ it waits for the server's "+" (responses on the way are kept for next()).
    std::expected<std::string, Failure> send_literal(std::string_view command,
                                                     std::string_view literal);

    // Queues a MULTIAPPEND (RFC 3502) of several messages to one mailbox (quoted); needs
    // LITERAL+.
    std::expected<std::string, Failure> send_multiappend(std::string_view mailbox,
                                                         const std::vector<AppendPart>& parts);

    // Sends everything queued.
    std::expected<void, Failure> flush();
    // The next response, waiting for it.
    std::expected<Response, Failure> next();
    // The next response if one is complete, without waiting; sends what it can.
    std::expected<std::optional<Response>, Failure> poll();
    // Bytes queued and not yet sent.
    std::size_t queued() const { return m_out.size() - m_sent; }

    // Sends one command and waits for its end; the untagged responses on the way are put in
    // `untagged`. A NO or BAD is a Failure with the server's words under `phase`.
    std::expected<Response, Failure> run(std::string_view command, std::string_view phase,
                                         std::vector<Response>* untagged = nullptr);

    // LOGOUT, best effort, then closes.
    void close();

    // Asked before each write once set: when it says no, the connection ends where it is, its
    // unsent bytes dropped and the socket closed without LOGOUT, so that a command half sent
    // (an APPEND's literal) is never completed. A migration stops so when it is paused or its
    // worker's lease runs out, even if its process was frozen with an APPEND queued.
    void set_write_gate(std::function<bool()> gate) { m_write_gate = std::move(gate); }

    const Endpoint& endpoint() const { return m_endpoint; }

private:
    Connection() = default;
    std::expected<void, Failure> start_tls();
    std::expected<void, Failure> read_capabilities(const Response& response);
    // Writes what is queued and reads what has come; waits (up to the timeout) when `wait` and
    // neither was possible. Returns after reading something when `want_input`.
    std::expected<void, Failure> pump(bool want_input);
    std::expected<Response, Failure> authenticate(std::string_view mechanism,
                                                  const std::string& initial);
    Failure dropped(std::string message) const;
    // Closes the socket at once, sending nothing more.
    void abandon();

    Endpoint m_endpoint;
    int m_fd = -1;
    SSL* m_ssl = nullptr;
    bool m_want_write = false; // TLS needs the socket writable to go on
    std::string m_out;
    std::size_t m_sent = 0;
    ResponseReader m_reader;
    std::deque<Response> m_kept; // read while waiting for a continuation
    std::set<std::string> m_capabilities;
    std::uint32_t m_next_tag = 1;
    std::string m_phase = "connect";
    std::function<bool()> m_write_gate;
};

// The failure's words, as one line: "log in: NO [AUTHENTICATIONFAILED] Authentication failed."
std::string describe(const Failure& failure);

// INTERNALDATE ("17-Jul-1996 02:44:25 -0700") as seconds since 1970; nullopt when malformed.
std::optional<std::int64_t> parse_internal_date(std::string_view text);

} // namespace mailsync::imap
