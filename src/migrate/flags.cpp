// Delta passes: the flags of messages copied before set again to the source's where they
// changed there since (the scan found them: by CONDSTORE's MODSEQ, or by comparing every
// message's flags). The destination folder is selected read-write for UID STORE, one command per
// set of flags, pipelined; then the MODSEQ the flags are carried up to is recorded.
#include <map>

#include <fmt/format.h>

#include "migrate/folders.hpp"
#include "migrate/job.hpp"

namespace mailsync {

namespace {

// "4:7,9" for sorted UIDs.
std::string uid_ranges(const std::vector<std::uint32_t>& uids) {
    std::string out;
    for (std::size_t i = 0; i < uids.size();) {
        std::size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1)
            ++j;
        out += (out.empty() ? "" : ",") +
               (j == i ? std::to_string(uids[i]) : fmt::format("{}:{}", uids[i], uids[j]));
        i = j + 1;
    }
    return out;
}

} // namespace

bool MigrationProgress::lease_ran_out() {
    std::int64_t until = lease_until;
    if (until == 0 || std::chrono::steady_clock::now().time_since_epoch().count() < until)
        return false;
    int expected = go;
    stop.compare_exchange_strong(expected, lease_lost);
    return true;
}

std::optional<StepError> MigrationJob::stopped() const {
    if (m_progress == nullptr)
        return std::nullopt;
    m_progress->lease_ran_out();
    if (m_progress->stop == MigrationProgress::go)
        return std::nullopt;
    return StepError{m_progress->stop == MigrationProgress::lease_lost
                         ? "stopped: this worker's lease on the mailbox ran out (another worker "
                           "takes it over)"
                         : "stopped: paused or cancelled by 'mailsync migrate'"};
}

std::expected<void, StepError> MigrationJob::carry_flags(FolderScan& folder,
                                                         MigrationOutcome& outcome) {
    if (std::optional<StepError> stop = stopped())
        return std::unexpected(*stop);
    if (!folder.flag_updates.empty()) {
        imap::Connection& destination = *m_destination.connection;
        std::string about = fmt::format("folder '{}': ", folder.destination_path);
        auto selected = destination.run(
            fmt::format("SELECT {}", *imap::quoted(folder.destination_name)), "open folder");
        if (!selected)
            return std::unexpected(destination_error(selected.error(), about));
        std::map<std::string, std::vector<std::uint32_t>> by_flags;
        for (const FlagUpdate& update : folder.flag_updates)
            by_flags[update.flags].push_back(update.uid);
        std::vector<std::string> tags;
        for (auto& [flags, uids] : by_flags) {
            std::sort(uids.begin(), uids.end());
            tags.push_back(destination.send(
                fmt::format("UID STORE {} FLAGS.SILENT ({})", uid_ranges(uids), flags)));
        }
        std::size_t answered = 0;
        while (answered < tags.size()) {
            auto response = destination.next();
            if (!response)
                return std::unexpected(destination_error(response.error(), about));
            if (!response->tagged())
                continue;
            ++answered;
            if (!response->ok())
                outcome.problems.push_back(
                    fmt::format("folder '{}': setting flags at the destination: {} {}",
                                folder.destination_path, response->kind, response->text));
        }
        (void)destination.run("UNSELECT", "close folder");
        outcome.flags_updated += folder.flag_updates.size();
        folder.flag_updates.clear();
    }
    // The flags are the source's up to the MODSEQ of the scan from now on.
    if (folder.source_modseq > 0 && folder.source_modseq != folder.modseq && !stopped()) {
        folder.modseq = folder.source_modseq;
        m_ledger.save_folder(m_migration.meta.name, folder.path,
                             FolderProgress{folder.uidvalidity, folder.last_uid, folder.modseq});
    }
    return {};
}

} // namespace mailsync
