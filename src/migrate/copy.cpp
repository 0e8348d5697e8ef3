// Copying a folder: bodies fetched from the source in pipelined batches within a window while
// the destination receives them as (MULTI)APPENDs, and the progress written as the
// destination confirms them.
#include <deque>

#include <fmt/format.h>

#include "migrate/folders.hpp"
#include "migrate/job.hpp"
#include "util/text.hpp"

namespace mailsync {

using imap::Failure;
using imap::Item;
using imap::Response;

std::expected<void, StepError> MigrationJob::create(FolderScan& folder,
                                                    std::set<std::string>& existing) {
    imap::Connection& destination = *m_destination.connection;
    // Parents first, so that the hierarchy is the source's whatever the server does by itself.
    std::string path;
    std::size_t start = 0;
    while (true) {
        std::size_t slash = folder.destination_path.find('/', start);
        path = folder.destination_path.substr(0, slash);
        std::string name = path == "INBOX" ? "INBOX" : imap::name_of(path, m_destination.delimiter);
        if (!existing.contains(name)) {
            auto done =
                destination.run(fmt::format("CREATE {}", *imap::quoted(name)), "create folder");
            if (!done && done.error().message.find("ALREADYEXISTS") == std::string::npos)
                return std::unexpected(
                    destination_error(done.error(), fmt::format("folder '{}': ", path)));
            existing.insert(name);
            ++m_created;
            if (folder.subscribed)
                (void)destination.run(fmt::format("SUBSCRIBE {}", *imap::quoted(name)),
                                      "subscribe folder");
        }
        if (slash == std::string::npos)
            break;
        start = slash + 1;
    }
    folder.create = false;
    return {};
}

namespace {

// A UID set for FETCH: "4:7,9,12:13".
std::string uid_set(const std::vector<MessageRef>& todo, std::size_t begin, std::size_t end) {
    std::string out;
    for (std::size_t i = begin; i < end;) {
        std::size_t j = i;
        while (j + 1 < end && todo[j + 1].uid == todo[j].uid + 1)
            ++j;
        if (!out.empty())
            out += ',';
        out +=
            j == i ? std::to_string(todo[i].uid) : fmt::format("{}:{}", todo[i].uid, todo[j].uid);
        i = j + 1;
    }
    return out;
}

bool is_quota(const std::string& words) {
    return words.find("OVERQUOTA") != std::string::npos ||
           words.find("Quota exceeded") != std::string::npos ||
           words.find("quota exceeded") != std::string::npos;
}

bool is_too_big(const std::string& words) {
    return words.find("TOOBIG") != std::string::npos ||
           words.find("too large") != std::string::npos ||
           words.find("too big") != std::string::npos || words.find("[LIMIT]") != std::string::npos;
}
} // namespace

std::expected<void, StepError> MigrationJob::copy(FolderScan& folder, MigrationOutcome& outcome) {
    imap::Connection& source = *m_source.connection;
    imap::Connection& destination = *m_destination.connection;
    if (folder.create) {
        auto ok = create(folder, m_destination_names);
        outcome.folders_created += std::exchange(m_created, 0);
        if (!ok)
            return ok;
    }
    if (m_options.just_folders)
        return {};
    if (auto ok = carry_flags(folder, outcome); !ok)
        return ok;
    if (folder.todo.empty())
        return {};
    if (m_progress != nullptr) {
        std::lock_guard lock(m_progress->mutex);
        m_progress->folder = folder.path;
    }
    auto selected =
        source.run(fmt::format("EXAMINE {}", *imap::quoted(folder.source_name)), "open folder");
    if (!selected)
        return std::unexpected(
            source_error(selected.error(), fmt::format("folder '{}': ", folder.path)));

    // A message on its way: fetched, then appended alone or with others (MULTIAPPEND, one
    // index transaction at the destination for many messages), kept until the server says OK.
    struct Message {
        std::uint32_t uid = 0;
        std::string options; // " (\Seen) "date""
        std::string body;
    };
    struct InFlight {
        std::string tag;
        std::vector<Message> messages;
        std::uint64_t bytes = 0;
        bool done = false;
        bool ok = false;
    };
    bool multiappend = destination.has("MULTIAPPEND") && destination.has("LITERAL+");
    std::deque<InFlight> appends; // in UID order
    std::uint64_t appending_bytes = 0;
    std::vector<Message> batch;
    std::uint64_t batch_bytes = 0;
    std::deque<std::pair<std::string, std::uint64_t>> fetches; // tag, bytes asked
    std::uint64_t fetching_bytes = 0;
    std::size_t next = 0;
    bool blocked = false; // a message failed: progress stops before it
    std::int64_t last_uid = folder.last_uid;
    std::optional<StepError> fatal;
    auto last_save = std::chrono::steady_clock::now();
    std::string quoted_destination = *imap::quoted(folder.destination_name);
    auto about = [&](std::uint32_t uid) {
        return fmt::format("folder '{}' UID {}: ", folder.path, uid);
    };

    auto save_progress = [&](bool now) {
        auto clock = std::chrono::steady_clock::now();
        if (!now && clock - last_save < std::chrono::seconds(1))
            return;
        // A worker whose lease may have run out writes nothing more: the record is another's.
        if (stopped())
            return;
        last_save = clock;
        m_ledger.save_folder(m_migration.meta.name, folder.path,
                             FolderProgress{folder.uidvalidity, last_uid, folder.modseq});
    };
    auto send = [&](std::vector<Message> messages) -> std::expected<InFlight, StepError> {
        // Checked before every write to the destination, so that a worker frozen past its
        // lease does not append next to the worker that took the mailbox over.
        if (std::optional<StepError> stop = stopped())
            return std::unexpected(*stop);
        InFlight flight;
        for (const Message& message : messages)
            flight.bytes += message.body.size();
        std::expected<std::string, Failure> tag;
        if (messages.size() == 1) {
            tag = destination.send_literal(
                fmt::format("APPEND {}{}", quoted_destination, messages[0].options),
                messages[0].body);
        } else {
            std::vector<imap::AppendPart> parts;
            for (const Message& message : messages)
                parts.push_back({message.options, message.body});
            tag = destination.send_multiappend(quoted_destination, parts);
        }
        if (!tag)
            return std::unexpected(destination_error(tag.error(), about(messages.front().uid)));
        flight.tag = *tag;
        flight.messages = std::move(messages);
        appending_bytes += flight.bytes;
        return flight;
    };
    auto flush_batch = [&]() -> std::expected<void, StepError> {
        if (batch.empty())
            return {};
        auto flight = send(std::move(batch));
        batch.clear();
        batch_bytes = 0;
        if (!flight)
            return std::unexpected(flight.error());
        appends.push_back(std::move(*flight));
        return {};
    };
    auto settle = [&]() {
        while (!appends.empty() && appends.front().done) {
            InFlight& front = appends.front();
            if (!front.ok)
                blocked = true;
            if (!blocked)
                last_uid = front.messages.back().uid;
            appending_bytes -= front.bytes;
            appends.pop_front();
        }
        save_progress(false);
    };
    auto on_destination = [&](const Response& response) -> std::expected<void, StepError> {
        if (!response.tagged())
            return {};
        auto it = std::find_if(appends.begin(), appends.end(),
                               [&](const InFlight& a) { return a.tag == response.tag; });
        if (it == appends.end())
            return {};
        std::string words = response.kind +
                            (response.code.empty() ? "" : " [" + response.code + "]") + " " +
                            response.text;
        if (!response.ok() && it->messages.size() > 1 && !is_quota(words)) {
            // One of them was refused: send them one by one to learn which, in the same place.
            std::vector<InFlight> singles;
            for (Message& message : it->messages) {
                auto flight = send({std::move(message)});
                if (!flight)
                    return std::unexpected(flight.error());
                singles.push_back(std::move(*flight));
            }
            appending_bytes -= it->bytes;
            std::size_t at = static_cast<std::size_t>(it - appends.begin());
            appends.erase(it);
            appends.insert(appends.begin() + static_cast<std::ptrdiff_t>(at),
                           std::make_move_iterator(singles.begin()),
                           std::make_move_iterator(singles.end()));
            return {};
        }
        it->done = true;
        it->ok = response.ok();
        if (it->ok) {
            outcome.messages += it->messages.size();
            outcome.bytes += it->bytes;
            if (m_progress != nullptr) {
                m_progress->messages_done += it->messages.size();
                m_progress->bytes_done += it->bytes;
            }
            for (Message& message : it->messages)
                std::string().swap(message.body);
        } else {
            const Message& message = it->messages.front();
            std::string what = fmt::format("folder '{}' UID {} ({})", folder.path, message.uid,
                                           human_size(message.body.size()));
            if (is_quota(words))
                fatal = StepError{fmt::format("{}: quota exceeded at the destination while "
                                              "copying {}: {}",
                                              side_label(m_migration.destination), what, words)};
            else if (is_too_big(words))
                outcome.problems.push_back(fmt::format(
                    "{}: the message is too large for the destination: {}", what, words));
            else
                outcome.problems.push_back(
                    fmt::format("{}: the destination refused it: {}", what, words));
        }
        settle();
        return {};
    };
    // Reads the destination's answers: those already there, or (wait) at least one.
    auto drain_destination = [&](bool wait) -> std::expected<void, StepError> {
        while (!appends.empty()) {
            std::expected<std::optional<Response>, Failure> response =
                wait ? std::expected<std::optional<Response>, Failure>(destination.next())
                     : destination.poll();
            if (!response)
                return std::unexpected(
                    destination_error(response.error(), about(appends.front().messages[0].uid)));
            if (!*response)
                return {};
            if (auto ok = on_destination(**response); !ok)
                return ok;
            if (wait)
                return {};
        }
        return {};
    };

    const std::uint64_t window_bytes = m_options.window_bytes;
    const std::size_t batch_messages = multiappend ? 32 : 1;
    // A batch is a part of the window, so that several are on their way at once.
    const std::uint64_t batch_limit =
        multiappend ? std::min<std::uint64_t>(4u << 20, window_bytes / 4) : 0;
    while ((next < folder.todo.size() || !fetches.empty()) && !fatal) {
        if (std::optional<StepError> stop = stopped())
            return std::unexpected(*stop);
        // Ask for more bodies while the window has room.
        while (next < folder.todo.size() && fetching_bytes < window_bytes && fetches.size() < 4) {
            std::size_t end = next;
            std::uint64_t bytes = 0;
            while (end < folder.todo.size() && end - next < m_options.window_messages &&
                   (end == next || bytes + folder.todo[end].size <= window_bytes / 2)) {
                bytes += folder.todo[end].size;
                ++end;
            }
            std::string tag =
                source.send(fmt::format("UID FETCH {} (UID FLAGS INTERNALDATE BODY.PEEK[])",
                                        uid_set(folder.todo, next, end)));
            fetches.emplace_back(tag, bytes);
            fetching_bytes += bytes;
            next = end;
        }
        auto response = source.next();
        if (!response)
            return std::unexpected(
                source_error(response.error(), fmt::format("folder '{}': ", folder.path)));
        if (response->tagged()) {
            if (!fetches.empty() && response->tag == fetches.front().first) {
                fetching_bytes -= std::min(fetching_bytes, fetches.front().second);
                fetches.pop_front();
            }
            if (!response->ok())
                return std::unexpected(StepError{fmt::format(
                    "{}: folder '{}': fetching messages: {} {}", side_label(m_migration.source),
                    folder.path, response->kind, response->text)});
            if (auto ok = flush_batch(); !ok)
                return ok;
            continue;
        }
        if (response->kind != "FETCH" || response->data.empty())
            continue;
        Item& fetch = response->data[0];
        const Item* uid = fetch.after("UID");
        Item* body = fetch.after("BODY[]");
        if (uid == nullptr || body == nullptr)
            continue; // a flag change announced on the way
        const Item* flags = fetch.after("FLAGS");
        const Item* date = fetch.after("INTERNALDATE");
        Message message;
        std::optional<std::uint32_t> uid_value = number<std::uint32_t>(uid->text);
        if (!uid_value)
            return std::unexpected(
                StepError{fmt::format("{}: folder '{}': the server sent a FETCH with UID '{}'",
                                      side_label(m_migration.source), folder.path, uid->text)});
        message.uid = *uid_value;
        std::string flag_list;
        if (flags != nullptr) {
            for (const Item& flag : flags->items) {
                if (!flag.is_flag() || flag.is_atom("\\Recent"))
                    continue;
                if (!flag_list.empty())
                    flag_list += ' ';
                flag_list += flag.text;
            }
        }
        if (!flag_list.empty())
            message.options += " (" + flag_list + ")";
        if (date != nullptr && date->type == Item::Type::string)
            if (std::optional<std::string> when = imap::quoted(date->text))
                message.options += " " + *when;
        message.body = std::move(body->text);
        batch_bytes += message.body.size();
        batch.push_back(std::move(message));
        if (batch.size() >= batch_messages || batch_bytes >= batch_limit) {
            if (auto ok = flush_batch(); !ok)
                return ok;
        }
        // Keep the destination busy without waiting, and within its window.
        if (auto ok = drain_destination(false); !ok)
            return ok;
        while (!appends.empty() && !fatal &&
               (appends.size() > m_options.window_messages || appending_bytes > window_bytes)) {
            if (auto ok = drain_destination(true); !ok)
                return ok;
        }
    }
    if (!fatal) {
        if (auto ok = flush_batch(); !ok)
            return ok;
    }
    while (!appends.empty() && !fatal) {
        if (auto ok = drain_destination(true); !ok)
            return ok;
    }
    save_progress(true);
    if (fatal)
        return std::unexpected(*fatal);
    return {};
}

} // namespace mailsync
