#include "config/source_file.hpp"

#include "config/settings.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "util/confined_file.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace fs = std::filesystem;

namespace {

bool is_yaml(const fs::path& path) {
    std::string extension = path.extension().string();
    return extension == ".yaml" || extension == ".yml";
}

bool is_hidden(const fs::path& path) {
    std::string name = path.filename().string();
    return name.size() > 1 && name.front() == '.' && name != "..";
}

// Line and column (from 1) of a byte offset.
Location place_of(const std::string& file, const std::string& text, std::size_t offset) {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {file, line, column};
}

// The first folder of a relative path given on the command line that is a link (`config ->
// .` would make the whole checkout the root). Absolute paths come from the operator, not from
// the repository, and are taken as they are.
std::optional<std::string> linked_component(const std::string& given) {
    fs::path path(given);
    if (path.is_absolute())
        return std::nullopt;
    fs::path prefix;
    for (const fs::path& part : path.parent_path()) {
        prefix /= part;
        if (part == "." || part == "..")
            continue;
        std::error_code error;
        if (fs::is_symlink(fs::symlink_status(prefix, error)))
            return prefix.string();
    }
    std::error_code error;
    if (fs::is_directory(fs::status(path, error)) &&
        fs::is_symlink(fs::symlink_status(path, error)))
        return path.string();
    return std::nullopt;
}

} // namespace

std::vector<std::string> collect_yaml_files(const std::vector<std::string>& paths,
                                            Diagnostics& diagnostics,
                                            std::map<std::string, std::string>* roots,
                                            std::map<std::string, std::string>* real_paths) {
    std::vector<std::string> files;
    std::set<std::string> seen;
    // A file is read only when its real path stays below its root: a link committed to the
    // repository (`x.yaml -> ../.git/config`) is refused, and nothing of its target is read.
    auto take = [&](const std::string& file, const std::string& root) {
        if (!seen.insert(fs::path(file).lexically_normal().string()).second)
            return;
        fs::path relative =
            fs::path(file).lexically_normal().lexically_relative(fs::path(root).lexically_normal());
        auto resolved = resolve_below(root, relative.string());
        if (!resolved) {
            if (resolved.error().escapes)
                diagnostics.error({file, 0, 0},
                                  fmt::format("this file is a link that leads outside {}; "
                                              "mailsync reads configuration files only below "
                                              "the folder given, and has read nothing of it",
                                              root));
            else
                diagnostics.error({file, 0, 0}, resolved.error().message);
            return;
        }
        files.push_back(file);
        if (roots != nullptr)
            (*roots)[file] = root;
        if (real_paths != nullptr)
            (*real_paths)[file] = *resolved;
    };
    for (const std::string& given : paths) {
        std::string path = given;
        while (path.size() > 1 && path.ends_with('/'))
            path.pop_back();
        std::error_code error;
        fs::file_status status = fs::status(path, error);
        if (error || !fs::exists(status)) {
            diagnostics.error({path, 0, 0}, "no such file or folder");
            continue;
        }
        if (std::optional<std::string> link = linked_component(path)) {
            diagnostics.error({path, 0, 0},
                              fmt::format("{} is a link; give the folder it leads to instead, "
                                          "since mailsync reads only below the folder given",
                                          *link));
            continue;
        }
        if (!fs::is_directory(status)) {
            std::string parent = fs::path(path).parent_path().string();
            take(path, parent.empty() ? "." : parent);
            continue;
        }
        std::vector<std::string> found;
        fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied,
                                            error);
        for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
            if (is_hidden(it->path())) {
                if (it->is_directory())
                    it.disable_recursion_pending();
                continue;
            }
            // The settings file at the root is read first, on its own (config/settings).
            if (it.depth() == 0 && it->path().filename() == settings_file_name)
                continue;
            if (is_yaml(it->path()) && (it->is_symlink() || it->is_regular_file()))
                found.push_back(it->path().string());
        }
        if (error) {
            diagnostics.error({path, 0, 0}, fmt::format("cannot list folder: {}", error.message()));
            continue;
        }
        if (found.empty()) {
            diagnostics.error({path, 0, 0}, "folder has no *.yaml or *.yml files");
            continue;
        }
        std::sort(found.begin(), found.end());
        for (const std::string& file : found)
            take(file, path);
    }
    return files;
}

std::optional<std::string> read_source_file(const std::string& path, Diagnostics& diagnostics,
                                            std::size_t max_bytes) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
        diagnostics.error({path, 0, 0}, "is a folder, not a file");
        return std::nullopt;
    }
    std::uintmax_t size = fs::file_size(path, error);
    if (!error && size > max_bytes) {
        diagnostics.error({path, 0, 0},
                          fmt::format("file is {}; mailsync reads files of at most {}",
                                      human_size(size), human_size(max_bytes)));
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.error({path, 0, 0}, fmt::format("cannot read: {}", std::strerror(errno)));
        return std::nullopt;
    }
    // Read at most one byte past the size (or the limit, for a file that does not report its
    // size), so that a file that grows while read is still caught.
    std::size_t expected =
        error ? std::min<std::size_t>(max_bytes, 64 * 1024) : static_cast<std::size_t>(size);
    std::string text(expected + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    while (text.size() <= max_bytes && in) {
        char chunk[4096];
        in.read(chunk, sizeof chunk);
        text.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
    text.shrink_to_fit();
    if (text.size() > max_bytes) {
        diagnostics.error({path, 0, 0},
                          fmt::format("file is larger than {}", human_size(max_bytes)));
        return std::nullopt;
    }
    return accept_source_text(path, std::move(text), diagnostics);
}

std::optional<std::string> read_confined_source(const std::string& path, const std::string& real,
                                                Diagnostics& diagnostics) {
    std::error_code error;
    std::uintmax_t size = fs::file_size(real, error);
    if (!error && size > max_source_bytes) {
        diagnostics.error({path, 0, 0},
                          fmt::format("file is {}; mailsync reads files of at most {}",
                                      human_size(size), human_size(max_source_bytes)));
        return std::nullopt;
    }
    Result<std::string> text = read_regular_file(real, max_source_bytes);
    if (!text) {
        diagnostics.error({path, 0, 0}, fmt::format("cannot read: {}", text.error().message));
        return std::nullopt;
    }
    return accept_source_text(path, std::move(*text), diagnostics);
}

std::optional<std::string> accept_source_text(const std::string& path, std::string text,
                                              Diagnostics& diagnostics) {
    if (text.starts_with("\xEF\xBB\xBF"))
        text.erase(0, 3);
    if (std::optional<std::size_t> bad = find_invalid_utf8(text)) {
        diagnostics.error(place_of(path, text, *bad),
                          fmt::format("file is not UTF-8 text (byte 0x{:02X})",
                                      static_cast<unsigned char>(text[*bad])));
        return std::nullopt;
    }
    return text;
}

} // namespace mailsync
