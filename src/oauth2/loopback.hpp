// The loopback redirect of RFC 8252 §7.3: a listener on 127.0.0.1 that waits for the browser to
// come back with the authorization's answer, and answers it with a page. Plain POSIX sockets on
// one thread; every connection the browser opens (it may open spare ones that never send) is
// read at once, so that none holds up the one that brings the redirect.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "oauth2/authorization.hpp"
#include "util/error.hpp"

namespace mailsync {

// The first line of an HTTP request, its target cut at the first `?`.
struct RequestLine {
    std::string method;
    std::string path;
    std::string query;
};

// Reads the request line at the start of `head`; nullopt when it is not `METHOD TARGET HTTP/x`.
std::optional<RequestLine> parse_request_line(std::string_view head);

class LoopbackListener {
public:
    LoopbackListener() = default;
    ~LoopbackListener();
    LoopbackListener(const LoopbackListener&) = delete;
    LoopbackListener& operator=(const LoopbackListener&) = delete;

    // Listens on 127.0.0.1:`port`, or on a free port the system picks when it is 0; the port.
    Result<int> listen(int port);

    // Waits until `deadline` for `GET path`: the query of that request (empty without one), or
    // nullopt once the deadline has passed. Other requests are answered 404 and waiting goes on.
    Result<std::optional<std::string>> wait_for_get(std::string_view path,
                                                    std::chrono::steady_clock::time_point deadline);

    // Answers the request that wait_for_get returned with `page`, and closes its connection.
    void answer(int status, const BrowserPage& page);

private:
    int m_listener = -1;
    int m_client = -1; // the connection of the request wait_for_get returned
};

} // namespace mailsync
