// A loopback TCP relay in front of a server, for the tests of lost connections: it passes bytes
// both ways unchanged (TLS included) until the server has sent `cut_after` bytes through it;
// then it closes every connection once, as a network cut would, and, when `refuse_after_cut`,
// its listening socket too, so that the client's reconnects are refused, as with a server that
// went down in the middle of the work.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace mailsync::test {

class CuttingRelay {
public:
    CuttingRelay(int server_port, std::uint64_t cut_after, bool refuse_after_cut);
    ~CuttingRelay();
    CuttingRelay(const CuttingRelay&) = delete;
    CuttingRelay& operator=(const CuttingRelay&) = delete;

    int port() const { return m_port; }
    // Whether the cut happened.
    bool cut() const { return m_cut; }
    // Connections accepted, before the cut.
    int accepted() const { return m_accepted; }

private:
    void accept_loop();
    void relay(int client, int server);
    // Shuts every connection down, and the listener when `listener`.
    void shut_down(bool listener);

    int m_server_port;
    std::uint64_t m_cut_after;
    bool m_refuse_after_cut;
    int m_listener = -1;
    int m_port = 0;
    std::atomic<std::uint64_t> m_from_server{0};
    std::atomic<bool> m_cut{false};
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_accepted{0};
    std::mutex m_mutex;
    std::vector<int> m_sockets; // every socket of every relayed connection
    std::vector<std::thread> m_threads;
    std::thread m_acceptor;
};

} // namespace mailsync::test
