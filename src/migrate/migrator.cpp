#include "migrate/migrator.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "migrate/connection.hpp"
#include "migrate/folders.hpp"
#include "probe/token.hpp"
#include "util/curl.hpp"
#include "util/text.hpp"

namespace mailsync {

using ImapConnection = imap::Connection;
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

std::map<std::string, FolderProgress> MigrationLedger::progress(const std::string& name,
                                                                const std::string& identity) {
    std::lock_guard lock(m_mutex);
    auto found = m_state.folder_progress(name, identity);
    if (!found) {
        m_errors.push_back(found.error().message);
        return {};
    }
    return *found;
}

void MigrationLedger::save(const MigrationRecord& record) {
    std::lock_guard lock(m_mutex);
    if (auto ok = m_state.save_migration(record); !ok)
        m_errors.push_back(ok.error().message);
}

void MigrationLedger::save_folder(const std::string& name, const std::string& folder,
                                  const FolderProgress& progress) {
    std::lock_guard lock(m_mutex);
    if (auto ok = m_state.save_folder_progress(name, folder, progress); !ok)
        m_errors.push_back(ok.error().message);
}

std::pair<std::int64_t, std::int64_t> MigrationLedger::copied_before(const std::string& name,
                                                                     const std::string& identity) {
    std::lock_guard lock(m_mutex);
    auto records = m_state.migrations();
    if (!records) {
        m_errors.push_back(records.error().message);
        return {0, 0};
    }
    for (const MigrationRecord& record : *records)
        if (record.name == name && record.identity == identity)
            return {record.messages_done, record.bytes_done};
    return {0, 0};
}

std::vector<std::string> MigrationLedger::errors() {
    std::lock_guard lock(m_mutex);
    return m_errors;
}

std::string migration_identity(const MailboxMigration& migration) {
    const MigrationEndpoint& s = migration.source;
    const MigrationEndpoint& d = migration.destination;
    return fmt::format("{}@{}:{} -> {}@{}:{}", s.username, s.host, s.port, d.username, d.host,
                       d.port);
}

namespace {

// A failure of a migration step: what it was about and whether a reconnect may cure it.
struct StepError {
    std::string message;
    bool dropped = false;
};

std::string side_label(const MigrationEndpoint& side) {
    return fmt::format("{} {}:{}", side.side, side.host, side.port);
}

StepError step_error(const MigrationEndpoint& side, const Failure& failure,
                     std::string_view about = {}) {
    std::string message = fmt::format("{}: {}{}", side_label(side), about.empty() ? "" : about,
                                      imap::describe(failure));
    return {std::move(message), failure.dropped};
}

// --- OAuth2 tokens, one fetch per credential per process ---------------------------------

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

std::expected<std::string, std::string> access_token(const Config& config,
                                                     const MigrationEndpoint& side) {
    static std::mutex mutex;
    static std::map<std::string, std::string> tokens;
    const OAuth2Auth& auth = *side.auth->oauth2;
    const OAuth2Client* client = config.find_client(auth.client);
    if (client == nullptr)
        return std::unexpected(fmt::format("OAuth2Client '{}' is not declared", auth.client));
    TokenRequest request = token_request(*client, auth, side.username);
    {
        std::lock_guard lock(mutex);
        if (auto found = tokens.find(request.key); found != tokens.end())
            return found->second;
    }
    curl::Easy easy;
    std::string body;
    easy.set(CURLOPT_URL, request.url);
    easy.set(CURLOPT_POSTFIELDS, request.body);
    easy.set(CURLOPT_TIMEOUT_MS, 30000L);
    easy.set(CURLOPT_SSL_VERIFYPEER, request.tls.verify ? 1L : 0L);
    easy.set(CURLOPT_SSL_VERIFYHOST, request.tls.verify ? 2L : 0L);
    if (!request.tls.ca_file.empty())
        easy.set(CURLOPT_CAINFO, request.tls.ca_file);
    easy.set_callback(CURLOPT_WRITEFUNCTION, collect_body);
    easy.set(CURLOPT_WRITEDATA, static_cast<void*>(&body));
    CURLcode code = curl_easy_perform(easy.handle());
    if (code != CURLE_OK)
        return std::unexpected(
            fmt::format("token request to {}: {}", request.url, easy.error_text(code)));
    TokenResponse response = parse_token_response(easy.response_code(), body);
    if (!response.ok)
        return std::unexpected(
            fmt::format("token request to {}: {}{}", request.url, response.error,
                        response.description.empty() ? "" : ": " + response.description));
    std::lock_guard lock(mutex);
    tokens[request.key] = response.access_token;
    return response.access_token;
}

std::expected<imap::Credentials, std::string> credentials(const Config& config,
                                                          const MigrationEndpoint& side) {
    imap::Credentials out;
    out.user = side.username;
    out.login = side.username;
    const Auth& auth = *side.auth;
    if (auth.password && auth.password->value) {
        out.secret = auth.password->value->reveal();
    } else if (auth.admin) {
        out.secret = auth.admin->password && auth.admin->password->value
                         ? auth.admin->password->value->reveal()
                         : std::string();
        if (!auth.admin->user.empty()) {
            out.login = auth.admin->user;
            out.separator = auth.admin->separator;
            out.method = auth.admin->login == AdminLogin::master
                             ? imap::Credentials::Method::master
                             : imap::Credentials::Method::authzid;
        }
    } else if (auth.oauth2) {
        auto token = access_token(config, side);
        if (!token)
            return std::unexpected(token.error());
        out.secret = *token;
        out.method = auth.oauth2->mechanism == TokenMechanism::oauthbearer
                         ? imap::Credentials::Method::oauthbearer
                         : imap::Credentials::Method::xoauth2;
    }
    return out;
}

// --- Connections ------------------------------------------------------------------------

struct Side {
    const MigrationEndpoint* endpoint = nullptr;
    std::optional<ImapConnection> connection;
    char delimiter = '/';
};

std::expected<void, StepError> connect(Side& side, const Config& config) {
    const MigrationEndpoint& e = *side.endpoint;
    imap::Endpoint endpoint{e.host, e.port, e.encryption, e.tls, e.timeout, e.allow_plaintext_auth};
    auto opened = ImapConnection::open(endpoint);
    if (!opened)
        return std::unexpected(step_error(e, opened.error()));
    auto login = credentials(config, e);
    if (!login)
        return std::unexpected(StepError{
            fmt::format("{}: log in as {}: {}", side_label(e), e.username, login.error())});
    if (auto ok = opened->login(*login); !ok) {
        StepError error = step_error(e, ok.error(), fmt::format("as {}: ", e.username));
        if (e.side == "destination" && !ok.error().dropped)
            error.message += " (the destination mailbox must exist before migration, and the "
                             "credentials must open it)";
        return std::unexpected(error);
    }
    side.connection = std::move(*opened);
    return {};
}

struct Listed {
    std::string name; // on the wire
    char delimiter = 0;
    bool selectable = true;
};

std::expected<std::vector<Listed>, Failure> list(ImapConnection& connection,
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

// A number the server sent; nullopt for anything else, so that a malformed answer is skipped
// or reported instead of throwing.
template <typename T> std::optional<T> number(std::string_view text) {
    T value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

struct Summary {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
    std::string key;
};

// The UIDs from `from` on, with size and key: a quick scan of headers, not of bodies.
std::expected<std::vector<Summary>, Failure> summaries(ImapConnection& connection,
                                                       std::int64_t from, bool keys) {
    std::vector<Response> untagged;
    auto done = connection.run(
        fmt::format("UID FETCH {}:* (UID RFC822.SIZE{})", std::max<std::int64_t>(from, 1),
                    keys ? " INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]" : ""),
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
        if (summary.uid < from)
            continue; // "N:*" always returns the last message
        summary.size = *size_value;
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
};

std::expected<Selected, Failure> examine(ImapConnection& connection, const std::string& name) {
    std::vector<Response> untagged;
    auto done =
        connection.run(fmt::format("EXAMINE {}", *imap::quoted(name)), "open folder", &untagged);
    if (!done)
        return std::unexpected(done.error());
    Selected out;
    for (const Response& response : untagged) {
        if (response.kind == "EXISTS")
            out.exists = response.number;
        if (response.code.starts_with("UIDVALIDITY "))
            out.uidvalidity = number<std::int64_t>(response.code.substr(12)).value_or(0);
    }
    return out;
}

// A migration's two connections and its folders.
class Job {
public:
    Job(const MailboxMigration& migration, const Config& config, MigrationLedger& ledger,
        const MigrationOptions& options, MigrationProgress* progress)
        : m_migration(migration), m_config(config), m_ledger(ledger), m_options(options),
          m_progress(progress) {
        m_source.endpoint = &migration.source;
        m_destination.endpoint = &migration.destination;
        m_identity = migration_identity(migration);
    }

    std::expected<void, StepError> open() {
        if (auto ok = connect(m_source, m_config); !ok)
            return ok;
        return connect(m_destination, m_config);
    }

    void close() {
        if (m_source.connection)
            m_source.connection->close();
        if (m_destination.connection)
            m_destination.connection->close();
        m_source.connection.reset();
        m_destination.connection.reset();
    }

    std::expected<MigrationScan, StepError> scan();
    std::expected<void, StepError> copy(FolderScan& folder, MigrationOutcome& outcome);

private:
    std::expected<void, StepError> create(FolderScan& folder, std::set<std::string>& existing);
    StepError source_error(const Failure& failure, std::string_view about = {}) const {
        return step_error(m_migration.source, failure, about);
    }
    StepError destination_error(const Failure& failure, std::string_view about = {}) const {
        return step_error(m_migration.destination, failure, about);
    }

    const MailboxMigration& m_migration;
    const Config& m_config;
    MigrationLedger& m_ledger;
    const MigrationOptions& m_options;
    MigrationProgress* m_progress;
    std::string m_identity;
    Side m_source;
    Side m_destination;
    std::set<std::string> m_destination_names; // existing at the destination, on the wire
};

std::expected<MigrationScan, StepError> Job::scan() {
    MigrationScan scan;
    ImapConnection& source = *m_source.connection;
    ImapConnection& destination = *m_destination.connection;

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
        if (!imap::folder_selected(folder.path, m_migration.include, m_migration.exclude))
            continue;
        folder.destination_path = imap::renamed(folder.path, m_migration.rename);
        bool changed = false;
        folder.destination_name =
            folder.destination_path == "INBOX"
                ? "INBOX"
                : imap::name_of(folder.destination_path, m_destination.delimiter, &changed);
        if (changed)
            scan.warnings.push_back(fmt::format(
                "folder '{}': a level holds the destination's delimiter '{}'; it becomes '_'",
                folder.path, m_destination.delimiter));
        folder.create = !m_destination_names.contains(folder.destination_name);
        if (auto found = progress.find(folder.path); found != progress.end()) {
            folder.uidvalidity = found->second.uidvalidity;
            folder.last_uid = found->second.last_uid;
        }
        scan.folders.push_back(std::move(folder));
    }
    std::sort(scan.folders.begin(), scan.folders.end(),
              [](const FolderScan& a, const FolderScan& b) {
                  return (a.path != "INBOX") < (b.path != "INBOX") ||
                         ((a.path != "INBOX") == (b.path != "INBOX") && a.path < b.path);
              });

    for (FolderScan& folder : scan.folders) {
        if (!folder.selectable)
            continue;
        auto selected = examine(source, folder.source_name);
        if (!selected)
            return std::unexpected(
                source_error(selected.error(), fmt::format("folder '{}': ", folder.path)));
        if (selected->uidvalidity != folder.uidvalidity) {
            folder.uidvalidity = selected->uidvalidity;
            folder.last_uid = 0; // the UIDs were reset: the destination scan decides
        }
        folder.source_messages = selected->exists;
        folder.scanned = true;
        if (selected->exists == 0)
            continue;
        // What the destination holds already, counted per key, so duplicates stay duplicates.
        std::unordered_map<std::string, std::uint32_t> there;
        if (!folder.create) {
            auto opened = examine(destination, folder.destination_name);
            if (!opened)
                return std::unexpected(destination_error(
                    opened.error(), fmt::format("folder '{}': ", folder.destination_path)));
            if (opened->exists > 0) {
                auto held = summaries(destination, 1, true);
                if (!held)
                    return std::unexpected(destination_error(
                        held.error(), fmt::format("folder '{}': ", folder.destination_path)));
                for (const Summary& summary : *held)
                    ++there[summary.key];
            }
        }
        // Against an empty folder nothing can match, so the source's headers are not read.
        auto fresh = summaries(source, folder.last_uid + 1, !there.empty());
        if (!fresh)
            return std::unexpected(
                source_error(fresh.error(), fmt::format("folder '{}': ", folder.path)));
        for (const Summary& summary : *fresh) {
            auto found = there.find(summary.key);
            if (found != there.end() && found->second > 0) {
                --found->second;
                ++folder.already_there;
                continue;
            }
            folder.todo.push_back({summary.uid, summary.size});
        }
    }
    (void)destination.run("UNSELECT", "close folder");
    return scan;
}

std::expected<void, StepError> Job::create(FolderScan& folder, std::set<std::string>& existing) {
    ImapConnection& destination = *m_destination.connection;
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

std::expected<void, StepError> Job::copy(FolderScan& folder, MigrationOutcome& outcome) {
    ImapConnection& source = *m_source.connection;
    ImapConnection& destination = *m_destination.connection;
    if (folder.create) {
        if (auto ok = create(folder, m_destination_names); !ok)
            return ok;
    }
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
        last_save = clock;
        m_ledger.save_folder(m_migration.meta.name, folder.path,
                             FolderProgress{folder.uidvalidity, last_uid});
    };
    auto send = [&](std::vector<Message> messages) -> std::expected<InFlight, StepError> {
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
    const std::uint64_t batch_limit = multiappend ? 4u << 20 : 0;
    while ((next < folder.todo.size() || !fetches.empty()) && !fatal) {
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
                if (flag.is_atom("\\Recent"))
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

// The task as status shows it: what every run copied, and what is left.
MigrationRecord record_of(const MailboxMigration& migration, TaskStatus status, std::string message,
                          const MigrationProgress& progress,
                          std::pair<std::int64_t, std::int64_t> before) {
    MigrationRecord record;
    record.name = migration.meta.name;
    record.identity = migration_identity(migration);
    record.status = status;
    record.message = std::move(message);
    record.messages_done = before.first + static_cast<std::int64_t>(progress.messages_done.load());
    record.bytes_done = before.second + static_cast<std::int64_t>(progress.bytes_done.load());
    record.messages_total =
        before.first + static_cast<std::int64_t>(progress.messages_total.load());
    record.bytes_total = before.second + static_cast<std::int64_t>(progress.bytes_total.load());
    return record;
}

} // namespace

std::expected<MigrationScan, std::string>
scan_migration(const MailboxMigration& migration, const Config& config, MigrationLedger& ledger) {
    MigrationOptions options;
    Job job(migration, config, ledger, options, nullptr);
    if (auto ok = job.open(); !ok) {
        job.close();
        return std::unexpected(ok.error().message);
    }
    auto scan = job.scan();
    job.close();
    if (!scan)
        return std::unexpected(scan.error().message);
    return std::move(*scan);
}

MigrationOutcome run_migration(const MailboxMigration& migration, const Config& config,
                               MigrationLedger& ledger, MigrationProgress& progress,
                               const MigrationOptions& options) {
    MigrationOutcome outcome;
    progress.phase = 1;
    auto before = ledger.copied_before(migration.meta.name, migration_identity(migration));
    ledger.save(record_of(migration, TaskStatus::pending, "scanning", progress, before));
    int attempts = 0;
    std::uint64_t copied_before = 0;
    bool first = true;
    for (;;) {
        Job job(migration, config, ledger, options, &progress);
        std::expected<void, StepError> result = job.open();
        std::optional<MigrationScan> scan;
        if (result) {
            auto scanned = job.scan();
            if (scanned)
                scan = std::move(*scanned);
            else
                result = std::unexpected(scanned.error());
        }
        if (scan) {
            if (first) {
                progress.messages_total = scan->messages();
                progress.bytes_total = scan->bytes();
                first = false;
            } else {
                // After a reconnect the totals are what was copied plus what is left.
                progress.messages_total = progress.messages_done + scan->messages();
                progress.bytes_total = progress.bytes_done + scan->bytes();
            }
            progress.phase = 2;
            ledger.save(record_of(migration, TaskStatus::pending, "copying", progress, before));
            for (FolderScan& folder : scan->folders) {
                result = job.copy(folder, outcome);
                if (!result)
                    break;
                ledger.save(record_of(migration, TaskStatus::pending, "copying", progress, before));
            }
        }
        job.close();
        if (result)
            break;
        if (!result.error().dropped) {
            outcome.status = TaskStatus::error;
            outcome.message = result.error().message;
            break;
        }
        // A dropped connection: reconnect and go on from the progress recorded, unless several
        // attempts in a row copied nothing.
        if (outcome.messages == copied_before)
            ++attempts;
        else
            attempts = 1;
        copied_before = outcome.messages;
        outcome.problems.push_back(fmt::format("reconnected after: {}", result.error().message));
        if (attempts > options.reconnects) {
            outcome.status = TaskStatus::error;
            outcome.message = fmt::format("{} (gave up after {} reconnects)",
                                          result.error().message, options.reconnects);
            break;
        }
        std::this_thread::sleep_for(options.reconnect_delay * attempts);
    }
    progress.phase = 3;
    std::vector<std::string> refused;
    for (const std::string& problem : outcome.problems)
        if (!problem.starts_with("reconnected after: "))
            refused.push_back(problem);
    if (outcome.status != TaskStatus::error) {
        if (!refused.empty()) {
            outcome.status = TaskStatus::error;
            outcome.message = fmt::format("{} message{} not copied: {}", refused.size(),
                                          refused.size() == 1 ? "" : "s", join(refused, "; "));
        } else {
            outcome.status = TaskStatus::completed;
            outcome.message =
                outcome.messages == 0
                    ? std::string("up to date: nothing left to copy")
                    : fmt::format("{} message{} copied ({})", outcome.messages,
                                  outcome.messages == 1 ? "" : "s", human_size(outcome.bytes));
        }
    }
    ledger.save(record_of(migration, outcome.status, outcome.message, progress, before));
    return outcome;
}

} // namespace mailsync
