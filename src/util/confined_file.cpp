#include "util/confined_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/file_descriptor.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace fs = std::filesystem;

namespace {

// Links followed in one resolution before giving up, as the kernel's own limit.
constexpr int max_links = 40;

std::deque<std::string> components(const fs::path& path) {
    std::deque<std::string> out;
    for (const fs::path& part : path) {
        std::string text = part.string();
        if (!text.empty() && text != "/")
            out.push_back(text);
    }
    return out;
}

std::unexpected<ConfinedError> escape() {
    return std::unexpected(ConfinedError{"it leads outside the folder", true});
}

} // namespace

bool lexically_below(const std::string& path, const std::string& folder) {
    fs::path p = fs::path(path).lexically_normal();
    fs::path f = fs::path(folder).lexically_normal();
    if (!f.empty() && f.filename().empty())
        f = f.parent_path(); // "dir/" → "dir"
    fs::path relative = p.lexically_relative(f);
    if (relative.empty())
        return false;
    auto first = relative.begin();
    return first == relative.end() || *first != "..";
}

std::expected<std::string, ConfinedError> resolve_below(const std::string& root,
                                                        const std::string& relative) {
    std::error_code error;
    fs::path base = fs::canonical(root, error);
    if (error)
        return std::unexpected(ConfinedError{fmt::format("{}: {}", root, error.message())});
    if (fs::path(relative).is_absolute())
        return escape();
    std::deque<std::string> pending = components(relative);
    std::vector<std::string> done; // components below `base`, each checked
    int links = 0;
    while (!pending.empty()) {
        std::string part = std::move(pending.front());
        pending.pop_front();
        if (part == ".")
            continue;
        if (part == "..") {
            if (done.empty())
                return escape();
            done.pop_back();
            continue;
        }
        fs::path here = base;
        for (const std::string& item : done)
            here /= item;
        fs::path candidate = here / part;
        struct stat info {};
        if (::lstat(candidate.c_str(), &info) != 0) {
            int code = errno;
            return std::unexpected(
                ConfinedError{code == ENOENT ? "no such file" : std::strerror(code)});
        }
        if (!S_ISLNK(info.st_mode)) {
            if (!pending.empty() && !S_ISDIR(info.st_mode))
                return std::unexpected(ConfinedError{fmt::format("{} is not a folder", part)});
            done.push_back(std::move(part));
            continue;
        }
        if (++links > max_links)
            return std::unexpected(ConfinedError{"too many levels of links"});
        std::string text(static_cast<std::size_t>(info.st_size > 0 ? info.st_size : 4096) + 1,
                         '\0');
        ssize_t length = ::readlink(candidate.c_str(), text.data(), text.size());
        if (length < 0)
            return std::unexpected(ConfinedError{std::strerror(errno)});
        text.resize(static_cast<std::size_t>(length));
        fs::path target(text);
        std::deque<std::string> rest;
        if (target.is_absolute()) {
            // An absolute link may still point inside: its text must start with the root's own
            // folders, as written (a `..` there could climb out of a folder linked elsewhere, so
            // nothing is tidied away as text); what follows is resolved like any other path.
            rest = components(target);
            std::erase(rest, ".");
            std::deque<std::string> root_parts = components(base);
            if (rest.size() < root_parts.size() ||
                !std::equal(root_parts.begin(), root_parts.end(), rest.begin()))
                return escape();
            rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(root_parts.size()));
            done.clear();
        } else {
            rest = components(target);
        }
        pending.insert(pending.begin(), rest.begin(), rest.end());
    }
    fs::path out = base;
    for (const std::string& item : done)
        out /= item;
    return out.string();
}

Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes) {
    FileDescriptor fd(
        ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ELOOP)
            return fail("it is a link");
        return fail(std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return fail(std::strerror(errno));
    if (!S_ISREG(info.st_mode))
        return fail(S_ISDIR(info.st_mode) ? "it is a folder" : "it is not a regular file");
    struct statfs system {};
    if (::fstatfs(fd.get(), &system) == 0 &&
        (system.f_type == PROC_SUPER_MAGIC || system.f_type == SYSFS_MAGIC))
        return fail("it is a kernel file (/proc or /sys), not a regular file");
    if (static_cast<std::uintmax_t>(info.st_size) > max_bytes)
        return fail(fmt::format("it is larger than {}", human_size(max_bytes)));
    std::string text;
    // Its size as it stands, plus one byte to see the end: thousands of files are read at once.
    text.reserve(static_cast<std::size_t>(info.st_size) + 1);
    char chunk[4096];
    while (true) {
        ssize_t got = ::read(fd.get(), chunk, sizeof chunk);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return fail(std::strerror(errno));
        }
        if (got == 0)
            break;
        text.append(chunk, static_cast<std::size_t>(got));
        if (text.size() > max_bytes)
            return fail(fmt::format("it is larger than {}", human_size(max_bytes)));
    }
    return text;
}

} // namespace mailsync
