// The file `oauth2 authorize --out FILE` keeps a refresh token in, and how the YAML names it.
#pragma once

#include <optional>
#include <string>

#include "config/file_access.hpp"
#include "model/secret.hpp"
#include "util/error.hpp"

namespace mailsync {

// Whether the token can be written to `path`, checked before the sign-in: its folder exists and
// may be written, and nothing is there (with `replace`: nothing but a regular file).
Result<void> check_token_file(const std::string& path, bool replace);

// Writes the token and a newline: a new file of mode 0600 opened with O_EXCL|O_NOFOLLOW, or with
// `replace` a new file renamed over the old one. Never through a symbolic link.
Result<void> write_token_file(const std::string& path, const SecretValue& token, bool replace);

// The PATH of `${file:PATH}` that names `path` from the YAML file `yaml_file`: relative to that
// file's folder when `path` is below its configuration root, else absolute; and why the loader
// would refuse it, if it would (an absolute path outside MAILSYNC_ALLOWED_PATHS).
struct FileReference {
    std::string path;
    std::optional<std::string> problem;
};
FileReference file_reference(const FileAccess& access, const std::string& yaml_file,
                             const std::string& path);

} // namespace mailsync
