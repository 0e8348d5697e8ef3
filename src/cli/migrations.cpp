#include "cli/migrations.hpp"

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "util/text.hpp"

namespace mailsync::cli {

namespace {

constexpr std::string_view migration_prefix = "MailboxMigration/";

std::string megabytes(std::uint64_t bytes) {
    if (bytes < 1'000'000)
        return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1e3);
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

std::string with_commas(std::uint64_t number) {
    std::string digits = std::to_string(number);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string plural(std::uint64_t count, std::string_view word) {
    return fmt::format("{} {}{}", with_commas(count), word,
                       count == 1            ? ""
                       : word.ends_with('x') ? "es"
                                             : "s");
}

// Runs `work(i)` for i in [0, count), `parallelism` at once.
template <typename Work> void share_out(std::size_t count, std::size_t parallelism, Work work) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++)
            work(i);
    };
    std::vector<std::jthread> threads;
    std::size_t workers = std::max<std::size_t>(1, std::min(parallelism, count));
    for (std::size_t i = 1; i < workers; ++i)
        threads.emplace_back(worker);
    worker();
}

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
    if (policy == nullptr) {
        std::vector<MigrationRecord> records =
            state.migrations().value_or(std::vector<MigrationRecord>{});
        for (std::size_t i = 0; i < list.size(); ++i) {
            entries[i].migration = list[i];
            for (const MigrationRecord& record : records) {
                if (record.name == list[i]->meta.name &&
                    record.identity == migration_identity(*list[i]))
                    entries[i].record = record;
            }
        }
        return entries;
    }
    MigrationLedger ledger(state);
    share_out(list.size(), parallelism, [&](std::size_t i) {
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

bool migrations_pending(const std::vector<MigrationPlanEntry>& entries) {
    for (const MigrationPlanEntry& entry : entries) {
        if (!entry.scanned) {
            if (!entry.record || entry.record->status != TaskStatus::completed)
                return true;
        } else if (!entry.scan || entry.scan->messages() > 0 || entry.scan->to_create() > 0) {
            return true;
        }
    }
    return false;
}

std::string render_migration_plan(const std::vector<MigrationPlanEntry>& entries, bool color) {
    if (entries.empty())
        return {};
    auto paint = [color](std::string_view code, const std::string& text) {
        return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
    };
    std::string out = "\nMailbox migrations (messages are copied, never deleted):\n";
    std::uint64_t messages = 0, bytes = 0;
    std::size_t failed = 0, unscanned = 0;
    for (const MigrationPlanEntry& entry : entries) {
        const MailboxMigration& m = *entry.migration;
        out += fmt::format("  {} {}  {} → {}\n", paint("1", "~"), m.meta.name,
                           fmt::format("{}@{}", m.source.username, m.source.host),
                           fmt::format("{}@{}", m.destination.username, m.destination.host));
        if (!entry.scanned) {
            ++unscanned;
            out += fmt::format(
                "      {}\n",
                entry.record
                    ? fmt::format(
                          "last run: {}, {} of {} copied ({})", status_name(entry.record->status),
                          with_commas(static_cast<std::uint64_t>(entry.record->messages_done)),
                          with_commas(static_cast<std::uint64_t>(entry.record->messages_total)),
                          entry.record->updated_at)
                    : std::string("never run"));
            continue;
        }
        if (!entry.scan) {
            ++failed;
            out += fmt::format("      {} {}\n", paint("31", "cannot scan:"), entry.error);
            continue;
        }
        const MigrationScan& scan = *entry.scan;
        messages += scan.messages();
        bytes += scan.bytes();
        for (const std::string& warning : scan.warnings)
            out += fmt::format("      warning: {}\n", warning);
        for (const FolderScan& folder : scan.folders) {
            std::string target = folder.destination_path == folder.path
                                     ? std::string()
                                     : " → " + folder.destination_path;
            std::string what;
            if (!folder.selectable)
                what = "no messages (a folder of folders)";
            else if (folder.todo.empty())
                what = fmt::format("up to date ({} at the source)",
                                   plural(folder.source_messages, "message"));
            else
                what = fmt::format("{} to copy, {}", plural(folder.todo.size(), "message"),
                                   megabytes(folder.bytes()));
            if (folder.already_there > 0)
                what += fmt::format("; {} already there", with_commas(folder.already_there));
            out += fmt::format("      {} {}{}: {}{}\n",
                               folder.create ? paint("32", "+") : std::string(" "), folder.path,
                               target, what, folder.create ? " (folder created)" : "");
        }
        out +=
            fmt::format("      {} to copy ({}) in {}; {} to create.\n",
                        plural(scan.messages(), "message"), megabytes(scan.bytes()),
                        plural(scan.folders.size(), "folder"), plural(scan.to_create(), "folder"));
    }
    if (unscanned == entries.size())
        return out + fmt::format("Migrations: {} not scanned; 'mailsync plan --scan-migrations' "
                                 "logs in to both servers to count what is left.\n",
                                 plural(entries.size(), "mailbox"));
    out += fmt::format("Migrations: {} to copy, {}, in {}{}{}.\n", plural(messages, "message"),
                       megabytes(bytes), plural(entries.size() - unscanned, "mailbox"),
                       failed > 0 ? fmt::format("; {} could not be scanned", failed) : "",
                       unscanned > 0 ? fmt::format("; {} not scanned", unscanned) : "");
    return out;
}

nlohmann::ordered_json migration_plan_json(const std::vector<MigrationPlanEntry>& entries) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const MigrationPlanEntry& entry : entries) {
        const MailboxMigration& m = *entry.migration;
        nlohmann::ordered_json item;
        item["name"] = m.meta.name;
        item["source"] = fmt::format("{}@{}:{}", m.source.username, m.source.host, m.source.port);
        item["destination"] =
            fmt::format("{}@{}:{}", m.destination.username, m.destination.host, m.destination.port);
        item["scanned"] = entry.scanned;
        if (!entry.scanned) {
            if (entry.record)
                item["status"] = status_name(entry.record->status);
            out.push_back(std::move(item));
            continue;
        }
        if (!entry.scan) {
            item["error"] = entry.error;
            out.push_back(std::move(item));
            continue;
        }
        item["messages"] = entry.scan->messages();
        item["bytes"] = entry.scan->bytes();
        item["folders"] = nlohmann::ordered_json::array();
        for (const FolderScan& folder : entry.scan->folders)
            item["folders"].push_back({{"source", folder.path},
                                       {"destination", folder.destination_path},
                                       {"create", folder.create},
                                       {"messages", folder.todo.size()},
                                       {"bytes", folder.bytes()},
                                       {"already_there", folder.already_there},
                                       {"at_source", folder.source_messages}});
        item["warnings"] = entry.scan->warnings;
        out.push_back(std::move(item));
    }
    return out;
}

