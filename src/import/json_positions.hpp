// Where the values of a JSON text stand, for messages that point into it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mailsync {

// JSON pointer ("/incomingMailAccounts/2/Port") → the byte offset where that value starts, for
// every value of `text`, which must already have parsed as JSON. Values nested deeper than 256
// levels are not listed.
std::unordered_map<std::string, std::size_t> json_value_offsets(std::string_view text);

// A pointer token: '~' as "~0" and '/' as "~1".
std::string json_pointer_token(std::string_view key);

} // namespace mailsync
