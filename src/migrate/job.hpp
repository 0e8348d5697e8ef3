// The migration engine's own parts, shared by its files and by nothing else: a migration's two
// connections and its folders (`MigrationJob`), logged in by login.cpp, scanned by scan.cpp,
// copied by copy.cpp, their flags carried by flags.cpp, and run with reconnects by migrator.cpp.
#pragma once

#include <charconv>
#include <expected>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "migrate/connection.hpp"
#include "migrate/migrator.hpp"

namespace mailsync {

// A failure of a migration step: what it was about and whether a reconnect may cure it.
struct StepError {
    std::string message;
    bool dropped = false;
    // The connection broke after the server had taken it (during TLS, the greeting or the
    // login), neither refused nor answered NO: a server's process that died, which one more try
    // at the first connect may get past.
    bool broke = false;
};

// "source imap.example.com:993".
std::string side_label(const MigrationEndpoint& side);

// The side, what the step was about ("folder 'INBOX': ") and the failure's words.
StepError step_error(const MigrationEndpoint& side, const imap::Failure& failure,
                     std::string_view about = {});

// A number the server sent; nullopt for anything else, so that a malformed answer is skipped
// or reported instead of throwing.
template <typename T> std::optional<T> number(std::string_view text) {
    T value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

// One side of a running migration: its endpoint, its connection once logged in, and the
// hierarchy delimiter it uses.
struct MigrationSide {
    const MigrationEndpoint* endpoint = nullptr;
    std::optional<imap::Connection> connection;
    char delimiter = '/';
};

// A migration's two connections and its folders.
class MigrationJob {
public:
    MigrationJob(const MailboxMigration& migration, const Config& config, MigrationLedger& ledger,
                 const MigrationOptions& options, MigrationProgress* progress);

    // Connects and logs in to the source, then to the destination.
    std::expected<void, StepError> open();
    // Logs out of both, best effort.
    void close();

    // What is left to copy, folder by folder; writes nothing.
    std::expected<MigrationScan, StepError> scan();
    // Copies the folder's messages still to copy, creating the folder first when it is missing.
    std::expected<void, StepError> copy(FolderScan& folder, MigrationOutcome& outcome);

    // Stopped from outside (MigrationProgress::stop): the error that ends the run.
    std::optional<StepError> stopped() const;

private:
    // Sets the flags of messages copied before to the source's (flags.cpp).
    std::expected<void, StepError> carry_flags(FolderScan& folder, MigrationOutcome& outcome);
    std::expected<void, StepError> create(FolderScan& folder, std::set<std::string>& existing);
    StepError source_error(const imap::Failure& failure, std::string_view about = {}) const {
        return step_error(m_migration.source, failure, about);
    }
    StepError destination_error(const imap::Failure& failure, std::string_view about = {}) const {
        return step_error(m_migration.destination, failure, about);
    }

    const MailboxMigration& m_migration;
    const Config& m_config;
    MigrationLedger& m_ledger;
    const MigrationOptions& m_options;
    MigrationProgress* m_progress;
    std::string m_identity;
    MigrationSide m_source;
    MigrationSide m_destination;
    std::set<std::string> m_destination_names; // existing at the destination, on the wire
    std::uint64_t m_created = 0;               // folders created, not yet in an outcome
};

} // namespace mailsync
