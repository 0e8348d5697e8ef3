#include "state/state_key.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/crypto.hpp"

namespace mailsync {

namespace {

constexpr const char* key_variable = "MAILSYNC_STATE_KEY";
constexpr const char* key_file_variable = "MAILSYNC_STATE_KEY_FILE";

// The variable's value, or nullopt when it is unset or empty (as CI systems pass a missing
// secret).
std::optional<std::string> variable(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        return std::nullopt;
    return std::string(value);
}

std::string trimmed(const std::string& text) {
    const char* space = " \t\r\n";
    std::size_t first = text.find_first_not_of(space);
    if (first == std::string::npos)
        return "";
    return text.substr(first, text.find_last_not_of(space) - first + 1);
}

} // namespace

Result<StateKey> state_key_from_text(std::string text, const std::string& source) {
    std::string value = trimmed(text);
    if (value.size() < min_state_key_length)
        return fail(fmt::format("the state key in {} is too short: {} characters, at least {} "
                                "are needed (make one with 'openssl rand -hex 32')",
                                source, value.size(), min_state_key_length));
    return StateKey{std::move(value), source};
}

Result<StateKey> read_state_key_file(const std::string& path) {
    std::string source = fmt::format("{} {}", key_file_variable, path);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(
            fmt::format("cannot read the state key file {}: {}", path, std::strerror(errno)));
    struct stat info {};
    std::string text;
    bool readable = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    if (readable && (info.st_mode & 077) == 0) {
        char buffer[4096];
        ssize_t count = 0;
        while ((count = ::read(fd, buffer, sizeof buffer)) > 0 && text.size() < 65536)
            text.append(buffer, static_cast<std::size_t>(count));
        readable = count >= 0;
    }
    ::close(fd);
    if (!readable)
        return fail(fmt::format("cannot read the state key file {}: not a regular file", path));
    if ((info.st_mode & 077) != 0)
        return fail(fmt::format("the state key file {} can be read or written by others (mode "
                                "{:04o}); make it private with 'chmod 600 {}'",
                                path, info.st_mode & 07777, path));
    return state_key_from_text(std::move(text), source);
}

Result<std::optional<StateKey>> state_key_from_environment() {
    std::optional<std::string> text = variable(key_variable);
    std::optional<std::string> file = variable(key_file_variable);
    if (text && file)
        return fail(fmt::format("both {} and {} are set; set only one of them", key_variable,
                                key_file_variable));
    if (text) {
        Result<StateKey> key = state_key_from_text(std::move(*text), key_variable);
        if (!key)
            return std::unexpected(key.error());
        return std::optional<StateKey>(std::move(*key));
    }
    if (file) {
        Result<StateKey> key = read_state_key_file(*file);
        if (!key)
            return std::unexpected(key.error());
        return std::optional<StateKey>(std::move(*key));
    }
    return std::optional<StateKey>();
}

std::string state_key_check(const std::string& key) {
    return "hmac-sha256:" + hmac_sha256_hex(key, "mailsync state key check");
}

Result<KeyDecision> decide_state_key(const KeyEntries& entries,
                                     const std::optional<StateKey>& given,
                                     const std::string& where) {
    if (entries.source == "external") {
        if (!given)
            return fail(fmt::format("the state {} was written with a key kept outside it "
                                    "(MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE); set it",
                                    where));
        if (!entries.check || state_key_check(given->value) != *entries.check)
            return fail(fmt::format("the key does not match the state {}: the key of {} is not "
                                    "the one it was written with",
                                    where, given->source));
        return KeyDecision{{given->value, true}, {}};
    }
    if (entries.kept) {
        if (given && given->value != *entries.kept)
            return fail(fmt::format(
                "the state {} keeps its own key, and the key of {} is another one; move the "
                "state's key out with 'mailsync state export-key --out FILE' and give that file "
                "instead",
                where, given->source));
        return KeyDecision{{*entries.kept, false}, {}};
    }
    if (given)
        return KeyDecision{
            {given->value, true},
            {{"key_source", "external"}, {"key_check", state_key_check(given->value)}}};
    std::string made = to_hex(random_bytes(32));
    return KeyDecision{{made, false}, {{"hmac_key", made}}};
}

} // namespace mailsync
