#include "oauth2/loopback.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace mailsync {

namespace {

constexpr std::size_t max_request_head = 16 * 1024;
constexpr std::size_t max_connections = 32;

// A connection accepted and not yet answered, with what it has sent so far.
struct Pending {
    int fd = -1;
    std::string head;
};

void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return;
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
}

// A short plain-text answer to a request that is not the redirect; then the connection closes.
void refuse(int fd, std::string_view status) {
    send_all(fd, fmt::format("HTTP/1.1 {}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                             "Content-Length: {}\r\nConnection: close\r\n\r\n{}\n",
                             status, status.size() + 1, status));
    ::close(fd);
}

// Back to blocking writes, bounded, for the answer.
void make_blocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    timeval limit{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

std::string_view reason(int status) {
    return status == 200 ? "OK" : status == 400 ? "Bad Request" : "Error";
}

} // namespace

std::optional<RequestLine> parse_request_line(std::string_view head) {
    std::string_view line = head.substr(0, head.find("\r\n"));
    std::size_t first = line.find(' ');
    std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos ||
        !line.substr(second + 1).starts_with("HTTP/") || first == 0)
        return std::nullopt;
    std::string_view target = line.substr(first + 1, second - first - 1);
    std::size_t question = target.find('?');
    RequestLine out;
    out.method = line.substr(0, first);
    out.path = target.substr(0, question);
    if (question != std::string_view::npos)
        out.query = target.substr(question + 1);
    return out;
}

LoopbackListener::~LoopbackListener() {
    if (m_client >= 0)
        ::close(m_client);
    if (m_listener >= 0)
        ::close(m_listener);
}

Result<int> LoopbackListener::listen(int port) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_listener < 0)
        return fail(fmt::format("cannot open a socket: {}", std::strerror(errno)));
    int on = 1;
    ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_listener, 16) != 0)
        return fail(fmt::format("cannot listen on 127.0.0.1:{}: {}", port, std::strerror(errno)));
    socklen_t length = sizeof address;
    if (::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return fail(fmt::format("cannot read the listening port: {}", std::strerror(errno)));
    return ntohs(address.sin_port);
}

Result<std::optional<std::string>>
LoopbackListener::wait_for_get(std::string_view path,
                               std::chrono::steady_clock::time_point deadline) {
    std::vector<Pending> pending;
    auto close_all = [&pending] {
        for (const Pending& connection : pending)
            ::close(connection.fd);
        pending.clear();
    };
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            close_all();
            return std::nullopt;
        }
        std::vector<pollfd> fds;
        fds.push_back({m_listener, POLLIN, 0});
        for (const Pending& connection : pending)
            fds.push_back({connection.fd, POLLIN, 0});
        int timeout = static_cast<int>(std::min<long long>(left.count() + 1, 60'000));
        if (::poll(fds.data(), fds.size(), timeout) < 0) {
            if (errno == EINTR)
                continue;
            close_all();
            return fail(fmt::format("waiting for the browser: {}", std::strerror(errno)));
        }
        // Connections first, by index in fds (1..); the ones closed are marked and removed after.
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents == 0)
                continue;
            Pending& connection = pending[i - 1];
            char buffer[4096];
            ssize_t received = ::recv(connection.fd, buffer, sizeof buffer, 0);
            if (received < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (received <= 0) {
                ::close(connection.fd);
                connection.fd = -1;
                continue;
            }
            connection.head.append(buffer, static_cast<std::size_t>(received));
            if (connection.head.find("\r\n\r\n") == std::string::npos) {
                if (connection.head.size() > max_request_head) {
                    refuse(connection.fd, "431 Request Header Fields Too Large");
                    connection.fd = -1;
                }
                continue;
            }
            std::optional<RequestLine> request = parse_request_line(connection.head);
            if (!request || request->method != "GET" || request->path != path) {
                refuse(connection.fd, request ? "404 Not Found" : "400 Bad Request");
                connection.fd = -1;
                continue;
            }
            m_client = connection.fd;
            connection.fd = -1;
            std::erase_if(pending, [](const Pending& p) { return p.fd < 0; });
            close_all();
            make_blocking(m_client);
            return std::optional<std::string>(request->query);
        }
        std::erase_if(pending, [](const Pending& p) { return p.fd < 0; });
        // Every connection waiting, so that a flood of them does not keep the browser's back.
        for (int accepted = 0; (fds[0].revents & POLLIN) != 0 && accepted < 64; ++accepted) {
            int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0)
                break;
            if (pending.size() >= max_connections) {
                ::close(pending.front().fd);
                pending.erase(pending.begin());
            }
            pending.push_back({fd, {}});
        }
    }
}

void LoopbackListener::answer(int status, const BrowserPage& page) {
    if (m_client < 0)
        return;
    send_all(m_client,
             fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\n"
                         "Content-Length: {}\r\nContent-Security-Policy: {}\r\n"
                         "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
                         "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
                         status, reason(status), page.html.size(), page.content_security_policy));
    send_all(m_client, page.html);
    // Closing with unread bytes would reset the connection and could cut the page short: say
    // that nothing more comes, and read what the browser still sends for a moment.
    ::shutdown(m_client, SHUT_WR);
    // At most two seconds in all, whatever the other end keeps sending.
    pollfd rest{m_client, POLLIN, 0};
    char buffer[4096];
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until && ::poll(&rest, 1, 500) > 0 &&
           ::recv(m_client, buffer, sizeof buffer, 0) > 0) {
    }
    ::close(m_client);
    m_client = -1;
}

} // namespace mailsync
