#include "selfservice/invitations.hpp"

#include <fmt/format.h>

#include "selfservice/invite.hpp"
#include "selfservice/message.hpp"
#include "selfservice/submission.hpp"
#include "util/crypto.hpp"
#include "util/curl.hpp"
#include "util/net.hpp"

namespace mailsync {

namespace {

// How the owner knows a mailbox: its login when that is an address, else login@host.
std::string mailbox_words(const MigrationEndpoint& side) {
    if (side.username.find('@') != std::string::npos)
        return side.username;
    return fmt::format("{}@{}", side.username, side.host);
}

InviteFields fields_of(const MailboxMigration& m, const std::string& link,
                       const std::string& expires) {
    return {m.meta.name,
            m.source.auth->self_service->email,
            mailbox_words(m.source),
            mailbox_words(m.destination),
            link,
            expires};
}

// The message for `m` with `link`, ready for DATA.
Result<std::string> message_for(const InviteRequest& request, const MailboxMigration& m,
                                const std::string& link, const std::string& expires) {
    Result<InviteText> text = render_invite(request.template_text, fields_of(m, link, expires));
    if (!text)
        return std::unexpected(text.error());
    std::string message_id = fmt::format("<{}.invite@mailsync>", to_hex(random_bytes(12)));
    return compose_message(request.smtp->from_address, m.source.auth->self_service->email, *text,
                           rfc5322_date_now(), message_id);
}

InviteOutcome invite_one(const InviteRequest& request, const MailboxMigration& m,
                         StateStore* state) {
    InviteOutcome out;
    out.name = m.meta.name;
    out.email = m.source.auth->self_service->email;
    std::int64_t now = unix_now();
    IssuedInvite invite = issue_invite(m, request.key, now);
    out.expires = invite_time_text(invite.record.expires_at);
    if (request.dry_run || state == nullptr) {
        Result<std::string> preview =
            message_for(request, m, masked_link(request.base_url), out.expires);
        out.ok = preview.has_value();
        if (preview)
            out.preview = std::move(*preview);
        else
            out.error = preview.error().message;
        return out;
    }
    // A changed address is where a pull request would send the link to itself; under the
    // migration's name or a name it had before (metadata.previousNames).
    std::vector<std::string> names{m.meta.name};
    names.insert(names.end(), m.meta.previous_names.begin(), m.meta.previous_names.end());
    for (const std::string& name : names) {
        Result<std::optional<InviteRecord>> last = read_invite(*state, name);
        if (last && *last && !(*last)->sent_to.empty() && (*last)->sent_to != out.email &&
            !request.new_owner) {
            out.error = fmt::format("the owner's address changed since the last invitation, "
                                    "which went to {}; make sure the new one is right (a changed "
                                    "address would give the link to whoever holds it), then "
                                    "invite again with --new-owner",
                                    (*last)->sent_to);
            return out;
        }
    }
    std::string link = fmt::format("{}/m/{}", request.base_url, invite.token);
    Result<std::string> data = message_for(request, m, link, out.expires);
    if (!data) {
        out.error = data.error().message;
        return out;
    }
    Redactor redactor;
    redactor.add(invite.token);
    if (request.smtp->auth && request.smtp->auth->password && request.smtp->auth->password->value)
        redactor.add(request.smtp->auth->password->value->reveal());
    Result<void> sent =
        submit_mail(*request.smtp, {request.smtp->from_address, out.email, *data}, redactor);
    if (!sent) {
        out.error = sent.error().message;
        return out;
    }
    invite.record.sent_at = state_time_now();
    if (Result<void> recorded = record_invite(*state, m, invite.record); !recorded) {
        out.error = fmt::format("sent, but the state could not record it, so the link will "
                                "not work: {}",
                                recorded.error().message);
        return out;
    }
    out.ok = true;
    return out;
}

} // namespace

Result<std::string> check_invite_base_url(const std::string& url) {
    std::optional<curl::UrlParts> parts = curl::split_url(url);
    if (!parts || parts->host.empty())
        return fail(fmt::format("the base URL '{}' is not a URL", url));
    if (!parts->user.empty() || !parts->password.empty() || !parts->query.empty() ||
        !parts->fragment.empty())
        return fail(fmt::format("the base URL '{}' must not hold a user, password, query or "
                                "fragment",
                                url));
    if (parts->scheme == "http" && !is_loopback_host(parts->host))
        return fail(fmt::format("the base URL '{}' is plain http://: the link would travel "
                                "unencrypted; use https:// (http:// only to this machine: "
                                "localhost, 127.0.0.1, ::1)",
                                url));
    if (parts->scheme != "http" && parts->scheme != "https")
        return fail(fmt::format("the base URL '{}' must be an https:// URL", url));
    std::string out = url;
    while (!out.empty() && out.back() == '/')
        out.pop_back();
    return out;
}

Result<const SmtpConnection*> choose_smtp(const Config& config,
                                          const std::optional<std::string>& name) {
    if (config.smtp_connections.empty())
        return fail("the configuration declares no SmtpConnection to send the invitations "
                    "through; declare one, or name one with --smtp");
    if (!name) {
        if (config.smtp_connections.size() > 1)
            return fail(fmt::format("the configuration declares {} SmtpConnections; choose one "
                                    "with --smtp SmtpConnection/NAME",
                                    config.smtp_connections.size()));
        return &config.smtp_connections.front();
    }
    std::string wanted = *name;
    if (constexpr std::string_view prefix = "SmtpConnection/"; wanted.starts_with(prefix))
        wanted = wanted.substr(prefix.size());
    for (const SmtpConnection& smtp : config.smtp_connections)
        if (smtp.meta.name == wanted)
            return &smtp;
    return fail(fmt::format("--smtp {}: no such SmtpConnection in the configuration", *name));
}

std::string masked_link(const std::string& base_url) {
    return fmt::format("{}/m/********", base_url);
}

std::vector<InviteOutcome> send_invitations(const InviteRequest& request, StateStore* store,
                                            const std::string& run_id) {
    std::vector<InviteOutcome> out;
    if (request.dry_run || store == nullptr) {
        for (const MailboxMigration* m : request.migrations)
            out.push_back(invite_one(request, *m, nullptr));
        return out;
    }
    StateStore& state = *store;
    std::vector<JournalEntry> entries;
    for (std::size_t i = 0; i < request.migrations.size(); ++i)
        entries.push_back({static_cast<int>(i), Kind::mailbox_migration,
                           request.migrations[i]->meta.name, "invite", TaskStatus::fresh, "", "",
                           ""});
    bool journal = state.start_run(run_id, "invite", "", entries).has_value();
    bool all_ok = true;
    for (std::size_t i = 0; i < request.migrations.size(); ++i) {
        int seq = static_cast<int>(i);
        if (journal)
            (void)state.mark_pending(run_id, seq);
        InviteOutcome outcome = invite_one(request, *request.migrations[i], &state);
        // No target object: the change names the migration and leaves managed objects alone.
        StateChange change;
        change.kind = Kind::mailbox_migration;
        change.name = outcome.name;
        if (journal && outcome.ok)
            (void)state.mark_completed(
                run_id, seq, change,
                fmt::format("invited {}; link valid until {}", outcome.email, outcome.expires));
        else if (journal)
            (void)state.mark_error(run_id, seq, outcome.error);
        all_ok = all_ok && outcome.ok;
        out.push_back(std::move(outcome));
    }
    if (journal)
        (void)state.finish_run(run_id, all_ok ? "completed" : "failed");
    return out;
}

} // namespace mailsync
