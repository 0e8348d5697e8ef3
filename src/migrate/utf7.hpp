// IMAP mailbox names in modified UTF-7 (RFC 3501, 5.1.3): "Entw&APw-rfe" is "Entwürfe".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailsync::imap {

// UTF-8 → modified UTF-7. Printable ASCII stands for itself, '&' is "&-", the rest is UTF-16 in
// base64 with ',' for '/', between '&' and '-'. Invalid UTF-8 gives nullopt.
std::optional<std::string> encode_mailbox(std::string_view utf8);

// Modified UTF-7 → UTF-8; nullopt for a name that is not valid modified UTF-7.
std::optional<std::string> decode_mailbox(std::string_view utf7);

} // namespace mailsync::imap
