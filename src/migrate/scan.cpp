// What a migration still has to copy: the destination's delimiter and folders, the source's
// folders selected and renamed, and per folder the UIDs above the recorded progress, less the
// messages the destination holds already.
#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "migrate/folders.hpp"
#include "migrate/job.hpp"

namespace mailsync {

using imap::Failure;
using imap::Item;
using imap::Response;

std::uint64_t FolderScan::bytes() const {
    std::uint64_t total = 0;
    for (const MessageRef& message : todo)
        total += message.size;
    return total;
}

std::uint64_t MigrationScan::messages() const {
    std::uint64_t total = 0;
    for (const FolderScan& folder : folders)
        total += folder.todo.size();
    return total;
}

std::uint64_t MigrationScan::flag_updates() const {
    std::uint64_t total = 0;
    for (const FolderScan& folder : folders)
        total += folder.flag_updates.size();
    return total;
}

std::uint64_t MigrationScan::bytes() const {
    std::uint64_t total = 0;
    for (const FolderScan& folder : folders)
        total += folder.bytes();
    return total;
}

std::size_t MigrationScan::to_create() const {
    return static_cast<std::size_t>(std::count_if(folders.begin(), folders.end(),
                                                  [](const FolderScan& f) { return f.create; }));
}

std::uint64_t MigrationScan::source_messages() const {
    std::uint64_t total = 0;
    for (const FolderScan& folder : folders)
        total += folder.source_messages;
    return total;
}

std::uint64_t MigrationScan::source_bytes() const {
    std::uint64_t total = 0;
    for (const FolderScan& folder : folders)
        total += folder.source_bytes;
    return total;
}

namespace {

struct Listed {
    std::string name; // on the wire
    char delimiter = 0;
    bool selectable = true;
    std::vector<std::string> attributes; // "\\HasNoChildren", "\\All", ...
};

std::expected<std::vector<Listed>, Failure> list(imap::Connection& connection,
                                                 std::string_view command) {
    std::vector<Response> untagged;
    auto done = connection.run(command, "list folders", &untagged);
    if (!done)
        return std::unexpected(done.error());
    std::vector<Listed> out;
    for (const Response& response : untagged) {
        if ((response.kind != "LIST" && response.kind != "LSUB") || response.data.size() < 3)
            continue;
        Listed listed;
        const Item& flags = response.data[0];
        for (const Item& flag : flags.items) {
            listed.attributes.push_back(flag.text);
            if (flag.is_atom("\\Noselect") || flag.is_atom("\\NonExistent"))
                listed.selectable = false;
        }
        if (response.data[1].type == Item::Type::string && !response.data[1].text.empty())
            listed.delimiter = response.data[1].text[0];
        listed.name = response.data[2].text;
        out.push_back(std::move(listed));
    }
    return out;
}

// The key that says two messages are the same: the Message-ID, or size and date without one.
std::string message_key(const Item& fetch, std::uint64_t size, std::int64_t date) {
    for (std::size_t i = 0; i + 1 < fetch.items.size(); i += 2) {
        const std::string& key = fetch.items[i].text;
        if (key.size() < 12 ||
            !std::equal(key.begin(), key.begin() + 12, "BODY[HEADER.",
                        [](char a, char b) { return (a & ~0x20) == (b & ~0x20); }))
            continue;
        std::string_view header = fetch.items[i + 1].text;
        std::size_t colon = header.find(':');
        if (colon == std::string_view::npos)
            break;
        std::string id;
        for (char c : header.substr(colon + 1))
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
                id += c;
        if (!id.empty())
            return "id " + id;
        break;
    }
    return fmt::format("size {} date {}", size, date);
}

struct Summary {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
    std::string key;
    std::string flags; // sorted, without \Recent
};

// A FETCH's flags as a sorted list, without \Recent (which no client can set).
std::string flag_text(const Item* flags) {
    std::vector<std::string> out;
    if (flags != nullptr)
        for (const Item& flag : flags->items)
            if (flag.is_flag() && !flag.is_atom("\\Recent"))
                out.push_back(flag.text);
    std::sort(out.begin(), out.end());
    std::string text;
    for (const std::string& flag : out)
        text += (text.empty() ? "" : " ") + flag;
    return text;
}

// The UIDs from `from` to `to` (0: to the last), with size, flags and key: a quick scan of
// headers, not of bodies; with `changed_since`, only the messages whose flags changed after
// that MODSEQ (CONDSTORE).
std::expected<std::vector<Summary>, Failure> summaries(imap::Connection& connection,
                                                       std::int64_t from, std::int64_t to,
                                                       bool keys, std::int64_t changed_since = 0) {
    std::vector<Response> untagged;
    auto done = connection.run(
        fmt::format("UID FETCH {}:{} (UID FLAGS RFC822.SIZE{}){}", std::max<std::int64_t>(from, 1),
                    to > 0 ? std::to_string(to) : std::string("*"),
                    keys ? " INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]" : "",
                    changed_since > 0 ? fmt::format(" (CHANGEDSINCE {})", changed_since) : ""),
        "scan messages", &untagged);
    if (!done)
        return std::unexpected(done.error());
    std::vector<Summary> out;
    out.reserve(untagged.size());
    for (const Response& response : untagged) {
        if (response.kind != "FETCH" || response.data.empty())
            continue;
        const Item& fetch = response.data[0];
        const Item* uid = fetch.after("UID");
        const Item* size = fetch.after("RFC822.SIZE");
        const Item* date = fetch.after("INTERNALDATE");
        if (uid == nullptr || size == nullptr)
            continue;
        Summary summary;
        std::optional<std::uint32_t> uid_value = number<std::uint32_t>(uid->text);
        std::optional<std::uint64_t> size_value = number<std::uint64_t>(size->text);
        if (!uid_value || !size_value)
            continue;
        summary.uid = *uid_value;
        if (summary.uid < from || (to > 0 && summary.uid > to))
            continue; // "N:*" always returns the last message
        summary.size = *size_value;
        summary.flags = flag_text(fetch.after("FLAGS"));
        if (keys) {
            std::int64_t when = date ? imap::parse_internal_date(date->text).value_or(0) : 0;
            summary.key = message_key(fetch, summary.size, when);
        }
        out.push_back(std::move(summary));
    }
    std::sort(out.begin(), out.end(),
              [](const Summary& a, const Summary& b) { return a.uid < b.uid; });
    return out;
}

struct Selected {
    std::int64_t uidvalidity = 0;
    std::uint64_t exists = 0;
    std::int64_t highestmodseq = 0; // with CONDSTORE
};

std::expected<Selected, Failure> examine(imap::Connection& connection, const std::string& name,
                                         bool condstore = false) {
    std::vector<Response> untagged;
    auto done = connection.run(
        fmt::format("EXAMINE {}{}", *imap::quoted(name), condstore ? " (CONDSTORE)" : ""),
        "open folder", &untagged);
    if (!done)
        return std::unexpected(done.error());
    Selected out;
    for (const Response& response : untagged) {
        if (response.kind == "EXISTS")
            out.exists = response.number;
        if (response.code.starts_with("UIDVALIDITY "))
            out.uidvalidity = number<std::int64_t>(response.code.substr(12)).value_or(0);
        if (response.code.starts_with("HIGHESTMODSEQ "))
            out.highestmodseq = number<std::int64_t>(response.code.substr(14)).value_or(0);
    }
    return out;
}

// A destination message, to pair with the source's by key.
struct Held {
    std::uint32_t uid = 0;
    std::string flags;
    bool paired = false;
};
using HeldByKey = std::unordered_map<std::string, std::vector<Held>>;

// The first destination message of that key not paired yet, paired now; nullptr for none.
Held* pair_with(HeldByKey& there, const std::string& key) {
    auto found = there.find(key);
    if (found == there.end())
        return nullptr;
    for (Held& held : found->second)
        if (!held.paired) {
            held.paired = true;
            return &held;
        }
    return nullptr;
}

void note_flags(FolderScan& folder, const Held& held, const std::string& flags) {
    if (held.flags != flags)
        folder.flag_updates.push_back({held.uid, flags});
}
// A level of the destination path that holds the destination's delimiter gets '_' in its
// place: said with the name it will have and how to choose another.
std::string delimiter_warning(const std::string& path, const std::string& destination_path,
                              char delimiter) {
    std::string underscored = destination_path, suggestion = destination_path;
    std::replace(underscored.begin(), underscored.end(), delimiter, '_');
    std::replace(suggestion.begin(), suggestion.end(), delimiter, '-');
    return fmt::format("folder '{}': the destination separates levels with '{}', so '{}' is "
                       "created as '{}'; to choose its name, rename it in spec.folders.rename, "
                       "for example \"{}\": \"{}\"",
                       path, delimiter, destination_path, underscored, path, suggestion);
}

} // namespace

std::expected<MigrationScan, StepError> MigrationJob::scan() {
    MigrationScan scan;
    imap::Connection& source = *m_source.connection;
    imap::Connection& destination = *m_destination.connection;

    // The destination's delimiter and folders.
    auto root = list(destination, "LIST \"\" \"\"");
    if (!root)
        return std::unexpected(destination_error(root.error()));
    m_destination.delimiter = root->empty() ? '/' : root->front().delimiter;
    auto existing = list(destination, "LIST \"\" \"*\"");
    if (!existing)
        return std::unexpected(destination_error(existing.error()));
    m_destination_names.clear();
    for (const Listed& listed : *existing)
        m_destination_names.insert(
            imap::canonical_path(imap::path_of(listed.name, 0).value_or(listed.name)) == "INBOX"
                ? std::string("INBOX")
                : listed.name);

    auto folders = list(source, "LIST \"\" \"*\"");
    if (!folders)
        return std::unexpected(source_error(folders.error()));
    auto subscribed = list(source, "LSUB \"\" \"*\"");
    if (!subscribed)
        return std::unexpected(source_error(subscribed.error()));
    std::set<std::string> subscribed_names;
    for (const Listed& listed : *subscribed)
        subscribed_names.insert(listed.name);

    std::map<std::string, FolderProgress> progress =
        m_ledger.progress(m_migration.meta.name, m_identity);
    bool gmail = m_migration.source.type == "gmail";
    for (const Listed& listed : *folders) {
        std::optional<std::string> path = imap::path_of(listed.name, listed.delimiter);
        if (!path || !imap::quoted(listed.name)) {
            scan.warnings.push_back(fmt::format(
                "source folder '{}' is not valid modified UTF-7 or holds a line break; left out",
                listed.name));
            continue;
        }
        FolderScan folder;
        folder.path = *path;
        folder.source_name = listed.name;
        folder.selectable = listed.selectable;
        folder.subscribed = subscribed_names.contains(listed.name) || folder.path == "INBOX";
        if (m_migration.subscribed_only && !folder.subscribed)
            continue;
        if (gmail &&
            imap::gmail_view_left_out(folder.path, listed.attributes, m_migration.include)) {
            scan.left_out.push_back(folder.path);
            continue;
        }
        if (!imap::folder_selected(folder.path, m_migration.include, m_migration.exclude))
            continue;
        folder.destination_path = imap::renamed(folder.path, m_migration.rename);
        bool changed = false;
        folder.destination_name =
            folder.destination_path == "INBOX"
                ? "INBOX"
                : imap::name_of(folder.destination_path, m_destination.delimiter, &changed);
        if (changed)
            scan.warnings.push_back(
                delimiter_warning(folder.path, folder.destination_path, m_destination.delimiter));
        folder.create = !m_destination_names.contains(folder.destination_name);
        if (auto found = progress.find(folder.path); found != progress.end()) {
            folder.uidvalidity = found->second.uidvalidity;
            folder.last_uid = found->second.last_uid;
            folder.modseq = found->second.modseq;
        }
        scan.folders.push_back(std::move(folder));
    }
    std::sort(scan.left_out.begin(), scan.left_out.end());
    std::sort(scan.folders.begin(), scan.folders.end(),
              [](const FolderScan& a, const FolderScan& b) {
                  return (a.path != "INBOX") < (b.path != "INBOX") ||
                         ((a.path != "INBOX") == (b.path != "INBOX") && a.path < b.path);
              });

    bool condstore = source.has("CONDSTORE");
    for (FolderScan& folder : scan.folders) {
        if (!folder.selectable)
            continue;
        auto selected = examine(source, folder.source_name, condstore);
        if (!selected)
            return std::unexpected(
                source_error(selected.error(), fmt::format("folder '{}': ", folder.path)));
        if (selected->uidvalidity != folder.uidvalidity) {
            folder.uidvalidity = selected->uidvalidity;
            folder.last_uid = 0; // the UIDs were reset: the destination scan decides
            folder.modseq = 0;
        }
        folder.source_modseq = selected->highestmodseq;
        folder.source_messages = selected->exists;
        folder.scanned = true;
        if (selected->exists == 0)
            continue;
        // What the destination holds already, per key, so duplicates stay duplicates.
        HeldByKey there;
        if (!folder.create) {
            auto opened = examine(destination, folder.destination_name);
            if (!opened)
                return std::unexpected(destination_error(
                    opened.error(), fmt::format("folder '{}': ", folder.destination_path)));
            if (opened->exists > 0) {
                auto held = summaries(destination, 1, 0, true);
                if (!held)
                    return std::unexpected(destination_error(
                        held.error(), fmt::format("folder '{}': ", folder.destination_path)));
                for (Summary& summary : *held)
                    there[summary.key].push_back({summary.uid, std::move(summary.flags)});
            }
        }
        // The messages copied before: their sizes, for the mailbox's size that status shows,
        // and their flags, carried again where they changed at the source since. With
        // CONDSTORE only the messages changed since the MODSEQ recorded are read and paired;
        // without it every one is paired with the destination's by key, in UID order.
        bool by_modseq = folder.modseq > 0 && folder.source_modseq > 0;
        if (folder.last_uid > 0) {
            auto copied = summaries(source, 1, folder.last_uid, !there.empty() && !by_modseq);
            if (!copied)
                return std::unexpected(
                    source_error(copied.error(), fmt::format("folder '{}': ", folder.path)));
            for (const Summary& summary : *copied) {
                folder.source_bytes += summary.size;
                if (!there.empty() && !by_modseq)
                    if (Held* held = pair_with(there, summary.key))
                        note_flags(folder, *held, summary.flags);
            }
        }
        if (folder.last_uid > 0 && by_modseq && !there.empty() &&
            folder.source_modseq > folder.modseq) {
            auto changed = summaries(source, 1, folder.last_uid, true, folder.modseq);
            if (!changed)
                return std::unexpected(
                    source_error(changed.error(), fmt::format("folder '{}': ", folder.path)));
            for (const Summary& summary : *changed) {
                auto found = there.find(summary.key);
                if (found == there.end())
                    continue;
                for (Held& held : found->second)
                    if (held.flags != summary.flags) {
                        note_flags(folder, held, summary.flags);
                        held.flags = summary.flags;
                        break;
                    }
            }
        }
        // Against an empty folder nothing can match, so the source's headers are not read.
        auto fresh = summaries(source, folder.last_uid + 1, 0, !there.empty());
        if (!fresh)
            return std::unexpected(
                source_error(fresh.error(), fmt::format("folder '{}': ", folder.path)));
        for (const Summary& summary : *fresh) {
            folder.source_bytes += summary.size;
            if (Held* held = pair_with(there, summary.key)) {
                note_flags(folder, *held, summary.flags);
                ++folder.already_there;
                continue;
            }
            folder.todo.push_back({summary.uid, summary.size});
        }
    }
    (void)destination.run("UNSELECT", "close folder");
    return scan;
}

} // namespace mailsync
