#include "serve/login_check.hpp"

#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "probe/probe.hpp"

namespace mailsync {

namespace {

// The server's words without the protocol around them: no IMAP tag or status word, no final
// full stop (the sentence around them has its own).
std::string server_words(std::string text) {
    std::size_t space = text.find(' ');
    if (space != std::string::npos && text.size() > 1 && text[0] == 'A' &&
        text.find_first_not_of("0123456789", 1) == space)
        text.erase(0, space + 1);
    for (std::string_view status : {"NO ", "BAD ", "-ERR "})
        if (text.starts_with(status))
            text.erase(0, status.size());
    while (!text.empty() && (text.back() == '.' || text.back() == ' '))
        text.pop_back();
    return text;
}

// A hint as a sentence of its own.
std::string sentence(std::string text) {
    if (text.empty())
        return text;
    text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    if (text.back() != '.')
        text += '.';
    return " " + text;
}

// The probe's result in words for the mailbox's owner.
std::string plain_words(const ProbeResult& result, const MigrationEndpoint& source,
                        CredentialKind kind) {
    std::string server = fmt::format("{}:{}", source.host, source.port);
    std::string said = server_words(result.brief.empty() ? result.message : result.brief);
    std::string hint = sentence(result.hint);
    switch (result.phase) {
    case Phase::auth:
        return kind == CredentialKind::password
                   ? fmt::format("Your mail server did not accept the password. It said: {}. "
                                 "Check the password and try again.{}",
                                 said, hint)
                   : fmt::format("Your mail server did not accept the sign-in. It said: {}.{}",
                                 said, hint);
    case Phase::token:
        return fmt::format("The sign-in was not accepted: {}.{}", said, hint);
    case Phase::tls:
        return fmt::format("mailsync could not make a secure connection to your mail server "
                           "({}): {}. This is not about your password; tell your "
                           "administrator.{}",
                           server, said, hint);
    case Phase::folder:
        return fmt::format("The password is right, but your inbox could not be opened: {}.{}", said,
                           hint);
    default:
        return fmt::format("mailsync could not reach your mail server ({}): {}. This is not "
                           "about your password; try again later or tell your administrator.{}",
                           server, said, hint);
    }
}

} // namespace

Result<void> check_owner_login(const MailboxMigration& migration, const OwnerCredential& credential,
                               const Config& config, const std::string& client,
                               std::chrono::milliseconds timeout) {
    MailboxMigration owned = with_owner_credential(migration, credential, client);
    Config probe;
    if (credential.kind == CredentialKind::refresh_token)
        probe.clients = config.clients;
    probe.index_clients();
    MailAccount account;
    static_cast<Connection&>(account) = static_cast<const Connection&>(owned.source);
    account.meta = migration.meta;
    account.protocol = Protocol::imap;
    account.folder = "INBOX";
    probe.accounts.push_back(std::move(account));
    ProbeOptions options;
    options.parallelism = 1;
    options.deadline = timeout;
    options.selected = [](Kind kind, const std::string&) { return kind == Kind::mail_account; };
    std::vector<ProbeResult> results = run_probes(probe, options);
    for (const ProbeResult& result : results)
        if (result.kind == Kind::mail_account && !result.ok)
            return fail(plain_words(result, migration.source, credential.kind));
    return {};
}

} // namespace mailsync
