// A server an attacker would run: it listens on loopback, speaks just enough IMAP or HTTP for a
// client to hand over credentials, and records every byte it receives. Tests use it to show
// that a pull request cannot make mailsync send it anything.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace mailsync::test {

class RecordingServer {
public:
    enum class Speaks { imap, http };

    explicit RecordingServer(Speaks speaks);
    ~RecordingServer();
    RecordingServer(const RecordingServer&) = delete;
    RecordingServer& operator=(const RecordingServer&) = delete;

    int port() const { return m_port; }
    // Connections accepted so far.
    int connections() const { return m_connections.load(); }
    // Every byte received, all connections in order.
    std::string received() const;
    // Whether `secret` arrived: as it is, form-encoded, or inside SASL PLAIN for `user`.
    bool saw(const std::string& secret, const std::string& user = "") const;

private:
    void serve();
    void talk(int client);

    Speaks m_speaks;
    int m_listener = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    mutable std::mutex m_mutex;
    std::string m_received;
    std::thread m_thread;
};

} // namespace mailsync::test
