// The state of migrations running at once: every read and write of the state goes through one
// lock, and a write that failed is kept for the report instead of stopping the copy.
#include <fmt/format.h>

#include "migrate/migrator.hpp"

namespace mailsync {

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

std::optional<MigrationRecord> MigrationLedger::last_record(const std::string& name,
                                                            const std::string& identity) {
    std::lock_guard lock(m_mutex);
    auto records = m_state.migrations();
    if (!records) {
        m_errors.push_back(records.error().message);
        return std::nullopt;
    }
    for (const MigrationRecord& record : *records)
        if (record.name == name && record.identity == identity)
            return record;
    return std::nullopt;
}

MigrationRecord MigrationLedger::without_run(const MailboxMigration& migration, TaskStatus status,
                                             std::string message) {
    std::string identity = migration_identity(migration);
    MigrationRecord record = last_record(migration.meta.name, identity).value_or(MigrationRecord{});
    record.name = migration.meta.name;
    record.identity = std::move(identity);
    record.status = status;
    record.message = std::move(message);
    return record;
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

} // namespace mailsync
