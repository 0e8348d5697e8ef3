#include <catch2/catch.hpp>

#include "migrate/utf7.hpp"

using namespace mailsync::imap;

TEST_CASE("mailbox names in modified UTF-7: RFC 3501's examples and more", "[migrate][utf7]") {
    const std::vector<std::pair<std::string, std::string>> pairs{
        {"INBOX", "INBOX"},
        {"Entwürfe", "Entw&APw-rfe"},
        {"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
        {"Tom & Jerry", "Tom &- Jerry"},
        {"[Gmail]/Envoyés", "[Gmail]/Envoy&AOk-s"},
        {"Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
        {"mail 📬 box", "mail &2D3c7A- box"},
        {"", ""},
    };
    for (const auto& [utf8, utf7] : pairs) {
        INFO(utf8);
        CHECK(encode_mailbox(utf8) == utf7);
        CHECK(decode_mailbox(utf7) == utf8);
    }
}

TEST_CASE("modified UTF-7 that is not valid is refused", "[migrate][utf7]") {
    for (std::string bad : {"&APw", "&AP!-", "&AGE-", "&2D0-", "&3Kw-", "caf\xC3\xA9", "&APx-"})
        CHECK_FALSE(decode_mailbox(bad).has_value());
    CHECK_FALSE(encode_mailbox("\xC3").has_value());
    CHECK_FALSE(encode_mailbox("\xED\xA0\x80").has_value()); // a UTF-16 surrogate in UTF-8
}
