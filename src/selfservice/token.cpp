#include "selfservice/token.hpp"

#include <optional>

#include "util/crypto.hpp"

namespace mailsync {

namespace {

// Binds the MAC to this use of the key, so that no other HMAC made with it can pass for one.
constexpr std::string_view mac_context = "mailsync invite v1\n";
constexpr std::size_t mac_hex_size = 64;
constexpr std::size_t max_token_size = 1024;

// Equal texts of equal length, in time that does not depend on where they differ.
bool same_in_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

std::string mac_of(std::string_view payload, std::string_view key) {
    std::string data(mac_context);
    data += payload;
    return hmac_sha256_hex(key, data);
}

} // namespace

InviteToken new_invite_token(std::string migration, std::int64_t expires_at) {
    return {random_bytes(invite_id_size), expires_at, std::move(migration)};
}

std::string seal_invite_token(const InviteToken& token, std::string_view key) {
    std::string raw = token.id;
    auto expires = static_cast<std::uint64_t>(token.expires_at);
    for (int shift = 56; shift >= 0; shift -= 8)
        raw.push_back(static_cast<char>((expires >> static_cast<unsigned>(shift)) & 0xFFU));
    raw += token.migration;
    std::string payload = base64url_encode(raw);
    return payload + "." + mac_of(payload, key);
}

Result<InviteToken> open_invite_token(std::string_view text, std::string_view key) {
    auto refused = [] { return fail("this invitation link is not valid"); };
    std::size_t dot = text.find('.');
    if (text.size() > max_token_size || dot == std::string_view::npos)
        return refused();
    std::string_view payload = text.substr(0, dot);
    std::string_view mac = text.substr(dot + 1);
    if (mac.size() != mac_hex_size || !same_in_constant_time(mac, mac_of(payload, key)))
        return refused();
    std::optional<std::string> raw = base64url_decode(payload);
    if (!raw || raw->size() <= invite_id_size + 8)
        return refused();
    InviteToken token;
    token.id = raw->substr(0, invite_id_size);
    std::uint64_t expires = 0;
    for (std::size_t i = 0; i < 8; ++i)
        expires = (expires << 8U) | static_cast<unsigned char>((*raw)[invite_id_size + i]);
    token.expires_at = static_cast<std::int64_t>(expires);
    token.migration = raw->substr(invite_id_size + 8);
    return token;
}

std::string invite_id_hash(std::string_view id) {
    return sha256_hex(id);
}

} // namespace mailsync
