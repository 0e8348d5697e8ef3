#include "selfservice/invite_key.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/crypto.hpp"
#include "util/safe_file.hpp"

namespace mailsync {

namespace {

constexpr std::size_t min_key_length = 32;
constexpr std::size_t max_key_file = 4096;

std::string trimmed(const std::string& text) {
    std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

} // namespace

Result<std::string> invite_key_path(const std::optional<std::string>& given) {
    if (given && !given->empty())
        return *given;
    const char* value = std::getenv(invite_key_variable);
    if (value != nullptr && *value != '\0')
        return std::string(value);
    return fail(fmt::format("no invite key: set {} or --invite-key FILE (kept outside the state "
                            "and the repository; made 0600 when missing)",
                            invite_key_variable));
}

Result<std::string> load_invite_key(const std::string& path, bool create) {
    return load_private_key(path, create, "invite key");
}

Result<std::string> load_private_key(const std::string& path, bool create, std::string_view what) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && create) {
        std::string key = to_hex(random_bytes(32));
        if (Result<void> made = write_new_file(path, key + "\n", 0600); !made)
            return fail(
                fmt::format("cannot make the {} file {}: {}", what, path, made.error().message));
        return key;
    }
    if (fd < 0)
        return fail(
            fmt::format("cannot read the {} file {}: {}", what, path, std::strerror(errno)));
    struct stat info {};
    std::string text;
    bool readable = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    if (readable && (info.st_mode & 077) == 0) {
        char buffer[512];
        ssize_t count = 0;
        while ((count = ::read(fd, buffer, sizeof buffer)) > 0 && text.size() < max_key_file)
            text.append(buffer, static_cast<std::size_t>(count));
        readable = count >= 0;
    }
    ::close(fd);
    if (!readable)
        return fail(fmt::format("cannot read the {} file {}: not a regular file", what, path));
    if ((info.st_mode & 077) != 0)
        return fail(fmt::format("the {} file {} can be read or written by others (mode "
                                "{:04o}); make it private with 'chmod 600 {}'",
                                what, path, info.st_mode & 07777, path));
    std::string key = trimmed(text);
    if (key.size() < min_key_length)
        return fail(fmt::format("the {} in {} is too short: {} characters, at least {} "
                                "are needed (make one with 'openssl rand -hex 32')",
                                what, path, key.size(), min_key_length));
    return key;
}

} // namespace mailsync
