#include "migrate/cutting_relay.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace mailsync::test {

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// Writes all of `data`; false when the peer is gone.
bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL);
        if (written <= 0)
            return false;
        data += written;
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

} // namespace

CuttingRelay::CuttingRelay(int server_port, std::uint64_t cut_after, bool refuse_after_cut)
    : m_server_port(server_port), m_cut_after(cut_after), m_refuse_after_cut(refuse_after_cut) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (m_listener < 0 ||
        ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_listener, 16) != 0 ||
        ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("the relay cannot listen on the loopback");
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
}

CuttingRelay::~CuttingRelay() {
    m_stopping = true;
    shut_down(true);
    m_acceptor.join();
    for (std::thread& thread : m_threads)
        thread.join();
    ::close(m_listener);
    for (int fd : m_sockets)
        ::close(fd);
}

void CuttingRelay::accept_loop() {
    for (;;) {
        int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if ((m_cut && m_refuse_after_cut) || m_stopping)
                return; // the listener was shut down: connections are refused from now on
            continue;
        }
        int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = loopback(m_server_port);
        if (server < 0 ||
            ::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ::close(client);
            if (server >= 0)
                ::close(server);
            continue;
        }
        std::lock_guard lock(m_mutex);
        ++m_accepted;
        m_sockets.push_back(client);
        m_sockets.push_back(server);
        m_threads.emplace_back([this, client, server] { relay(client, server); });
    }
}

void CuttingRelay::relay(int client, int server) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    char buffer[64 * 1024];
    bool open = true;
    bool cutting = false;
    while (open && ::poll(fds, 2, -1) > 0) {
        for (int i = 0; i < 2 && open; ++i) {
            if (fds[i].revents == 0)
                continue;
            ssize_t got = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
            open = got > 0 && write_all(fds[1 - i].fd, buffer, static_cast<std::size_t>(got));
            // Once only: the connections made after the cut are relayed to their end.
            if (open && i == 1 && !m_cut &&
                (m_from_server += static_cast<std::uint64_t>(got)) >= m_cut_after &&
                !m_cut.exchange(true)) {
                cutting = true;
                open = false;
            }
        }
    }
    if (cutting) {
        shut_down(m_refuse_after_cut);
    } else {
        ::shutdown(client, SHUT_RDWR);
        ::shutdown(server, SHUT_RDWR);
    }
}

void CuttingRelay::shut_down(bool listener) {
    std::lock_guard lock(m_mutex);
    // A listening socket shut down stops listening: accept() returns and connects are refused.
    if (listener)
        ::shutdown(m_listener, SHUT_RDWR);
    for (int fd : m_sockets)
        ::shutdown(fd, SHUT_RDWR);
}

} // namespace mailsync::test
