#include "config/env_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "util/file_descriptor.hpp"

namespace mailsync {

namespace {

constexpr std::size_t max_env_file_bytes = 1024 * 1024;

bool name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9');
}

bool blank(char c) {
    return c == ' ' || c == '\t';
}

// The position of a problem as `file:line:col`; the line's text is never shown.
std::unexpected<Error> at(const std::string& file, std::size_t line, std::size_t column,
                          std::string_view what) {
    return fail(fmt::format("{}:{}:{}: {}", file, line, column + 1, what));
}

// A value after `=`, from `pos` in `line`; nullopt and `problem` set when it is not closed.
std::optional<std::string> read_value(std::string_view line, std::size_t& pos,
                                      std::string& problem) {
    while (pos < line.size() && blank(line[pos]))
        ++pos;
    std::string value;
    if (pos < line.size() && (line[pos] == '\'' || line[pos] == '"')) {
        char quote = line[pos++];
        while (pos < line.size() && line[pos] != quote) {
            char c = line[pos++];
            if (quote == '"' && c == '\\' && pos < line.size()) {
                char escaped = line[pos++];
                c = escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
                if (escaped != 'n' && escaped != 't' && escaped != '"' && escaped != '\\' &&
                    escaped != '$')
                    value.push_back('\\');
            }
            value.push_back(c);
        }
        if (pos >= line.size()) {
            problem = fmt::format("the value's closing {} is missing (a value is one line)", quote);
            return std::nullopt;
        }
        ++pos;
        while (pos < line.size() && blank(line[pos]))
            ++pos;
        if (pos < line.size() && line[pos] != '#') {
            problem = "expected the end of the line or a # comment after the quoted value";
            return std::nullopt;
        }
        return value;
    }
    std::size_t end = pos;
    while (end < line.size() && !(line[end] == '#' && (end == pos || blank(line[end - 1]))))
        ++end;
    value = std::string(line.substr(pos, end - pos));
    while (!value.empty() && blank(value.back()))
        value.pop_back();
    return value;
}

} // namespace

Result<std::vector<EnvFileEntry>> parse_env_file(std::string_view text, const std::string& file) {
    std::vector<EnvFileEntry> entries;
    std::size_t number = 0;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++number;
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        std::size_t pos = 0;
        while (pos < line.size() && blank(line[pos]))
            ++pos;
        if (pos == line.size() || line[pos] == '#')
            continue;
        if (line.substr(pos).starts_with("export") && pos + 6 < line.size() &&
            blank(line[pos + 6])) {
            pos += 6;
            while (pos < line.size() && blank(line[pos]))
                ++pos;
        }
        std::size_t start = pos;
        if (pos >= line.size() || !name_start(line[pos]))
            return at(file, number, pos, "expected a variable name (letters, digits and _)");
        while (pos < line.size() && name_char(line[pos]))
            ++pos;
        std::string name(line.substr(start, pos - start));
        while (pos < line.size() && blank(line[pos]))
            ++pos;
        // A line without '=' may be a secret pasted on its own, or the second line of one: it
        // is not quoted, and places point at starts, never at ends that give a value's length.
        if (pos >= line.size() || line[pos] != '=')
            return at(file, number, start,
                      "expected NAME=VALUE; this line has no '=' (its text is not shown, as it "
                      "may be a secret)");
        ++pos;
        std::size_t value_start = pos;
        std::string problem;
        std::optional<std::string> value = read_value(line, pos, problem);
        if (!value)
            return at(file, number, value_start, fmt::format("{}: {}", name, problem));
        entries.push_back({std::move(name), std::move(*value)});
    }
    return entries;
}

Result<std::vector<EnvFileEntry>> read_env_file(const std::string& path) {
    auto refuse = [&](std::string_view why) {
        return fail(fmt::format("env file {}: {}", path, why));
    };
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (fd.get() < 0)
        return refuse(std::strerror(errno));
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return refuse(std::strerror(errno));
    if (!S_ISREG(info.st_mode))
        return refuse("not a regular file");
    if ((info.st_mode & 077) != 0)
        return refuse(fmt::format("its mode is {:04o}: it holds secrets, so its group and "
                                  "others may not read or write it (chmod 600 {})",
                                  info.st_mode & 07777, path));
    if (static_cast<std::uintmax_t>(info.st_size) > max_env_file_bytes)
        return refuse("larger than 1 MiB");
    std::string text;
    char chunk[4096];
    while (true) {
        ssize_t got = ::read(fd.get(), chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return refuse(std::strerror(errno));
        if (got == 0)
            break;
        text.append(chunk, static_cast<std::size_t>(got));
        if (text.size() > max_env_file_bytes)
            return refuse("larger than 1 MiB");
    }
    return parse_env_file(text, path);
}

std::vector<std::string> export_env_file(const std::vector<EnvFileEntry>& entries) {
    std::vector<std::string> set;
    for (const EnvFileEntry& entry : entries) {
        const char* now = std::getenv(entry.name.c_str());
        if (now != nullptr && *now != '\0')
            continue;
        ::setenv(entry.name.c_str(), entry.value.c_str(), 1);
        set.push_back(entry.name);
    }
    return set;
}

} // namespace mailsync
