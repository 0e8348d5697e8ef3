// The transport under an IMAP connection: the TCP socket, TLS (implicit or after STARTTLS) with
// one SSL_CTX per verification setting, and the pump that writes what is queued and reads what
// has come without blocking on either. connection.cpp speaks IMAP over it.
#include "migrate/connection_transport.hpp"

#include <cerrno>
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

} // namespace

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

} // namespace mailsync::imap
