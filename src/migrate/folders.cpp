#include "migrate/folders.hpp"

#include <algorithm>

#include "migrate/utf7.hpp"

namespace mailsync::imap {

namespace {

bool is_inbox(std::string_view level) {
    if (level.size() != 5)
        return false;
    for (std::size_t i = 0; i < 5; ++i)
        if ((level[i] | 0x20) != "inbox"[i])
            return false;
    return true;
}

// Iterative glob with one backtracking point per star kind.
bool glob(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0;
    std::size_t star_p = std::string_view::npos, star_t = 0;
    bool star_crosses = false;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '*' || pattern[p] == '%')) {
            star_crosses = pattern[p] == '*';
            star_p = p++;
            star_t = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star_p != std::string_view::npos && (star_crosses || text[star_t] != '/')) {
            p = star_p + 1;
            t = ++star_t;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && (pattern[p] == '*' || pattern[p] == '%'))
        ++p;
    return p == pattern.size();
}

} // namespace

std::string canonical_path(std::string_view path) {
    std::string_view first = path.substr(0, path.find('/'));
    if (!is_inbox(first))
        return std::string(path);
    return "INBOX" + std::string(path.substr(first.size()));
}

bool folder_matches(std::string_view pattern, std::string_view path) {
    return glob(canonical_path(pattern), canonical_path(path));
}

bool folder_selected(std::string_view path, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude) {
    bool included = include.empty();
    for (const std::string& pattern : include)
        included = included || folder_matches(pattern, path);
    if (!included)
        return false;
    std::string canonical = canonical_path(path);
    for (const std::string& pattern : exclude) {
        if (folder_matches(pattern, canonical))
            return false;
        std::string parent = canonical_path(pattern);
        if (parent.find_first_of("*%") == std::string::npos && canonical.starts_with(parent + "/"))
            return false;
    }
    return true;
}

bool is_gmail_view(std::string_view path, const std::vector<std::string>& attributes) {
    for (const std::string& attribute : attributes) {
        std::string lower;
        for (char c : attribute)
            lower += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower == "\\all" || lower == "\\important" || lower == "\\flagged")
            return true;
    }
    for (std::string_view root : {"[Gmail]/", "[Google Mail]/"}) {
        if (!path.starts_with(root))
            continue;
        std::string_view name = path.substr(root.size());
        if (name == "All Mail" || name == "Important" || name == "Starred")
            return true;
    }
    return false;
}

bool gmail_view_left_out(std::string_view path, const std::vector<std::string>& attributes,
                         const std::vector<std::string>& include) {
    if (!is_gmail_view(path, attributes))
        return false;
    return std::none_of(include.begin(), include.end(),
                        [&](const std::string& pattern) { return folder_matches(pattern, path); });
}

std::string renamed(std::string_view path, const std::vector<FolderRename>& renames) {
    std::string canonical = canonical_path(path);
    const FolderRename* best = nullptr;
    std::size_t best_size = 0;
    for (const FolderRename& rename : renames) {
        std::string from = canonical_path(rename.from);
        bool hit = canonical == from || canonical.starts_with(from + "/");
        if (hit && from.size() >= best_size) {
            best = &rename;
            best_size = from.size();
        }
    }
    if (best == nullptr)
        return canonical;
    return canonical_path(best->to + canonical.substr(best_size));
}

std::optional<std::string> path_of(std::string_view name, char delimiter) {
    std::optional<std::string> utf8 = decode_mailbox(name);
    if (!utf8)
        return std::nullopt;
    if (delimiter != 0 && delimiter != '/') {
        for (char& c : *utf8) {
            if (c == '/')
                c = '_'; // a '/' inside a level cannot stand for a level here
            else if (c == delimiter)
                c = '/';
        }
    }
    return canonical_path(*utf8);
}

std::string name_of(std::string_view path, char delimiter, bool* changed) {
    std::string out(path);
    if (changed != nullptr)
        *changed = false;
    for (char& c : out) {
        if (c == '/') {
            if (delimiter != 0)
                c = delimiter;
        } else if (delimiter != 0 && c == delimiter) {
            c = '_';
            if (changed != nullptr)
                *changed = true;
        }
    }
    return encode_mailbox(out).value_or(out);
}

} // namespace mailsync::imap
