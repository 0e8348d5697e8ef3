// `mailsync import`: a Server export (JSON) or an account list (CSV) → mailsync resources, ready
// to be written as YAML for review. Every object that cannot be imported is reported at its place
// in the input; the others are still imported.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/writer.hpp"
#include "model/mapping.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

enum class ImportFormat { automatic, csv, json };

// For seed 004's migration CSV (login_source;pass_source;host_source;type_messagerie;
// login_destination;subscribed_only): where the destination mailboxes are.
struct MigrationTarget {
    std::string host;   // --destination-host
    int port = 993;     // --destination-port (implicit TLS)
    std::string domain; // --destination-domain, for a login_destination without '@'
    // --destination-shared-password VAR: every destination opens with this shared password
    // (seed 002's "magic password"); otherwise each has a variable of its own.
    std::string shared_password_variable;
};

// A name as the target's names may be: "Sales (POP)" → "Sales POP".
std::string safe_name(std::string_view raw);

struct ImportResult {
    std::vector<WrittenResource> resources; // OAuth2 clients, accounts, SMTP; each in input order
    Diagnostics diagnostics;
    SourceFiles sources;     // the input, its secrets redacted, to quote in messages
    std::size_t read = 0;    // rows or objects in the input
    std::size_t skipped = 0; // of those, not imported because of an error
    bool unreadable = false; // the input as a whole could not be read; nothing to write
    ImportFormat format = ImportFormat::automatic; // what the input was read as
};

// Reads `path`: JSON when `format` says so, or the file name ends in .json, or its text starts
// with '{'; CSV otherwise.
ImportResult import_file(const std::string& path, const MappingProfile& profile,
                         ImportFormat format = ImportFormat::automatic,
                         const MigrationTarget& migration = {});

// The same for text already read; `file` names it in messages.
ImportResult import_text(std::string_view text, const std::string& file,
                         const MappingProfile& profile,
                         ImportFormat format = ImportFormat::automatic,
                         const MigrationTarget& migration = {});

// Seed 004's migration CSV → MailboxMigration resources; import_text calls it when the header
// names login_source.
void import_migration_csv(std::string_view text, const std::string& file,
                          const MigrationTarget& target, ImportResult& result);
bool is_migration_csv(std::string_view text);

// What the provider column of an account list fills in (seed 004's server types).

} // namespace mailsync
