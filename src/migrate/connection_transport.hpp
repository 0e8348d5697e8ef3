// What connection.cpp needs of the transport (connection_transport.cpp) besides Connection's
// own members: opening the TCP socket.
#pragma once

#include <expected>

#include "migrate/connection.hpp"

namespace mailsync::imap {

// A TCP connection to the endpoint's host and port (every address it resolves to, in turn),
// with TCP_NODELAY; the failure in the "connect" phase with the resolver's or the system's
// words.
std::expected<int, Failure> connect_tcp(const Endpoint& endpoint);

} // namespace mailsync::imap
