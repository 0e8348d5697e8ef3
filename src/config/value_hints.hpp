// What a refused encryption or timeout value was likely meant to say, shared by the YAML's
// messages and `mailsync import`: the two kinds of TLS told apart, and the unit rule for a
// timeout given as a bare number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailsync {

// "; did you mean 'ssl' (...) or 'starttls' (...)?" for a word that names TLS without saying
// which kind (SSL, TLS, SSL/TLS), "; did you mean 'starttls' (...)?" for STARTTLS in another
// case or spelling; otherwise an empty string.
std::string encryption_hint(std::string_view said);

// What each encryption means, for messages: "TLS from the first byte (implicit TLS, as on
// ports 993, 995 and 465)".
std::string_view encryption_meaning(std::string_view encryption);

// The longest timeout read from outside input (import): no mail server waits longer.
inline constexpr std::int64_t max_timeout_seconds = 600;

// A timeout written as a number without a unit. Up to 600 it is seconds; from 1000 it is
// milliseconds (what Java-based servers store: 30000 is 30s); 601 to 999, 0, and more than
// 10 minutes as milliseconds are refused, since either reading would be a guess.
struct BareTimeout {
    std::string duration; // "30s", "1500ms"; empty when refused
    bool milliseconds = false;
    std::string problem; // why it is refused: "is neither ..."
};
BareTimeout read_bare_timeout(std::uint64_t number);

// "; did you mean 30s?" for a duration written as a bare number ("30", 30) or with a unit
// spelled out ("30 seconds", "2 min"); otherwise an empty string.
std::string duration_hint(std::string_view said);

} // namespace mailsync
