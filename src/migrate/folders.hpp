// Which folders a migration copies and what they are called at the destination. Folder paths
// are UTF-8 with '/' between levels, whatever delimiter and encoding the servers use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/resources.hpp"

namespace mailsync::imap {

// '*' matches any text, '%' any text without '/'; INBOX matches in any case.
bool folder_matches(std::string_view pattern, std::string_view path);

// Included (no include patterns: all) and not excluded. A folder under an excluded one whose
// pattern has no wildcard ("Trash") is excluded with it.
bool folder_selected(std::string_view path, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude);

// Gmail's folders that show again the messages of the others, by label: All Mail, Important
// and Starred. Known by their special-use attribute (`\All`, `\Important`, `\Flagged`),
// whatever the account's language, or by their English names under "[Gmail]" or
// "[Google Mail]". Spam and Trash are not among them: their messages are nowhere else.
bool is_gmail_view(std::string_view path, const std::vector<std::string>& attributes);

// A source of type gmail copies its views only when an include pattern matches them.
bool gmail_view_left_out(std::string_view path, const std::vector<std::string>& attributes,
                         const std::vector<std::string>& include);

// The destination path: the longest rename whose `from` is the path or one of its parents.
std::string renamed(std::string_view path, const std::vector<FolderRename>& renames);

// A server's mailbox name (modified UTF-7, `delimiter` between levels; 0 for a flat server) as a
// path, and back. nullopt for a name that is not valid modified UTF-7.
std::optional<std::string> path_of(std::string_view name, char delimiter);
// A level that holds the server's delimiter gets '_' instead; `changed` says so.
std::string name_of(std::string_view path, char delimiter, bool* changed = nullptr);

// INBOX in any case is "INBOX".
std::string canonical_path(std::string_view path);

} // namespace mailsync::imap
