#include "state/state_location.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

namespace mailsync {

namespace {

bool is_namespace_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// The scheme of "scheme:rest" when it looks like one (letters, digits, + - .), else "".
std::string scheme_of(const std::string& text) {
    std::size_t colon = text.find(':');
    if (colon == std::string::npos || colon == 0)
        return "";
    for (std::size_t i = 0; i < colon; ++i) {
        char c = text[i];
        bool ok = std::isalpha(static_cast<unsigned char>(c)) ||
                  (i > 0 && (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' ||
                             c == '.'));
        if (!ok)
            return "";
    }
    return text.substr(0, colon);
}

// Removes mailsync_namespace=NAME from the query of `url`; returns NAME or "".
std::string take_namespace(std::string& url) {
    std::size_t query = url.find('?');
    if (query == std::string::npos)
        return "";
    std::string kept;
    std::string found;
    std::size_t start = query + 1;
    while (start <= url.size()) {
        std::size_t end = url.find('&', start);
        if (end == std::string::npos)
            end = url.size();
        std::string pair = url.substr(start, end - start);
        std::string prefix = std::string(namespace_parameter) + "=";
        if (pair.starts_with(prefix))
            found = pair.substr(prefix.size());
        else if (!pair.empty())
            kept += (kept.empty() ? "" : "&") + pair;
        start = end + 1;
    }
    url = url.substr(0, query) + (kept.empty() ? "" : "?" + kept);
    return found;
}

} // namespace

std::string redact_state_url(const std::string& url) {
    std::string out = url;
    std::size_t authority = out.find("://");
    if (authority != std::string::npos) {
        std::size_t start = authority + 3;
        std::size_t end = out.find_first_of("/?", start);
        std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
        if (at != std::string::npos && at >= start) {
            std::size_t colon = out.find(':', start);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    std::size_t query = out.find('?');
    while (query != std::string::npos) {
        std::size_t name = query + 1;
        std::size_t end = out.find('&', name);
        if (out.compare(name, 9, "password=") == 0) {
            std::size_t value = name + 9;
            out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
            end = out.find('&', value);
        }
        query = end;
    }
    return out;
}

Result<StateLocation> parse_state_location(const std::string& text) {
    std::string scheme = scheme_of(text);
    if (scheme == "postgres" || scheme == "postgresql") {
        std::string url = text;
        std::string name = take_namespace(url);
        if (name.empty())
            name = "default";
        std::string display = redact_state_url(text);
        if (name.size() > 40 || !std::ranges::all_of(name, is_namespace_char))
            return fail(fmt::format("the state {}: the namespace '{}' must be 1 to 40 lower-case "
                                    "letters, digits or '_'",
                                    display, name));
        return StateLocation{StateBackendKind::postgres, url, name, display};
    }
    if (scheme == "sqlite")
        return StateLocation{StateBackendKind::sqlite, text.substr(7), "", text.substr(7)};
    // A one-letter scheme is a Windows drive; anything with :// is meant as a URL.
    if (!scheme.empty() && text.find("://") != std::string::npos)
        return fail(fmt::format("the state {}: unknown scheme '{}:'; give a file path, "
                                "sqlite:PATH, or postgres://USER@HOST/DATABASE",
                                redact_state_url(text), scheme));
    return StateLocation{StateBackendKind::sqlite, text, "", text};
}

std::optional<StateLocation> absent_sqlite_state(const std::string& text) {
    Result<StateLocation> where = parse_state_location(text);
    if (!where || where->kind != StateBackendKind::sqlite)
        return std::nullopt;
    std::error_code error;
    if (std::filesystem::symlink_status(where->address, error).type() !=
        std::filesystem::file_type::not_found)
        return std::nullopt;
    return std::move(*where);
}

} // namespace mailsync
