// The libcurl handles of a run of connection tests: an OAuth2 token request, and a CONNECT_ONLY
// connection to a mail server (greeting, capabilities, STARTTLS and, with a password, the login);
// each with its redacted trace.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "model/resources.hpp"
#include "probe/token.hpp"
#include "probe/trace.hpp"
#include "util/curl.hpp"

namespace mailsync {

// The redacted trace of an HTTP exchange with a token endpoint.
struct HttpTrace {
    const Redactor* redactor = nullptr;
    std::vector<std::string> lines;
};

// A POST of `request` whose answer goes to `body` (64 KiB at most), traced into `trace` unless
// it is null. `trace` and `body` must outlive the handle.
std::unique_ptr<curl::Easy> token_transfer(const TokenRequest& request,
                                           std::chrono::milliseconds timeout, std::string& body,
                                           HttpTrace* trace);

// A connection to `c` that ends once connected, within `budget`, traced into `trace`, which
// must outlive the handle. With `password_login`, libcurl logs in with the resource's password
// or administrator account; an OAuth2 login is the dialog's (probe/sasl).
std::unique_ptr<curl::Easy> mail_transfer(const Connection& c, std::chrono::milliseconds budget,
                                          ProtocolTrace& trace, bool password_login);

} // namespace mailsync