namespace {

std::string duration_text(double seconds) {
    auto total = static_cast<long>(seconds + 0.5);
    if (total >= 3600)
        return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    return fmt::format("{}:{:02}", total / 60, total % 60);
}

struct Running {
    const MailboxMigration* migration = nullptr;
    MigrationProgress progress;
    std::chrono::steady_clock::time_point started;
    std::atomic<bool> finished{false};
    bool reported = false;
    MigrationOutcome outcome;
};

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

bool run_migrations(const std::vector<const MailboxMigration*>& list, const Config& config,
                    StateStore& state, std::size_t parallelism, const TrustPolicy& policy,
                    const Context& context, std::vector<MigrationRunResult>* results) {
    if (list.empty())
        return true;
    MigrationLedger ledger(state);
    std::vector<std::unique_ptr<Running>> runs;
    for (const MailboxMigration* migration : list) {
        auto run = std::make_unique<Running>();
        run->migration = migration;
        runs.push_back(std::move(run));
        // Queued: NEW until a worker takes it.
        MigrationRecord record;
        record.name = migration->meta.name;
        record.identity = migration_identity(*migration);
        record.status = TaskStatus::fresh;
        record.message = "queued";
        auto [messages, bytes] = ledger.copied_before(record.name, record.identity);
        record.messages_done = record.messages_total = messages;
        record.bytes_done = record.bytes_total = bytes;
        ledger.save(record);
    }
    bool quiet = results != nullptr;
    bool tty = !quiet && isatty(1) == 1 && !context.no_color;
    if (!quiet) {
        fmt::print("Copying {} ({} at once)…\n", plural(list.size(), "mailbox"),
                   std::min(parallelism, list.size()));
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
                out += finished_line(*run) + "\n";
                for (const std::string& problem : run->outcome.problems)
                    out += fmt::format("      {}\n", problem);
            }
            done += run->finished ? 1 : 0;
            failed += run->finished && run->outcome.status == TaskStatus::error ? 1 : 0;
        }
        if (tty && !final) {
            for (auto& run : runs) {
                if (run->finished || run->progress.phase == 0)
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
    share_out(runs.size(), parallelism, [&](std::size_t i) {
        Running& run = *runs[i];
        run.started = std::chrono::steady_clock::now();
        std::vector<Refusal> refusals =
            refused_routes(migration_routes(*run.migration, config), policy);
        if (refusals.empty()) {
            run.outcome = run_migration(*run.migration, config, ledger, run.progress);
        } else {
            run.outcome.status = TaskStatus::error;
            run.outcome.message =
                fmt::format("{}; {}", refusal_text(refusals.front()), refusals.front().hint);
            MigrationRecord record;
            record.name = run.migration->meta.name;
            record.identity = migration_identity(*run.migration);
            record.status = TaskStatus::error;
            record.message = run.outcome.message;
            auto [messages, bytes] = ledger.copied_before(record.name, record.identity);
            record.messages_done = record.messages_total = messages;
            record.bytes_done = record.bytes_total = bytes;
            ledger.save(record);
        }
        run.finished = true;
    });
    all_done = true;
    display.join();
    draw(true);

    std::uint64_t messages = 0, bytes = 0;
    std::size_t failed = 0;
    for (auto& run : runs) {
        messages += run->outcome.messages;
        bytes += run->outcome.bytes;
        failed += run->outcome.status == TaskStatus::error ? 1 : 0;
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const std::string& error : ledger.errors())
        fmt::print(stderr, "warning: the state could not record the progress: {}\n", error);
    if (quiet) {
        for (auto& run : runs)
            results->push_back({run->migration->meta.name, std::move(run->outcome)});
        return failed == 0;
    }
    fmt::print("Migrations: {} copied ({}) in {}, {:.1f} MB/s; {} completed, {} failed.\n",
               plural(messages, "message"), megabytes(bytes), duration_text(elapsed),
               elapsed > 0 ? static_cast<double>(bytes) / 1e6 / elapsed : 0.0, runs.size() - failed,
               failed);
    return failed == 0;
}

nlohmann::ordered_json migration_results_json(const std::vector<MigrationRunResult>& results) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const MigrationRunResult& result : results)
        out.push_back({{"name", result.name},
                       {"status", status_name(result.outcome.status)},
                       {"message", result.outcome.message},
                       {"messages_copied", result.outcome.messages},
                       {"bytes_copied", result.outcome.bytes},
                       {"problems", result.outcome.problems}});
    return out;
}

