// A server's words made to fit one row of the `test` table. Token endpoints write paragraphs:
// Microsoft's descriptions end with "\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...".
// The whole text stays in the result's message (and `--format json`); the table shows this.
#pragma once

#include <string>
#include <string_view>

namespace mailsync {

// The text on one line: each run of control characters (CR, LF, tabs, escapes) and spaces
// becomes one space, and none is left at either end.
std::string one_line(std::string_view text);

// The first sentence of an error description, on one line: up to its first line break or the
// first ". " (its full stop kept). An AADSTS code found only further on goes in front of it.
std::string first_sentence(std::string_view description);

} // namespace mailsync
