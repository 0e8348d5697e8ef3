// An IMAP connection: the greeting, capabilities and STARTTLS, tagged commands and their
// responses, literals and MULTIAPPEND, and the logins (LOGIN, AUTHENTICATE PLAIN, XOAUTH2,
// OAUTHBEARER). The socket and TLS under it are connection_transport.cpp's.
#include "migrate/connection.hpp"

#include <csignal>
#include <mutex>
#include <poll.h>

#include <fmt/format.h>
#include <openssl/ssl.h>

#include "migrate/connection_transport.hpp"
#include "util/crypto.hpp"

namespace mailsync::imap {

namespace {

std::string status_words(const Response& response) {
    std::string out = response.kind;
    if (!response.code.empty())
        out += " [" + response.code + "]";
    if (!response.text.empty())
        out += " " + response.text;
    return out;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    return out;
}

} // namespace

std::string describe(const Failure& failure) {
    return fmt::format("{}: {}", failure.phase, failure.message);
}

Failure Connection::dropped(std::string message) const {
    return Failure{m_phase, std::move(message), true};
}

std::expected<Connection, Failure> Connection::open(const Endpoint& endpoint) {
    // OpenSSL writes to the socket with write(): a peer that closed it must be an error to
    // handle (and reconnect from), not a SIGPIPE that ends the process.
    static std::once_flag no_sigpipe;
    std::call_once(no_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
    Connection connection;
    connection.m_endpoint = endpoint;
    auto fd = connect_tcp(endpoint);
    if (!fd)
        return std::unexpected(fd.error());
    connection.m_fd = *fd;
    if (endpoint.encryption == Encryption::ssl) {
        if (auto tls = connection.start_tls(); !tls)
            return std::unexpected(tls.error());
    }
    connection.m_phase = "greeting";
    auto greeting = connection.next();
    if (!greeting)
        return std::unexpected(greeting.error());
    if (greeting->kind == "BYE" || greeting->kind == "NO" || greeting->kind == "BAD" ||
        greeting->tag != "*")
        return std::unexpected(Failure{"greeting", status_words(*greeting)});
    if (auto ok = connection.read_capabilities(*greeting); !ok)
        return std::unexpected(ok.error());
    if (endpoint.encryption == Encryption::starttls) {
        if (!connection.has("STARTTLS"))
            return std::unexpected(
                Failure{"STARTTLS", "the server does not offer STARTTLS (encryption: starttls)"});
        if (auto ok = connection.run("STARTTLS", "STARTTLS"); !ok)
            return std::unexpected(ok.error());
        if (connection.m_reader.pending() != 0)
            return std::unexpected(
                Failure{"STARTTLS", "the server sent data before the TLS handshake"});
        if (auto tls = connection.start_tls(); !tls)
            return std::unexpected(tls.error());
        connection.m_capabilities.clear();
        if (auto ok = connection.read_capabilities(Response{}); !ok)
            return std::unexpected(ok.error());
    }
    return connection;
}

std::expected<void, Failure> Connection::read_capabilities(const Response& response) {
    std::vector<std::string> words;
    if (response.code.starts_with("CAPABILITY ")) {
        std::string_view rest = std::string_view(response.code).substr(11);
        while (!rest.empty()) {
            std::size_t space = rest.find(' ');
            words.emplace_back(rest.substr(0, space));
            rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        }
    } else {
        std::vector<Response> untagged;
        auto ok = run("CAPABILITY", "capabilities", &untagged);
        if (!ok)
            return std::unexpected(ok.error());
        for (const Response& line : untagged) {
            if (line.kind == "CAPABILITY")
                for (const Item& item : line.data)
                    words.push_back(item.text);
        }
    }
    for (const std::string& word : words)
        m_capabilities.insert(upper(word));
    return {};
}

bool Connection::has(std::string_view capability) const {
    return m_capabilities.contains(upper(capability));
}

std::string Connection::send(std::string_view command) {
    std::string tag = fmt::format("m{}", m_next_tag++);
    m_out.reserve(m_out.size() + tag.size() + command.size() + 3);
    m_out += tag;
    m_out += ' ';
    m_out += command;
    m_out += "\r\n";
    return tag;
}

std::expected<std::string, Failure> Connection::send_literal(std::string_view command,
                                                             std::string_view literal) {
    std::string tag = fmt::format("m{}", m_next_tag++);
    bool plus = has("LITERAL+");
    std::string head =
        fmt::format("{} {} {{{}{}}}\r\n", tag, command, literal.size(), plus ? "+" : "");
    m_out += head;
    if (!plus) {
        // Wait for the continuation; other responses are kept for next().
        for (;;) {
            auto response = next();
            if (!response)
                return std::unexpected(response.error());
            if (response->tag == "+")
                break;
            if (response->tag == tag)
                return std::unexpected(Failure{m_phase, status_words(*response)});
            m_kept.push_back(std::move(*response));
        }
    }
    m_out.append(literal);
    m_out += "\r\n";
    return tag;
}

std::expected<std::string, Failure>
Connection::send_multiappend(std::string_view mailbox, const std::vector<AppendPart>& parts) {
    if (!has("LITERAL+"))
        return std::unexpected(Failure{m_phase, "MULTIAPPEND needs LITERAL+ here"});
    std::string tag = fmt::format("m{}", m_next_tag++);
    std::size_t size = tag.size() + mailbox.size() + 16;
    for (const AppendPart& part : parts)
        size += part.options.size() + part.body.size() + 24;
    m_out.reserve(m_out.size() + size);
    m_out += tag;
    m_out += " APPEND ";
    m_out += mailbox;
    for (const AppendPart& part : parts) {
        m_out += part.options;
        m_out += fmt::format(" {{{}+}}\r\n", part.body.size());
        m_out += part.body;
    }
    m_out += "\r\n";
    return tag;
}

std::expected<Response, Failure> Connection::next() {
    if (!m_kept.empty()) {
        Response response = std::move(m_kept.front());
        m_kept.pop_front();
        return response;
    }
    for (;;) {
        auto response = m_reader.next();
        if (!response)
            return std::unexpected(Failure{m_phase, response.error().message, true});
        if (*response)
            return std::move(**response);
        if (auto ok = pump(true); !ok)
            return std::unexpected(ok.error());
    }
}

std::expected<std::optional<Response>, Failure> Connection::poll() {
    if (!m_kept.empty()) {
        Response response = std::move(m_kept.front());
        m_kept.pop_front();
        return response;
    }
    auto response = m_reader.next();
    if (!response)
        return std::unexpected(Failure{m_phase, response.error().message, true});
    if (*response)
        return std::move(*response);
    // One round of input and output, without waiting.
    pollfd wait{m_fd, static_cast<short>(POLLIN | (queued() > 0 ? POLLOUT : 0)), 0};
    if (::poll(&wait, 1, 0) > 0 || (m_ssl != nullptr && SSL_pending(m_ssl) > 0)) {
        if (auto ok = pump(queued() == 0); !ok)
            return std::unexpected(ok.error());
    }
    response = m_reader.next();
    if (!response)
        return std::unexpected(Failure{m_phase, response.error().message, true});
    return std::move(*response);
}

std::expected<Response, Failure> Connection::run(std::string_view command, std::string_view phase,
                                                 std::vector<Response>* untagged) {
    m_phase = phase;
    std::string tag = send(command);
    for (;;) {
        auto response = next();
        if (!response)
            return std::unexpected(response.error());
        if (response->tag == tag) {
            if (!response->ok())
                return std::unexpected(Failure{std::string(phase), status_words(*response)});
            return std::move(*response);
        }
        if (response->kind == "BYE")
            return std::unexpected(Failure{std::string(phase), status_words(*response), true});
        if (untagged != nullptr)
            untagged->push_back(std::move(*response));
    }
}

std::expected<Response, Failure> Connection::authenticate(std::string_view mechanism,
                                                          const std::string& initial) {
    m_phase = "log in";
    std::string encoded = base64_encode(initial);
    std::string tag;
    if (has("SASL-IR")) {
        tag = send(fmt::format("AUTHENTICATE {} {}", mechanism, encoded));
    } else {
        tag = send(fmt::format("AUTHENTICATE {}", mechanism));
    }
    bool answered = has("SASL-IR");
    for (;;) {
        auto response = next();
        if (!response)
            return std::unexpected(response.error());
        if (response->tag == "+") {
            // The initial response, or after a failure the server's error challenge, which
            // is answered with an empty line.
            m_out += answered ? std::string("\r\n") : encoded + "\r\n";
            answered = true;
            continue;
        }
        if (response->tag == tag) {
            if (!response->ok())
                return std::unexpected(Failure{"log in", status_words(*response)});
            return std::move(*response);
        }
        // A server that refuses by hanging up: its words, and final, as a NO is.
        if (response->tag == "*" && response->kind == "BYE")
            return std::unexpected(Failure{"log in", status_words(*response)});
    }
}

std::expected<void, Failure> Connection::login(const Credentials& credentials) {
    m_phase = "log in";
    if (m_ssl == nullptr && !m_endpoint.allow_plaintext &&
        (credentials.method == Credentials::Method::password ||
         credentials.method == Credentials::Method::authzid ||
         credentials.method == Credentials::Method::master))
        return std::unexpected(Failure{
            "log in", "refusing to send a password without TLS (allowPlaintextAuth is false)"});
    std::expected<Response, Failure> done = std::unexpected(Failure{});
    using Method = Credentials::Method;
    switch (credentials.method) {
    case Method::password:
    case Method::master: {
        std::string login = credentials.method == Method::master
                                ? credentials.user + credentials.separator + credentials.login
                                : credentials.user;
        if (has("AUTH=PLAIN")) {
            done = authenticate("PLAIN", std::string("\0", 1) + login + std::string("\0", 1) +
                                             credentials.secret);
        } else {
            auto user = quoted(login);
            auto password = quoted(credentials.secret);
            if (!user || !password)
                return std::unexpected(
                    Failure{"log in", "the login or password holds a line break"});
            done = run(fmt::format("LOGIN {} {}", *user, *password), "log in");
        }
        break;
    }
    case Method::authzid:
        done = authenticate("PLAIN", credentials.user + std::string("\0", 1) + credentials.login +
                                         std::string("\0", 1) + credentials.secret);
        break;
    case Method::xoauth2:
        done = authenticate("XOAUTH2", fmt::format("user={}\1auth=Bearer {}\1\1", credentials.user,
                                                   credentials.secret));
        break;
    case Method::oauthbearer:
        done = authenticate("OAUTHBEARER", fmt::format("n,a={},\1auth=Bearer {}\1\1",
                                                       credentials.user, credentials.secret));
        break;
    }
    if (!done)
        return std::unexpected(done.error());
    m_capabilities.clear();
    return read_capabilities(*done);
}

void Connection::close() {
    if (m_fd < 0)
        return;
    m_phase = "log out";
    Endpoint& endpoint = m_endpoint;
    auto saved = endpoint.timeout;
    endpoint.timeout = std::chrono::seconds(2);
    (void)run("LOGOUT", "log out");
    endpoint.timeout = saved;
    if (m_ssl != nullptr) {
        SSL_shutdown(m_ssl);
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    ::close(m_fd);
    m_fd = -1;
}

std::optional<std::int64_t> parse_internal_date(std::string_view text) {
    // dd-Mon-yyyy hh:mm:ss +zzzz, the day possibly space-padded.
    static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    int day = 0, year = 0, hour = 0, minute = 0, second = 0, zone = 0;
    char month[4] = {};
    char sign = '+';
    std::string copy(text);
    if (std::sscanf(copy.c_str(), "%d-%3c-%d %d:%d:%d %c%d", &day, month, &year, &hour, &minute,
                    &second, &sign, &zone) != 8)
        return std::nullopt;
    int m = -1;
    for (int i = 0; i < 12; ++i)
        if (months[i] == std::string_view(month, 3))
            m = i + 1;
    if (m < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    int y = year - (m <= 2 ? 1 : 0);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
    std::int64_t offset = (zone / 100) * 3600 + (zone % 100) * 60;
    if (sign == '-')
        offset = -offset;
    return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

} // namespace mailsync::imap
