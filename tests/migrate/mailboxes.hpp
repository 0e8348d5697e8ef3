// The migration tests' mailboxes: filling a source over IMAP, reading a mailbox back message by
// message, messages to fill with, and the YAML and environment of a migration between the two
// Dovecot servers of the fixture.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "live/mail_fixture.hpp"
#include "migrate/connection.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mailsync::test {

// Logged in to a mailbox of the fixture over IMAPS.
imap::Connection open_box(const MailFixture& fixture, const std::string& user,
                          const std::string& password);

// The fixture's migration mailboxes: "mN@example.test" and its password.
std::string user(int n);
std::string password(int n);

struct Fill {
    std::string folder; // UTF-8, '/' between levels
    std::string flags;  // "\\Seen $Label1"
    std::string date;   // INTERNALDATE
    std::string body;
};

// Appends the messages, creating folders on the way (in the source's '/' hierarchy).
void fill(const MailFixture& fixture, const std::string& login, const std::string& secret,
          const std::vector<Fill>& messages);

struct Stored {
    std::string folder;
    std::string flags; // sorted, without \Recent
    std::int64_t date = 0;
    std::string digest;
    std::size_t size = 0;
    auto operator<=>(const Stored&) const = default;
};

// Every message of every folder, as (folder, flags, date, SHA-256 of the bytes), sorted.
std::vector<Stored> read_all(const MailFixture& fixture, const std::string& login,
                             const std::string& secret);

// A short text message; without a Message-ID when `id` is empty.
std::string text_message(const std::string& id, const std::string& subject,
                         const std::string& body);
// A message with a base64 attachment of `size` bytes.
std::string with_attachment(const std::string& id, std::size_t size);

// One side of a migration's YAML: the server, the mailbox and the flow mapping after "auth: ".
struct Side {
    const MailFixture* fixture;
    std::string user;
    std::string auth;
    int port = 0;          // 0: the fixture's IMAPS port
    std::string type = {}; // seed 004's server type, when not the default
};

// A MailboxMigration document between two sides of the fixture over IMAPS; `extra` is appended
// to spec (indented by two spaces already).
std::string migration_yaml(const std::string& name, const Side& source, const Side& destination,
                           const std::string& extra = "");

// Mailbox n with its password from ${env:Mn_PASSWORD}.
Side password_side(const MailFixture& fixture, int n);

// Waits (up to 10 s) until mailbox n's INBOX holds `count` messages; how many it holds (0:
// asks once).
std::uint32_t wait_for_messages(const MailFixture& fixture, int n, std::uint32_t count);

// The same through a connection opened before, so that the wait starts at once.
std::uint32_t wait_for_messages(imap::Connection& watch, std::uint32_t count);

// Waits (up to 5 s) until mailbox n's INBOX count stays the same for 300 ms.
void wait_until_settled(const MailFixture& fixture, int n);

// Runs mailsync in `dir` with every mailbox's password, the administrator's and the magic
// password in the environment, and the fixture's hosts and CA allowed.
RunOptions migrate_options(const TempDir& dir);

} // namespace mailsync::test
