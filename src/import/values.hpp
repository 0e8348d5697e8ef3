// How `mailsync import` reads the values that a word alone does not settle: a port, the
// encryption read against that port, a timeout with or without its unit. Pure functions, so
// that each rule is tested on its own; the importer adds the subject and the place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mailsync {

// What a value becomes, and what to say about it. `value` is null when `error` is set.
struct ValueReading {
    nlohmann::json value;
    std::string warning;
    std::string error;
};

// A port number, 1 to 65535. `field` is the input's name for it ("Port").
ValueReading read_port(std::string_view said, std::string_view field);

// The encryption, already in mailsync's words (`encryption`: none, ssl, starttls) and as the
// input said it (`said`), read against the protocol's ports. Implicit TLS named on the port
// where the protocol upgrades with STARTTLS (IMAP 143, POP3 110, SMTP 587 and 25) is written
// starttls, with a warning; "TLS" on a port that is neither kind's is kept as ssl, with a
// warning that it may mean starttls. `port` is the record's port, if it gives one.
ValueReading read_encryption(std::string_view encryption, std::string_view said,
                             std::string_view field, std::string_view protocol,
                             std::optional<int> port);

// A timeout: a duration with its unit (30s, 2m, 500ms), or a number without one, seconds up
// to 600 and milliseconds from 1000 (read_bare_timeout); more than 10 minutes is refused.
// The value is a whole number of seconds, or the duration's text.
ValueReading read_timeout(std::string_view said, std::string_view field);

} // namespace mailsync
