// Mailbox migrations in plan, apply and workers: which ones run, their scans, and the live
// display of the runner's copies (migrate/runner).
#include "cli/migrations.hpp"

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/amounts.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace {

constexpr std::string_view migration_prefix = "MailboxMigration/";

} // namespace

std::vector<const MailboxMigration*> selected_migrations(const Config& config,
                                                         const std::vector<std::string>& select,
                                                         std::vector<std::string>& unknown) {
    std::vector<std::string> names;
    for (const std::string& item : select) {
        if (item.starts_with(migration_prefix))
            names.push_back(item.substr(migration_prefix.size()));
    }
    std::vector<const MailboxMigration*> out;
    for (const MailboxMigration& migration : config.migrations) {
        if (select.empty() ||
            std::find(names.begin(), names.end(), migration.meta.name) != names.end())
            out.push_back(&migration);
    }
    for (const std::string& name : names) {
        if (std::none_of(out.begin(), out.end(),
                         [&](const MailboxMigration* m) { return m->meta.name == name; }))
            unknown.push_back(name);
    }
    return out;
}

std::vector<MigrationPlanEntry> plan_migrations(const std::vector<const MailboxMigration*>& list,
                                                const Config& config, StateStore& state,
                                                std::size_t parallelism,
                                                const TrustPolicy* policy) {
    std::vector<MigrationPlanEntry> entries(list.size());
    // Without a policy nothing is scanned; a self-service migration never is (its owner has not
    // given its credentials): each shows the state's record.
    std::vector<MigrationRecord> records =
        state.migrations().value_or(std::vector<MigrationRecord>{});
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (policy == nullptr || is_self_service(*list[i])) {
            entries[i].migration = list[i];
            for (const MigrationRecord& record : records) {
                if (record.name == list[i]->meta.name &&
                    record.identity == migration_identity(*list[i]))
                    entries[i].record = record;
            }
        }
    }
    if (policy == nullptr)
        return entries;
    MigrationLedger ledger(state);
    share_out(list.size(), parallelism, [&](std::size_t i) {
        if (is_self_service(*list[i]))
            return;
        entries[i].migration = list[i];
        entries[i].scanned = true;
        std::vector<Refusal> refusals = refused_routes(migration_routes(*list[i], config), *policy);
        if (!refusals.empty()) {
            entries[i].error =
                fmt::format("{}; {}", refusal_text(refusals.front()), refusals.front().hint);
            return;
        }
        auto scan = scan_migration(*list[i], config, ledger);
        if (scan)
            entries[i].scan = std::move(*scan);
        else
            entries[i].error = scan.error();
    });
    return entries;
}

namespace {

std::string duration_text(double seconds) {
    auto total = static_cast<long>(seconds + 0.5);
    if (total >= 3600)
        return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    return fmt::format("{}:{:02}", total / 60, total % 60);
}

using Running = MailboxRun;

std::string progress_line(Running& run) {
    MigrationProgress& p = run.progress;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count();
    std::uint64_t bytes = p.bytes_done, total = p.bytes_total;
    double rate = elapsed > 0 ? static_cast<double>(bytes) / elapsed : 0;
    std::string folder;
    {
        std::lock_guard lock(p.mutex);
        folder = p.folder;
    }
    if (p.phase < 2)
        return fmt::format("  {:<24} scanning…", run.migration->meta.name);
    std::string eta =
        rate > 0 && total > bytes ? duration_text(static_cast<double>(total - bytes) / rate) : "-";
    return fmt::format("  {:<24} {:>7}/{:<7} msgs  {:>9}/{:<9}  {:>6.1f} MB/s  ETA {:>7}  {}",
                       run.migration->meta.name, with_commas(p.messages_done),
                       with_commas(p.messages_total), megabytes(bytes), megabytes(total),
                       rate / 1e6, eta, folder);
}

std::string finished_line(const Running& run) {
    if (is_self_service(*run.migration)) // never started: nothing to count or time
        return fmt::format("  {:<9} {}: {}", status_name(run.outcome.status),
                           run.migration->meta.name, run.outcome.message);
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count();
    const MigrationOutcome& o = run.outcome;
    return fmt::format(
        "  {:<9} {}: {} in {}{}", status_name(o.status), run.migration->meta.name,
        o.status == TaskStatus::completed
            ? o.message
            : fmt::format("{} copied ({}); {}", plural(o.messages, "message"), megabytes(o.bytes),
                          o.message),
        duration_text(elapsed),
        elapsed > 0 && o.bytes > 0
            ? fmt::format(", {:.1f} MB/s", static_cast<double>(o.bytes) / 1e6 / elapsed)
            : "");
}

} // namespace

