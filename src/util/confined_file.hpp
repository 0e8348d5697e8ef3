// Reading files named by untrusted text (a YAML file's `${file:...}`, a folder's entries) without
// leaving the folder they belong to: links are followed as text and never out of the folder,
// and nothing outside it is ever looked at, so an error cannot tell what exists there.
#pragma once

#include <cstddef>
#include <string>

#include "util/error.hpp"

namespace mailsync {

// Why a path was refused. `escapes` is set when it leads outside the root (by `..`, an absolute
// path or a link); the message then names nothing outside.
struct ConfinedError {
    std::string message;
    bool escapes = false;
};

// The real path of `relative` (a path relative to `root`, which must exist) when it stays
// inside `root`: each component is checked with lstat, a link's text is resolved against the
// folder it sits in and must stay inside too. Only paths below `root` are ever looked at.
std::expected<std::string, ConfinedError> resolve_below(const std::string& root,
                                                        const std::string& relative);

// Whether `path` lies below `folder` (or is it), compared lexically after normalising both.
bool lexically_below(const std::string& path, const std::string& folder);

// The bytes of a regular file of at most `max_bytes`, opened without following a final link:
// FIFOs, devices, folders and the kernel's /proc and /sys files are refused, and the size limit
// holds while reading (a file that lies about its size is still cut).
Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes);

} // namespace mailsync
