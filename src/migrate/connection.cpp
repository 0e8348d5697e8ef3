#include "migrate/connection.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "util/crypto.hpp"

namespace mailsync::imap {

namespace {

constexpr std::size_t read_chunk = 256 * 1024;

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    if (code == 0)
        return "TLS error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

// One SSL_CTX per verification setting, shared by every connection of the process.
SSL_CTX* tls_context(const TlsSettings& tls, std::string& error) {
    struct Cache {
        std::map<std::pair<bool, std::string>, SSL_CTX*> contexts;
        ~Cache() {
            for (auto& [key, context] : contexts)
                SSL_CTX_free(context);
        }
    };
    static std::mutex mutex;
    static Cache cache;
    auto& contexts = cache.contexts;
    std::lock_guard lock(mutex);
    auto key = std::make_pair(tls.verify, tls.ca_file);
    if (auto found = contexts.find(key); found != contexts.end())
        return found->second;
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    if (context == nullptr) {
        error = openssl_error();
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                  SSL_MODE_RELEASE_BUFFERS);
    if (tls.verify) {
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
        int loaded = tls.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(context)
                         : SSL_CTX_load_verify_locations(context, tls.ca_file.c_str(), nullptr);
        if (loaded != 1) {
            error =
                fmt::format("cannot load the CA certificates {}: {}",
                            tls.ca_file.empty() ? "of the system" : tls.ca_file, openssl_error());
            SSL_CTX_free(context);
            return nullptr;
        }
    }
    contexts.emplace(key, context);
    return context;
}

bool is_ip_address(const std::string& host) {
    unsigned char buffer[sizeof(in6_addr)];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

std::expected<int, Failure> connect_tcp(const Endpoint& endpoint) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(endpoint.port);
    if (int code = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); code != 0)
        return std::unexpected(Failure{
            "resolve", fmt::format("cannot resolve {}: {}", endpoint.host, gai_strerror(code))});
    std::string last = "no address";
    int fd = -1;
    for (addrinfo* address = found; address != nullptr && fd < 0; address = address->ai_next) {
        fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    address->ai_protocol);
        if (fd < 0) {
            last = std::strerror(errno);
            continue;
        }
        if (::connect(fd, address->ai_addr, address->ai_addrlen) != 0 && errno != EINPROGRESS) {
            last = std::strerror(errno);
            ::close(fd);
            fd = -1;
            continue;
        }
        pollfd wait{fd, POLLOUT, 0};
        int ready = ::poll(&wait, 1, static_cast<int>(endpoint.timeout.count()));
        int error = 0;
        socklen_t length = sizeof error;
        if (ready <= 0) {
            last = ready == 0 ? "timed out" : std::strerror(errno);
        } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
            last = std::strerror(error != 0 ? error : errno);
        } else {
            break;
        }
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0)
        return std::unexpected(Failure{
            "connect",
            fmt::format("cannot connect to {}:{}: {}", endpoint.host, endpoint.port, last), true});
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return fd;
}

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

Connection::Connection(Connection&& other) noexcept {
    *this = std::move(other);
}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        if (m_ssl != nullptr)
            SSL_free(m_ssl);
        if (m_fd >= 0)
            ::close(m_fd);
        m_endpoint = std::move(other.m_endpoint);
        m_fd = std::exchange(other.m_fd, -1);
        m_ssl = std::exchange(other.m_ssl, nullptr);
        m_want_write = other.m_want_write;
        m_out = std::move(other.m_out);
        m_sent = other.m_sent;
        m_reader = std::move(other.m_reader);
        m_kept = std::move(other.m_kept);
        m_capabilities = std::move(other.m_capabilities);
        m_next_tag = other.m_next_tag;
        m_phase = std::move(other.m_phase);
        m_write_gate = std::move(other.m_write_gate);
    }
    return *this;
}

