// Small text helpers that know nothing of mailsync: suggestions, UTF-8 checks, joining.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsync {

// The closest candidate to `word` by edit distance, if one is close enough to be a typo.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// `; did you mean 'x'?` for the closest candidate, or an empty string.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// The byte offset of the first byte that is not valid UTF-8 (or is NUL), if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// "a, b or c" with each item quoted as 'item' when `quote` is set.
std::string join_words(const std::vector<std::string>& items, bool quote = false);

// Items joined with a separator.
std::string join(const std::vector<std::string>& items, std::string_view separator);

// The words of a text separated by spaces (runs of them count as one), as views into it.
std::vector<std::string_view> split_words(std::string_view text);

// A file size for people: "10.0 MiB", "512 bytes".
std::string human_size(std::size_t bytes);

// Text made safe inside HTML, in element content and in quoted attribute values.
std::string html_escape(std::string_view text);

// Text from outside (a target's names and labels) made safe for a terminal: control characters
// and DEL as \xNN, so that no escape sequence reaches the screen; UTF-8 kept.
std::string printable(std::string_view text);

} // namespace mailsync
