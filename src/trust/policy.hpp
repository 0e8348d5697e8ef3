// The trust model's rule (docs/security.md): a secret goes only to an endpoint it is bound to.
// Bound means: the host is in MAILSYNC_ALLOWED_HOSTS (a list kept outside the repository), or,
// when no such list is given, an apply has already sent this secret to this endpoint (recorded
// in the state) or this run may bind new ones (apply itself, after review, or a trusted operator's
// --allow-new-endpoints). A pull request can therefore not move a secret to a host of its own.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "trust/routes.hpp"
#include "util/error.hpp"

namespace mailsync {

// One entry of MAILSYNC_ALLOWED_HOSTS: `host`, `host:port`, `*.example.com` (any name below
// it), an IP address (`[::1]:993` with a port), or `*` for any host.
struct HostPattern {
    std::string host; // lower case, without a final dot; "*" or "*.suffix" for wildcards
    int port = 0;     // 0: any port
};

// The hosts secrets may be sent to, given outside the repository.
class HostAllowlist {
public:
    // Entries separated by commas or white space; an entry that is not a host is an error.
    static Result<HostAllowlist> parse(const std::string& text);
    bool allows(const Endpoint& endpoint) const;
    // Whether some entry names `host`, on whatever port.
    bool allows_host(const std::string& host) const;
    bool empty() const { return m_patterns.empty(); }

private:
    std::vector<HostPattern> m_patterns;
};

// The variable that holds the allowlist.
inline constexpr const char* allowed_hosts_variable = "MAILSYNC_ALLOWED_HOSTS";

// (secret identity, endpoint text): what the state records as sent by an apply.
using SecretBinding = std::pair<std::string, std::string>;

struct TrustPolicy {
    std::optional<HostAllowlist> allowlist;
    std::set<SecretBinding> bound;
    // Whether endpoints not bound yet may receive secrets (apply; --allow-new-endpoints).
    bool allow_new = false;
};

// A route the policy does not allow, with why and how to allow it.
struct Refusal {
    SecretRoute route;
    std::string reason;
    std::string hint;
};

// The routes of `routes` that `policy` refuses. Google's and Microsoft's own token endpoints,
// fixed in mailsync, are always allowed.
std::vector<Refusal> refused_routes(const std::vector<SecretRoute>& routes,
                                    const TrustPolicy& policy);
// The same for one route: why `policy` refuses it, or nothing.
std::optional<Refusal> refusal_of(const SecretRoute& route, const TrustPolicy& policy);

// One line: "MailAccount 'x': refusing to send spec.auth.password (${env:X}) to imap://h:993: ...".
std::string describe_refusal(const Refusal& refusal);
// The same without the resource: "refusing to send ...", for where the resource is named.
std::string refusal_text(const Refusal& refusal);

// The bindings to record for routes that were allowed to be sent (without the well-known ones).
std::vector<SecretBinding> bindings_of(const std::vector<SecretRoute>& routes);

} // namespace mailsync
