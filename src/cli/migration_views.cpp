// What plan and status show of mailbox migrations: each migration's scan or last run, and the
// task table, as text and as JSON.
#include <algorithm>

#include <fmt/format.h>

#include "cli/amounts.hpp"
#include "cli/migrations.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

bool migration_pending(const MigrationPlanEntry& entry) {
    if (!entry.scanned)
        return !entry.record || entry.record->status != TaskStatus::completed;
    return !entry.scan || entry.scan->messages() > 0 || entry.scan->to_create() > 0;
}

bool migrations_pending(const std::vector<MigrationPlanEntry>& entries) {
    return std::any_of(entries.begin(), entries.end(), migration_pending);
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
        out += fmt::format("  {} {}  {} → {}\n", migration_pending(entry) ? paint("1", "~") : " ",
                           m.meta.name, fmt::format("{}@{}", m.source.username, m.source.host),
                           fmt::format("{}@{}", m.destination.username, m.destination.host));
        if (!entry.scanned && is_self_service(m)) {
            ++unscanned;
            bool invited = entry.record && entry.record->status == TaskStatus::invited;
            out += fmt::format(
                "      waiting for its owner (self-service, {})\n",
                invited ? fmt::format("{}, {}", entry.record->message, entry.record->updated_at)
                        : std::string("not invited yet: mailsync invite"));
            continue;
        }
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
        if (!scan.left_out.empty())
            out +=
                fmt::format("      left out, Gmail's views of the other folders (folders.include "
                            "names them to copy them): {}\n",
                            join(scan.left_out, ", "));
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
        item["pending"] = migration_pending(entry);
        if (is_self_service(m))
            item["waiting_for_owner"] = true;
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
        item["left_out"] = entry.scan->left_out;
        out.push_back(std::move(item));
    }
    return out;
}

namespace {

const QueueEntry* queue_entry(const std::vector<QueueEntry>& queue, const std::string& name) {
    for (const QueueEntry& entry : queue)
        if (entry.name == name)
            return &entry;
    return nullptr;
}

// "held by W since T", "paused", "last run by W (lease ran out)": what the queue adds.
std::string queue_words(const QueueEntry* entry) {
    if (entry == nullptr)
        return "";
    if (entry->state == "queued" && entry->leased)
        return fmt::format("held by {} since {}", entry->holder, entry->claimed_at);
    if (entry->state == "queued" && !entry->holder.empty())
        return fmt::format("waiting for a worker (the lease of {} ran out)", entry->holder);
    if (entry->state == "queued")
        return "waiting for a worker";
    if (entry->state == "paused" || entry->state == "cancelled")
        return entry->state;
    return entry->holder.empty() ? "" : fmt::format("by {}", entry->holder);
}

} // namespace

void print_migration_status(const std::vector<MigrationRecord>& records,
                            const std::vector<QueueEntry>& queue) {
    if (records.empty() && queue.empty())
        return;
    fmt::print("Mailbox migrations:\n");
    for (const MigrationRecord& record : records) {
        std::string progress =
            (record.status == TaskStatus::fresh || record.status == TaskStatus::invited) &&
                    record.messages_total == 0
                ? std::string()
                : fmt::format("{}/{} messages, {}/{}", with_commas(record.messages_done),
                              with_commas(record.messages_total), megabytes(record.bytes_done),
                              megabytes(record.bytes_total));
        if (record.status == TaskStatus::pending && record.bytes_total > 0)
            progress += fmt::format(" ({:.0f}%)", 100.0 * static_cast<double>(record.bytes_done) /
                                                      static_cast<double>(record.bytes_total));
        // The totals are the mailbox's; the words, once a run ended, what that run did.
        bool ended = record.status == TaskStatus::completed || record.status == TaskStatus::error;
        std::string words =
            ended && !record.message.empty() ? "last run: " + record.message : record.message;
        std::string worker = queue_words(queue_entry(queue, record.name));
        if (!worker.empty())
            worker = fmt::format("  [{}]", worker);
        fmt::print("  {:<9}  {:<24}  {}{}{}  (updated {}){}\n", status_name(record.status),
                   record.name, progress, progress.empty() || words.empty() ? "" : "  ", words,
                   record.updated_at, worker);
    }
    for (const QueueEntry& entry : queue) {
        if (std::none_of(records.begin(), records.end(),
                         [&](const MigrationRecord& r) { return r.name == entry.name; }))
            fmt::print("  {:<9}  {:<24}  [{}]\n", "NEW", entry.name, queue_words(&entry));
    }
}

nlohmann::ordered_json migration_status_json(const std::vector<MigrationRecord>& records,
                                             const std::vector<QueueEntry>& queue) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const MigrationRecord& record : records) {
        nlohmann::ordered_json worker = nullptr;
        if (const QueueEntry* entry = queue_entry(queue, record.name))
            worker = {{"queue", entry->state},
                      {"holder", entry->holder},
                      {"since", entry->claimed_at},
                      {"leased", entry->leased},
                      {"attempts", entry->attempts}};
        out.push_back({{"name", record.name},
                       {"mailboxes", record.identity},
                       {"status", status_name(record.status)},
                       {"message", record.message},
                       {"messages_done", record.messages_done},
                       {"messages_total", record.messages_total},
                       {"bytes_done", record.bytes_done},
                       {"bytes_total", record.bytes_total},
                       {"updated_at", record.updated_at},
                       {"worker", worker}});
    }
    return out;
}

} // namespace mailsync::cli