Connection::~Connection() {
    if (m_ssl != nullptr)
        SSL_free(m_ssl);
    if (m_fd >= 0)
        ::close(m_fd);
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

std::expected<void, Failure> Connection::start_tls() {
    m_phase = "TLS";
    std::string error;
    SSL_CTX* context = tls_context(m_endpoint.tls, error);
    if (context == nullptr)
        return std::unexpected(Failure{"TLS", error});
    m_ssl = SSL_new(context);
    SSL_set_fd(m_ssl, m_fd);
    if (!is_ip_address(m_endpoint.host))
        SSL_set_tlsext_host_name(m_ssl, m_endpoint.host.c_str());
    if (m_endpoint.tls.verify) {
        if (is_ip_address(m_endpoint.host))
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_ssl), m_endpoint.host.c_str());
        else
            SSL_set1_host(m_ssl, m_endpoint.host.c_str());
    }
    auto deadline = std::chrono::steady_clock::now() + m_endpoint.timeout;
    for (;;) {
        int done = SSL_connect(m_ssl);
        if (done == 1)
            return {};
        int reason = SSL_get_error(m_ssl, done);
        if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE) {
            long verify = SSL_get_verify_result(m_ssl);
            if (verify != X509_V_OK)
                return std::unexpected(Failure{
                    "TLS", fmt::format("the certificate of {} is not trusted: {}", m_endpoint.host,
                                       X509_verify_cert_error_string(verify))});
            std::string words = openssl_error();
            if (reason == SSL_ERROR_SYSCALL || reason == SSL_ERROR_ZERO_RETURN)
                words = "the server closed the connection during the TLS handshake";
            return std::unexpected(Failure{"TLS", words, true});
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd wait{m_fd, static_cast<short>(reason == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
        if (left.count() <= 0 || ::poll(&wait, 1, static_cast<int>(left.count())) == 0)
            return std::unexpected(Failure{"TLS", "the TLS handshake timed out", true});
    }
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

std::expected<void, Failure> Connection::pump(bool want_input) {
    for (;;) {
        bool progress = false;
        bool got_input = false;
        bool wants_read = true;
        m_want_write = false;
        while (m_sent < m_out.size()) {
            if (m_write_gate && !m_write_gate()) {
                abandon();
                return std::unexpected(Failure{m_phase, "stopped before writing more"});
            }
            // Gated writes go in smaller pieces, so that the gate is asked often.
            std::size_t size =
                std::min<std::size_t>(m_out.size() - m_sent, m_write_gate ? 64u << 10 : 1u << 20);
            long written = 0;
            if (m_ssl != nullptr) {
                int n = SSL_write(m_ssl, m_out.data() + m_sent, static_cast<int>(size));
                if (n <= 0) {
                    int reason = SSL_get_error(m_ssl, n);
                    if (reason == SSL_ERROR_WANT_WRITE) {
                        m_want_write = true;
                        break;
                    }
                    if (reason == SSL_ERROR_WANT_READ)
                        break;
                    return std::unexpected(dropped("the connection broke while sending"));
                }
                written = n;
            } else {
                written = ::send(m_fd, m_out.data() + m_sent, size, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (written < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                        m_want_write = true;
                        break;
                    }
                    return std::unexpected(
                        dropped(fmt::format("the connection broke: {}", std::strerror(errno))));
                }
            }
            m_sent += static_cast<std::size_t>(written);
            progress = true;
        }
        // What was sent goes once it is the larger part of the buffer, and a buffer grown large
        // (a MULTIAPPEND of megabytes) is let go once empty: eight mailboxes copied at once
        // would otherwise each keep their largest batch, and twice their window.
        if (m_sent == m_out.size()) {
            if (m_out.capacity() > (4u << 20))
                std::string().swap(m_out);
            m_out.clear();
            m_sent = 0;
        } else if (m_sent > (1u << 20) && m_sent >= m_out.size() - m_sent) {
            m_out.erase(0, m_sent);
            m_sent = 0;
        }
        // Read what has come, up to a few chunks so that a long literal does not pile up.
        for (int round = 0; round < 4; ++round) {
            char* room = m_reader.room(read_chunk);
            long n = 0;
            if (m_ssl != nullptr) {
                int got = SSL_read(m_ssl, room, static_cast<int>(read_chunk));
                if (got <= 0) {
                    int reason = SSL_get_error(m_ssl, got);
                    if (reason == SSL_ERROR_WANT_READ)
                        break;
                    if (reason == SSL_ERROR_WANT_WRITE) {
                        m_want_write = true;
                        wants_read = false;
                        break;
                    }
                    return std::unexpected(dropped(reason == SSL_ERROR_ZERO_RETURN
                                                       ? "the server closed the connection"
                                                       : "the connection broke"));
                }
                n = got;
            } else {
                n = ::recv(m_fd, room, read_chunk, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                    break;
                if (n < 0)
                    return std::unexpected(
                        dropped(fmt::format("the connection broke: {}", std::strerror(errno))));
                if (n == 0)
                    return std::unexpected(dropped("the server closed the connection"));
            }
            m_reader.received(static_cast<std::size_t>(n));
            progress = got_input = true;
        }
        bool sent_all = m_sent == m_out.size();
        if (want_input ? got_input : sent_all)
            return {};
        if (progress)
            continue;
        short events = 0;
        if (wants_read)
            events |= POLLIN;
        if (m_want_write || !sent_all)
            events |= POLLOUT;
        pollfd wait{m_fd, events, 0};
        int ready = ::poll(&wait, 1, static_cast<int>(m_endpoint.timeout.count()));
        if (ready == 0)
            return std::unexpected(dropped(fmt::format(
                "no answer from the server in {} s",
                std::chrono::duration_cast<std::chrono::seconds>(m_endpoint.timeout).count())));
        if (ready < 0 && errno != EINTR)
            return std::unexpected(dropped(std::strerror(errno)));
    }
}

std::expected<void, Failure> Connection::flush() {
    if (queued() == 0)
        return {};
    return pump(false);
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

void Connection::abandon() {
    if (m_ssl != nullptr) {
        SSL_free(m_ssl); // no close_notify: the server sees the connection drop mid-command
        m_ssl = nullptr;
    }
    if (m_fd >= 0) {
        // A reset rather than a close: the kernel drops what it still holds to send, which may
        // be the rest of an APPEND, instead of sending it after the process stopped writing.
        linger reset{1, 0};
        (void)::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(m_fd);
    }
    m_fd = -1;
    m_out.clear();
    m_sent = 0;
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