bool show_migrations(MigrationRunner& runner, const std::function<void()>& work,
                     const std::string& header, const Context& context,
                     std::vector<MigrationRunResult>* results) {
    std::vector<std::unique_ptr<Running>>& runs = runner.runs();
    bool quiet = results != nullptr;
    bool tty = !quiet && isatty(1) == 1 && !context.no_color;
    if (!quiet) {
        fmt::print("{}\n", header);
        std::fflush(stdout);
    }
    auto started = std::chrono::steady_clock::now();

    std::atomic<bool> all_done{false};
    std::mutex print_mutex;
    std::size_t drawn = 0; // lines of the live block on screen
    auto draw = [&](bool final) {
        if (quiet)
            return;
        std::lock_guard lock(print_mutex);
        std::string out;
        if (tty && drawn > 0)
            out += fmt::format("\x1b[{}A\x1b[J", drawn);
        drawn = 0;
        std::size_t done = 0, failed = 0;
        for (auto& run : runs) {
            if (run->finished && !run->reported) {
                run->reported = true;
                if (!run->taken_from.empty())
                    out += fmt::format("  taken over {}: the lease of {} ran out\n",
                                       run->migration->meta.name, run->taken_from);
                out += finished_line(*run) + "\n";
                for (const std::string& line : run->outcome.reconnects)
                    out += fmt::format("      {}\n", line);
                for (const std::string& problem : run->outcome.problems)
                    out += fmt::format("      {}\n", problem);
            }
            done += run->finished ? 1 : 0;
            failed += run->finished && run->outcome.status == TaskStatus::error ? 1 : 0;
        }
        if (tty && !final) {
            for (auto& run : runs) {
                if (run->finished || !run->running || run->progress.phase == 0)
                    continue;
                out += progress_line(*run) + "\n";
                ++drawn;
            }
            out += fmt::format("  {} of {} done{}\n", with_commas(done), with_commas(runs.size()),
                               failed > 0 ? fmt::format(", {} failed", failed) : "");
            ++drawn;
        }
        fmt::print("{}", out);
        std::fflush(stdout);
    };
    std::jthread display([&] {
        while (!all_done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(tty ? 250 : 100));
            draw(false);
        }
    });
    work();
    all_done = true;
    display.join();
    draw(true);

    std::uint64_t messages = 0, bytes = 0;
    std::size_t failed = 0, ran = 0, waiting = 0;
    for (auto& run : runs) {
        if (!run->finished)
            continue;
        ++ran;
        messages += run->outcome.messages;
        bytes += run->outcome.bytes;
        failed += run->outcome.status == TaskStatus::error ? 1 : 0;
        waiting += is_self_service(*run->migration) ? 1 : 0;
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const std::string& error : runner.state_errors())
        fmt::print(stderr, "warning: the state could not record the progress: {}\n", error);
    if (quiet) {
        for (auto& run : runs)
            if (run->finished)
                results->push_back({run->migration->meta.name, std::move(run->outcome)});
        return failed == 0;
    }
    fmt::print("Migrations: {} copied ({}) in {}, {:.1f} MB/s; {} completed, {} failed{}.\n",
               plural(messages, "message"), megabytes(bytes), duration_text(elapsed),
               elapsed > 0 ? static_cast<double>(bytes) / 1e6 / elapsed : 0.0,
               ran - failed - waiting, failed,
               waiting > 0 ? fmt::format(", {} waiting for {}", waiting,
                                         waiting == 1 ? "its owner" : "their owners")
                           : "");
    return failed == 0;
}

bool run_migrations(const std::vector<const MailboxMigration*>& list, const Config& config,
                    StateStore& state, std::size_t parallelism, const TrustPolicy& policy,
                    const Context& context, std::vector<MigrationRunResult>* results,
                    const MigrationOptions& options) {
    if (list.empty())
        return true;
    MigrationRunner runner(list, config, state, policy, options);
    runner.mark_queued();
    EveryMailbox queue(list.size());
    return show_migrations(
        runner, [&] { runner.run(queue, std::min(parallelism, list.size())); },
        fmt::format("Copying {} ({} at once)…", plural(list.size(), "mailbox"),
                    std::min(parallelism, list.size())),
        context, results);
}

nlohmann::ordered_json migration_results_json(const std::vector<MigrationRunResult>& results) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const MigrationRunResult& result : results)
        out.push_back({{"name", result.name},
                       {"status", status_name(result.outcome.status)},
                       {"message", result.outcome.message},
                       {"messages_copied", result.outcome.messages},
                       {"bytes_copied", result.outcome.bytes},
                       {"problems", result.outcome.problems},
                       {"reconnects", result.outcome.reconnects}});
    return out;
}

} // namespace mailsync::cli
