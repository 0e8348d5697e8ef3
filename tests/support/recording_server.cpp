#include "support/recording_server.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "util/crypto.hpp"
#include "util/curl.hpp"

namespace mailsync::test {

RecordingServer::RecordingServer(Speaks speaks) : m_speaks(speaks) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(m_listener, 16) != 0 ||
        ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("recording server: cannot listen on 127.0.0.1");
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
}

RecordingServer::~RecordingServer() {
    m_stop = true;
    m_thread.join();
    ::close(m_listener);
}

std::string RecordingServer::received() const {
    std::lock_guard lock(m_mutex);
    return m_received;
}

bool RecordingServer::saw(const std::string& secret, const std::string& user) const {
    std::string all = received();
    std::string plain = std::string(1, '\0') + user + std::string(1, '\0') + secret;
    for (const std::string& form :
         {secret, curl::form_escape(secret), base64_encode(plain), base64_encode(user + plain)}) {
        if (all.find(form) != std::string::npos)
            return true;
    }
    return false;
}

void RecordingServer::serve() {
    while (!m_stop) {
        pollfd waiting{m_listener, POLLIN, 0};
        if (::poll(&waiting, 1, 50) <= 0)
            continue;
        int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        ++m_connections;
        talk(client);
        ::close(client);
    }
}

// One client at a time, until it hangs up, goes quiet for two seconds, or the test ends.
void RecordingServer::talk(int client) {
    auto say = [client](const std::string& text) {
        (void)!::send(client, text.data(), text.size(), MSG_NOSIGNAL);
    };
    if (m_speaks == Speaks::imap)
        say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\r\n");
    std::string pending;
    std::string awaiting; // the tag of an AUTHENTICATE waiting for its credentials
    for (int quiet = 0; quiet < 40 && !m_stop;) {
        pollfd readable{client, POLLIN, 0};
        if (::poll(&readable, 1, 50) <= 0) {
            ++quiet;
            continue;
        }
        char buffer[4096];
        ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
        if (got <= 0)
            return;
        quiet = 0;
        {
            std::lock_guard lock(m_mutex);
            m_received.append(buffer, static_cast<std::size_t>(got));
        }
        pending.append(buffer, static_cast<std::size_t>(got));
        if (m_speaks == Speaks::http) {
            if (pending.find("\r\n\r\n") != std::string::npos) {
                // Let the body arrive, then turn the request down.
                ::usleep(100'000);
                char rest[4096];
                ssize_t more = ::recv(client, rest, sizeof rest, MSG_DONTWAIT);
                if (more > 0) {
                    std::lock_guard lock(m_mutex);
                    m_received.append(rest, static_cast<std::size_t>(more));
                }
                say("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                    "Content-Length: 27\r\nConnection: "
                    "close\r\n\r\n{\"error\":\"invalid_request\"}");
                return;
            }
            continue;
        }
        for (std::size_t end; (end = pending.find("\r\n")) != std::string::npos;) {
            std::string line = pending.substr(0, end);
            pending.erase(0, end + 2);
            if (!awaiting.empty()) { // the answer to "+ ": the credentials
                say(awaiting + " NO [AUTHENTICATIONFAILED] recorded\r\n");
                awaiting.clear();
                continue;
            }
            std::size_t space = line.find(' ');
            std::string tag = line.substr(0, space);
            std::string command = space == std::string::npos ? "" : line.substr(space + 1);
            if (command.starts_with("CAPABILITY")) {
                say("* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n" + tag + " OK done\r\n");
            } else if (command == "AUTHENTICATE PLAIN") {
                awaiting = tag;
                say("+ \r\n");
            } else if (command.starts_with("LOGOUT")) {
                return say("* BYE\r\n" + tag + " OK bye\r\n");
            } else {
                say(tag + " NO [AUTHENTICATIONFAILED] recorded\r\n");
            }
        }
    }
}

} // namespace mailsync::test
