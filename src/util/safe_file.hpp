// Writing files without following symbolic links: a new file of a random name beside the
// destination, opened with O_EXCL|O_NOFOLLOW, synced and renamed over it; or the destination
// itself created that way.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

#include "util/error.hpp"

namespace mailsync {

// Whether `path` itself (not what it points at) is a symbolic link.
bool is_symbolic_link(const std::string& path);

// Writes `content` to `path` atomically: a temporary file of a random name in the same folder,
// created with O_EXCL|O_NOFOLLOW and `mode` (less the umask), written, synced, renamed over
// `path`. Refuses when `path` is a symbolic link or something other than a regular file; the
// temporary file is removed on any failure.
Result<void> write_file_atomic(const std::string& path, std::string_view content,
                               mode_t mode = 0644);

// Creates `path` as a new file with exactly `mode`, opened with O_EXCL|O_NOFOLLOW, and writes and
// syncs `content`: anything already there, a link included, is an error, and a failed write
// removes the file.
Result<void> write_new_file(const std::string& path, std::string_view content, mode_t mode);

} // namespace mailsync