void print_migration_status(const std::vector<MigrationRecord>& records) {
    if (records.empty())
        return;
    fmt::print("Mailbox migrations:\n");
    for (const MigrationRecord& record : records) {
        std::string progress =
            record.status == TaskStatus::fresh && record.messages_total == 0
                ? std::string()
                : fmt::format("{}/{} messages, {}/{}", with_commas(record.messages_done),
                              with_commas(record.messages_total), megabytes(record.bytes_done),
                              megabytes(record.bytes_total));
        if (record.status == TaskStatus::pending && record.bytes_total > 0)
            progress += fmt::format(" ({:.0f}%)", 100.0 * static_cast<double>(record.bytes_done) /
                                                      static_cast<double>(record.bytes_total));
        fmt::print("  {:<9}  {:<24}  {}{}{}  (updated {})\n", status_name(record.status),
                   record.name, progress, progress.empty() || record.message.empty() ? "" : "  ",
                   record.message, record.updated_at);
    }
}

nlohmann::ordered_json migration_status_json(const std::vector<MigrationRecord>& records) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const MigrationRecord& record : records)
        out.push_back({{"name", record.name},
                       {"mailboxes", record.identity},
                       {"status", status_name(record.status)},
                       {"message", record.message},
                       {"messages_done", record.messages_done},
                       {"messages_total", record.messages_total},
                       {"bytes_done", record.bytes_done},
                       {"bytes_total", record.bytes_total},
                       {"updated_at", record.updated_at}});
    return out;
}

} // namespace mailsync::cli
