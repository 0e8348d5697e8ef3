#include "cli/live.hpp"

#include <unistd.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "config/scalar.hpp"
#include "probe/server_text.hpp"
#include "trust/load.hpp"
#include "util/terminal.hpp"

namespace mailsync::cli {

namespace {

std::string resource_label(const ProbeResult& result) {
    return fmt::format("{}/{}", kind_name(result.kind), result.name);
}

} // namespace

void add_live_options(CLI::App& command, LiveOptions& options) {
    command.add_option("--parallelism", options.parallelism, "Connections tested at once")
        ->check(CLI::Range(1, 1024))
        ->default_val(16);
    command.add_option("--deadline", options.deadline,
                       "Stop the whole run after this long (30s, 5m); unfinished tests fail");
    command.add_flag("--verbose", options.verbose,
                     "Show each connection's protocol trace (credentials redacted)");
    command.add_flag("--allow-new-endpoints", options.allow_new_endpoints,
                     "Send secrets also to servers that no apply has recorded for them (on a "
                     "checkout you trust; never in a pull request's pipeline)");
}

std::optional<TrustPolicy> live_trust_policy(const LiveOptions& options,
                                             const std::string& state_path) {
    Result<TrustPolicy> policy =
        trust_policy(process_environment(), state_path, options.allow_new_endpoints);
    if (!policy) {
        fmt::print(stderr, "error: {}\n", policy.error().message);
        return std::nullopt;
    }
    if (options.allow_new_endpoints && policy->allowlist)
        fmt::print(stderr, "{}\n", allow_new_ignored);
    return std::move(*policy);
}

bool all_passed(const std::vector<ProbeResult>& results) {
    return std::all_of(results.begin(), results.end(),
                       [](const ProbeResult& result) { return result.ok; });
}

namespace {

// The selected resources whose tests would send a secret where the policy does not allow, as
// failed rows; `refused` gets their ids.
std::vector<ProbeResult>
refused_tests(const Config& config, const TrustPolicy& policy,
              const std::function<bool(Kind, const std::string&)>& selected,
              std::set<std::pair<Kind, std::string>>& refused) {
    std::vector<ProbeResult> out;
    auto check = [&](Kind kind, const std::string& name, const std::vector<SecretRoute>& routes) {
        if (selected && !selected(kind, name))
            return;
        std::vector<Refusal> refusals = refused_routes(routes, policy);
        if (refusals.empty())
            return;
        ProbeResult result;
        result.kind = kind;
        result.name = name;
        result.phase = Phase::refused;
        result.message = describe_refusal(refusals.front());
        if (refusals.size() > 1)
            result.message += fmt::format(" (and {} more)", refusals.size() - 1);
        result.hint = refusals.front().hint;
        refused.emplace(kind, name);
        out.push_back(std::move(result));
    };
    for (const OAuth2Client& client : config.clients)
        check(Kind::oauth2_client, client.meta.name, client_routes(client));
    for (const MailAccount& account : config.accounts)
        check(Kind::mail_account, account.meta.name,
              connection_routes(account, Kind::mail_account, account.meta.name, config));
    for (const SmtpConnection& smtp : config.smtp_connections)
        check(Kind::smtp_connection, smtp.meta.name,
              connection_routes(smtp, Kind::smtp_connection, smtp.meta.name, config));
    return out;
}

} // namespace

std::optional<std::vector<ProbeResult>>
run_live_tests(const Config& config, const LiveOptions& options, const TrustPolicy& policy,
               std::function<bool(Kind, const std::string&)> selected) {
    std::set<std::pair<Kind, std::string>> refused;
    std::vector<ProbeResult> refusals = refused_tests(config, policy, selected, refused);
    ProbeOptions probe;
    probe.parallelism = options.parallelism;
    probe.keep_trace = options.verbose;
    probe.selected = [selected = std::move(selected), refused](Kind kind, const std::string& name) {
        return (!selected || selected(kind, name)) && !refused.contains({kind, name});
    };
    if (!options.deadline.empty()) {
        std::optional<std::chrono::milliseconds> deadline = parse_duration(options.deadline);
        if (!deadline || deadline->count() <= 0) {
            fmt::print(stderr, "error: --deadline '{}' is not a duration such as 90s or 5m\n",
                       options.deadline);
            return std::nullopt;
        }
        probe.deadline = deadline;
    }
    bool progress = isatty(2) == 1;
    if (progress) {
        probe.on_progress = [](const ProbeProgress& p) {
            fmt::print(stderr, "\r\x1b[Ktesting connections: {}/{} done, {} running{}", p.done,
                       p.total, p.running,
                       p.failed > 0 ? fmt::format(", {} failed", p.failed) : std::string());
            std::fflush(stderr);
        };
    }
    std::vector<ProbeResult> results = run_probes(config, probe);
    if (progress)
        fmt::print(stderr, "\r\x1b[K");
    results.insert(results.end(), std::make_move_iterator(refusals.begin()),
                   std::make_move_iterator(refusals.end()));
    return results;
}

void print_probe_table(const std::vector<ProbeResult>& results, const LiveOptions& options,
                       const Context& context) {
    bool color = !context.no_color && use_color(1);
    if (options.verbose) {
        for (const ProbeResult& result : results) {
            fmt::print(stderr, "== {}\n", resource_label(result));
            for (const std::string& line : result.trace)
                fmt::print(stderr, "   {}\n", line);
        }
    }
    std::size_t width = 8;
    for (const ProbeResult& result : results)
        width = std::max(width, resource_label(result).size());
    width = std::min<std::size_t>(width, 60);
    fmt::print("{:<{}}  {:<7}{:<10}{:>7}  {}\n", "RESOURCE", width, "RESULT", "PHASE", "MS",
               "DETAIL");
    std::size_t failed = 0;
    for (const ProbeResult& result : results) {
        std::string outcome = result.ok ? "OK" : "FAIL";
        std::string shown = outcome;
        if (color)
            shown = fmt::format("\x1b[{}m{}\x1b[0m", result.ok ? "32" : "31;1", outcome);
        shown += std::string(7 - outcome.size(), ' ');
        std::string phase = result.ok ? "" : std::string(phase_name(result.phase));
        // One row each: the server's words without line breaks, a long text cut to a sentence.
        std::string words = result.ok
                                ? result.detail
                                : one_line(result.brief.empty() ? result.message : result.brief);
        fmt::print("{:<{}}  {}{:<10}{:>7}  {}\n", resource_label(result), width, shown, phase,
                   result.elapsed.count(), words);
        std::string indent(width + 2 + 7 + 10 + 7 + 2, ' ');
        if (!result.ok && !result.hint.empty())
            fmt::print("{}hint: {}\n", indent, result.hint);
        if (!result.verified && result.ok && result.kind == Kind::oauth2_client)
            fmt::print("{}the token endpoint's certificate was NOT verified (tls.verify: false)\n",
                       indent);
        failed += result.ok ? 0 : 1;
    }
    if (results.empty())
        fmt::print("Nothing to test: no MailAccount, SmtpConnection or OAuth2Client selected.\n");
    else
        fmt::print("{} tested: {} passed, {} failed.\n", results.size(), results.size() - failed,
                   failed);
}

nlohmann::ordered_json probe_json(const std::vector<ProbeResult>& results, bool with_trace) {
    nlohmann::ordered_json out;
    out["format_version"] = 1;
    std::size_t failed = 0;
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (const ProbeResult& result : results) {
        nlohmann::ordered_json item;
        item["kind"] = kind_name(result.kind);
        item["name"] = result.name;
        item["ok"] = result.ok;
        item["phase"] = result.ok ? nlohmann::ordered_json(nullptr)
                                  : nlohmann::ordered_json(phase_name(result.phase));
        item["message"] = result.message;
        item["hint"] = result.hint;
        item["detail"] = result.detail;
        item["milliseconds"] = result.elapsed.count();
        item["certificate_verified"] = result.verified;
        if (with_trace)
            item["trace"] = result.trace;
        items.push_back(std::move(item));
        failed += result.ok ? 0 : 1;
    }
    out["passed"] = results.size() - failed;
    out["failed"] = failed;
    out["results"] = std::move(items);
    return out;
}

} // namespace mailsync::cli
