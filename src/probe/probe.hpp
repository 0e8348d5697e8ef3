// Live connection tests: for every MailAccount and SmtpConnection, resolve, connect, TLS, read
// the greeting, authenticate (password, OAuth2 or an administrator account), open the IMAP
// folder read-only, log out; for every OAuth2Client, check that its token endpoint accepts it.
// Many at once on one thread with libcurl's multi interface. Nothing is ever sent as mail.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/resources.hpp"
#include "probe/trace.hpp"

namespace mailsync {

struct ProbeResult {
    Kind kind = Kind::mail_account;
    std::string name;
    bool ok = false;
    Phase phase = Phase::done; // where it failed; done when it passed
    std::string message;       // the server's or libcurl's words, credentials masked
    std::string brief;         // the message on one line: an endpoint's text cut to a sentence
    std::string hint;          // advice for a known case, or empty
    std::string detail;        // what passed: "TLSv1.3, PLAIN; INBOX: 3 messages (read-only)"
    std::chrono::milliseconds elapsed{0};
    bool verified = true;           // false when tls.verify: false turned verification off
    std::vector<std::string> trace; // the redacted protocol trace, when asked for
};

struct ProbeProgress {
    std::size_t done = 0;
    std::size_t total = 0;
    std::size_t running = 0;
    std::size_t failed = 0;
};

struct ProbeOptions {
    int parallelism = 16;
    std::optional<std::chrono::milliseconds> deadline; // for the whole run
    bool keep_trace = false;
    // Which resources to test; all when empty.
    std::function<bool(Kind, const std::string&)> selected;
    std::function<void(const ProbeProgress&)> on_progress;
};

// Tests the selected resources of a loaded configuration whose secrets are resolved. Results
// come in the configuration's order: clients, accounts, SMTP connections.
std::vector<ProbeResult> run_probes(const Config& config, const ProbeOptions& options);

} // namespace mailsync
