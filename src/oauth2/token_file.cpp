#include "oauth2/token_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "util/safe_file.hpp"

namespace mailsync {

namespace fs = std::filesystem;

Result<void> check_token_file(const std::string& path, bool replace) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0) {
        if (S_ISLNK(info.st_mode))
            return fail(fmt::format("{} is a symbolic link, and mailsync does not write through "
                                    "links",
                                    path));
        if (!S_ISREG(info.st_mode))
            return fail(fmt::format("{} exists and is not a regular file", path));
        if (!replace)
            return fail(fmt::format("{} exists already; give --force to replace it", path));
    } else if (errno != ENOENT) {
        return fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    fs::path parent = fs::path(path).parent_path();
    std::string folder = parent.empty() ? "." : parent.string();
    std::error_code error;
    if (!fs::is_directory(folder, error))
        return fail(fmt::format("cannot write {}: the folder {} does not exist", path, folder));
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
        return fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    return {};
}

Result<void> write_token_file(const std::string& path, const SecretValue& token, bool replace) {
    std::string content = token.reveal() + "\n";
    return replace ? write_file_atomic(path, content, 0600) : write_new_file(path, content, 0600);
}

FileReference file_reference(const FileAccess& access, const std::string& yaml_file,
                             const std::string& path) {
    fs::path file = fs::absolute(path).lexically_normal();
    fs::path root = fs::absolute(access.root_of(yaml_file)).lexically_normal();
    fs::path below_root = file.lexically_relative(root);
    FileReference out;
    if (!below_root.empty() && *below_root.begin() != "..")
        out.path = file.lexically_relative(fs::absolute(yaml_file).parent_path().lexically_normal())
                       .string();
    else
        out.path = file.string();
    Result<std::string> resolved = resolve_config_path(access, yaml_file, out.path);
    if (!resolved)
        out.problem = resolved.error().message;
    return out;
}

} // namespace mailsync
