#include "trust/policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace mailsync {

namespace {

std::string lower(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (text.size() > 1 && text.ends_with('.'))
        text.pop_back();
    return text;
}

bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 253)
        return false;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ||
               c == ':' || c == '_';
    });
}

Result<HostPattern> parse_pattern(std::string entry) {
    HostPattern out;
    if (entry.find('/') != std::string::npos)
        return fail(fmt::format("'{}': give a host (host, host:port, *.domain), not a URL", entry));
    std::string host = entry;
    std::string port;
    if (entry.starts_with('[')) {
        std::size_t close = entry.find(']');
        if (close == std::string::npos)
            return fail(fmt::format("'{}' has no closing ']'", entry));
        host = entry.substr(1, close - 1);
        if (close + 1 < entry.size()) {
            if (entry[close + 1] != ':')
                return fail(fmt::format("'{}': write [ADDRESS]:PORT", entry));
            port = entry.substr(close + 2);
        }
    } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
        std::size_t colon = entry.find(':');
        host = entry.substr(0, colon);
        port = entry.substr(colon + 1);
    }
    if (!port.empty()) {
        auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), out.port);
        if (error != std::errc() || end != port.data() + port.size() || out.port < 1 ||
            out.port > 65535)
            return fail(fmt::format("'{}': the port must be a number from 1 to 65535", entry));
    }
    host = lower(host);
    std::string_view name = host;
    if (name == "*") {
        out.host = host;
        return out;
    }
    if (name.starts_with("*.")) {
        name.remove_prefix(2);
        if (name.find('*') != std::string_view::npos || !valid_host(name))
            return fail(
                fmt::format("'{}' is not a host pattern (host, *.domain, host:port)", entry));
        out.host = host;
        return out;
    }
    if (!valid_host(name))
        return fail(fmt::format("'{}' is not a host pattern (host, *.domain, host:port)", entry));
    out.host = host;
    return out;
}

bool matches(const HostPattern& pattern, const Endpoint& endpoint) {
    if (pattern.port != 0 && pattern.port != endpoint.port)
        return false;
    std::string host = lower(endpoint.host);
    if (host.starts_with('[') && host.ends_with(']'))
        host = host.substr(1, host.size() - 2);
    if (pattern.host == "*")
        return true;
    if (pattern.host.starts_with("*.")) {
        std::string_view suffix = std::string_view(pattern.host).substr(1); // ".example.com"
        return host.size() > suffix.size() && host.ends_with(suffix);
    }
    return host == pattern.host;
}

} // namespace

Result<HostAllowlist> HostAllowlist::parse(const std::string& text) {
    HostAllowlist out;
    std::string entry;
    auto flush = [&]() -> Result<void> {
        if (entry.empty())
            return {};
        Result<HostPattern> pattern = parse_pattern(entry);
        entry.clear();
        if (!pattern)
            return fail(fmt::format("{}: {}", allowed_hosts_variable, pattern.error().message));
        out.m_patterns.push_back(std::move(*pattern));
        return {};
    };
    for (char c : text) {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (Result<void> ok = flush(); !ok)
                return std::unexpected(ok.error());
        } else {
            entry += c;
        }
    }
    if (Result<void> ok = flush(); !ok)
        return std::unexpected(ok.error());
    return out;
}

bool HostAllowlist::allows_host(const std::string& host) const {
    return std::any_of(m_patterns.begin(), m_patterns.end(), [&](HostPattern pattern) {
        pattern.port = 0;
        return matches(pattern, Endpoint{"", host, 0});
    });
}

bool HostAllowlist::allows(const Endpoint& endpoint) const {
    return std::any_of(m_patterns.begin(), m_patterns.end(),
                       [&](const HostPattern& pattern) { return matches(pattern, endpoint); });
}

std::vector<Refusal> refused_routes(const std::vector<SecretRoute>& routes,
                                    const TrustPolicy& policy) {
    std::vector<Refusal> out;
    for (const SecretRoute& route : routes) {
        if (std::optional<Refusal> refusal = refusal_of(route, policy))
            out.push_back(std::move(*refusal));
    }
    return out;
}

std::optional<Refusal> refusal_of(const SecretRoute& route, const TrustPolicy& policy) {
    if (route.well_known)
        return std::nullopt;
    if (policy.allowlist) {
        if (policy.allowlist->allows(route.endpoint))
            return std::nullopt;
        return Refusal{
            route,
            policy.allowlist->allows_host(route.endpoint.host)
                ? fmt::format("{}:{} is not in {} (the host is, with another port)",
                              route.endpoint.host, route.endpoint.port, allowed_hosts_variable)
                : fmt::format("{} is not in {}", route.endpoint.host, allowed_hosts_variable),
            fmt::format("if this host is right, add it to {} where the "
                        "pipeline's settings are kept, outside the repository",
                        allowed_hosts_variable)};
    }
    if (policy.allow_new || policy.bound.contains({route.secret, route.endpoint.text()}))
        return std::nullopt;
    return Refusal{route, "no apply has sent this secret there yet",
                   fmt::format("apply the change from the protected branch once (it records the "
                               "endpoint in the state), list the host in {} outside the "
                               "repository, or on a checkout you trust pass "
                               "--allow-new-endpoints",
                               allowed_hosts_variable)};
}

std::string describe_refusal(const Refusal& refusal) {
    const SecretRoute& route = refusal.route;
    return fmt::format("{} '{}': {}", kind_name(route.kind), route.name, refusal_text(refusal));
}

std::string refusal_text(const Refusal& refusal) {
    const SecretRoute& route = refusal.route;
    return fmt::format("refusing to send {} ({}) to {}: {}", route.field, route.reference,
                       route.endpoint.text(), refusal.reason);
}

std::vector<SecretBinding> bindings_of(const std::vector<SecretRoute>& routes) {
    std::vector<SecretBinding> out;
    for (const SecretRoute& route : routes) {
        if (!route.well_known)
            out.emplace_back(route.secret, route.endpoint.text());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace mailsync
