#include "selfservice/invite.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migrate/migrator.hpp"
#include "selfservice/token.hpp"

namespace mailsync {

namespace {

std::string meta_key(const std::string& migration) {
    return "invite:" + migration;
}

std::string to_json(const InviteRecord& record) {
    nlohmann::ordered_json json = {{"id_hash", record.id_hash},
                                   {"expires_at", record.expires_at},
                                   {"sent_at", record.sent_at},
                                   {"sent_to", record.sent_to},
                                   {"used_at", record.used_at}};
    return json.dump();
}

std::optional<InviteRecord> from_json(const std::string& text) {
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object())
        return std::nullopt;
    // The state is read as found: a field of another type is as good as missing, never thrown.
    auto field = [&json](const char* name) {
        auto found = json.find(name);
        return found != json.end() && found->is_string() ? found->get<std::string>()
                                                         : std::string();
    };
    InviteRecord record;
    record.id_hash = field("id_hash");
    auto expires = json.find("expires_at");
    record.expires_at =
        expires != json.end() && expires->is_number_integer() ? expires->get<std::int64_t>() : 0;
    record.sent_at = field("sent_at");
    record.sent_to = field("sent_to");
    record.used_at = field("used_at");
    return record;
}

} // namespace

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string invite_time_text(std::int64_t seconds) {
    std::chrono::sys_seconds time{std::chrono::seconds(seconds)};
    return fmt::format("{:%Y-%m-%d %H:%M} UTC", time);
}

IssuedInvite issue_invite(const MailboxMigration& migration, std::string_view key,
                          std::int64_t now) {
    const SelfServiceAuth& self = *migration.source.auth->self_service;
    InviteToken token = new_invite_token(migration.meta.name, now + self.expires.count());
    IssuedInvite out;
    out.record.id_hash = invite_id_hash(token.id);
    out.record.expires_at = token.expires_at;
    out.record.sent_to = self.email;
    out.token = seal_invite_token(token, key);
    return out;
}

Result<std::optional<InviteRecord>> read_invite(StateStore& state, const std::string& migration) {
    Result<std::optional<std::string>> text = state.meta(meta_key(migration));
    if (!text)
        return std::unexpected(text.error());
    if (!*text)
        return std::optional<InviteRecord>();
    return from_json(**text);
}

Result<void> record_invite(StateStore& state, const MailboxMigration& migration,
                           const InviteRecord& record) {
    if (Result<void> saved = state.set_meta(meta_key(migration.meta.name), to_json(record)); !saved)
        return saved;
    MigrationRecord task;
    task.name = migration.meta.name;
    task.identity = migration_identity(migration);
    task.status = TaskStatus::invited;
    task.message = fmt::format("invited {}, link valid until {}", record.sent_to,
                               invite_time_text(record.expires_at));
    task.updated_at = record.sent_at;
    return state.save_migration(task);
}

Result<InviteClaim> verify_invite(std::string_view token, std::string_view key, StateStore& state,
                                  std::int64_t now) {
    Result<InviteToken> opened = open_invite_token(token, key);
    if (!opened)
        return std::unexpected(opened.error());
    if (opened->expires_at <= now)
        return fail(fmt::format("this invitation link expired on {}; ask your administrator "
                                "for a new one",
                                invite_time_text(opened->expires_at)));
    Result<std::optional<InviteRecord>> record = read_invite(state, opened->migration);
    if (!record)
        return std::unexpected(record.error());
    std::string hash = invite_id_hash(opened->id);
    if (!*record || (*record)->id_hash != hash)
        return fail("this invitation link was replaced by a newer one; use the link of the "
                    "latest invitation");
    if (!(*record)->used_at.empty())
        return fail("this invitation link was already used; ask your administrator for a new "
                    "one if you need it again");
    return InviteClaim{opened->migration, hash, opened->expires_at};
}

Result<void> consume_invite(const InviteClaim& claim, StateStore& state) {
    Result<std::optional<std::string>> text = state.meta(meta_key(claim.migration));
    if (!text)
        return std::unexpected(text.error());
    std::optional<InviteRecord> record = *text ? from_json(**text) : std::nullopt;
    if (!record || record->id_hash != claim.id_hash)
        return fail("this invitation link was replaced by a newer one");
    if (!record->used_at.empty())
        return fail("this invitation link was already used");
    InviteRecord used = *record;
    used.used_at = state_time_now();
    // Only if the record is still the one read: of two uses at once, from any processes, one
    // wins.
    Result<bool> swapped = state.replace_meta(meta_key(claim.migration), **text, to_json(used));
    if (!swapped)
        return std::unexpected(swapped.error());
    if (!*swapped)
        return fail("this invitation link was already used");
    return {};
}

} // namespace mailsync
