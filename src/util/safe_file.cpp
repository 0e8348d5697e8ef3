#include "util/safe_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/crypto.hpp"
#include "util/file_descriptor.hpp"

namespace mailsync {

namespace {

// Writes all of `content`, retrying short writes and interruptions.
bool write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

// Makes sure the rename is on disk too; a failure here is not worth failing the write.
void sync_folder(const std::string& folder) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

std::unexpected<Error> cannot_write(const std::string& path, int error) {
    return fail(fmt::format("cannot write {}: {}", path, std::strerror(error)));
}

} // namespace

bool is_symbolic_link(const std::string& path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0 && S_ISLNK(info.st_mode);
}

Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0) {
        if (S_ISLNK(info.st_mode))
            return fail(fmt::format("cannot write {}: it is a symbolic link, and mailsync does "
                                    "not write through links",
                                    path));
        if (!S_ISREG(info.st_mode))
            return fail(fmt::format("cannot write {}: it is not a regular file", path));
    } else if (errno != ENOENT) {
        return cannot_write(path, errno);
    }
    std::filesystem::path target(path);
    std::string folder = target.parent_path().empty() ? "." : target.parent_path().string();
    std::string temporary;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
        temporary = fmt::format("{}/.{}.{}.tmp", folder, target.filename().string(),
                                to_hex(random_bytes(6)));
        fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST)
            return cannot_write(path, errno);
    }
    if (fd < 0)
        return cannot_write(path, EEXIST);
    FileDescriptor file(fd);
    auto discard = [&](int error) {
        ::unlink(temporary.c_str());
        return cannot_write(path, error);
    };
    if (!write_all(file.get(), content) || ::fsync(file.get()) != 0)
        return discard(errno);
    if (!file.close())
        return discard(errno);
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        return discard(errno);
    sync_folder(folder);
    return {};
}

Result<void> write_new_file(const std::string& path, std::string_view content, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST)
        return fail(fmt::format("cannot write {}: it exists already", path));
    if (fd < 0)
        return cannot_write(path, errno);
    FileDescriptor file(fd);
    auto discard = [&](int error) {
        ::unlink(path.c_str());
        return cannot_write(path, error);
    };
    // The umask may have taken bits away; the file gets the mode asked for, no more, no less.
    if (::fchmod(file.get(), mode) != 0 || !write_all(file.get(), content) ||
        ::fsync(file.get()) != 0)
        return discard(errno);
    if (!file.close())
        return discard(errno);
    std::filesystem::path target(path);
    sync_folder(target.parent_path().empty() ? "." : target.parent_path().string());
    return {};
}

} // namespace mailsync
