#include "config/file_access.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "util/confined_file.hpp"

namespace mailsync {

namespace fs = std::filesystem;

std::string FileAccess::root_of(const std::string& yaml_file) const {
    auto found = roots.find(yaml_file);
    if (found != roots.end())
        return found->second;
    std::string parent = fs::path(yaml_file).parent_path().string();
    return parent.empty() ? "." : parent;
}

Result<std::vector<std::string>> parse_allowed_paths(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(':', start);
        if (end == std::string::npos)
            end = text.size();
        std::string item = text.substr(start, end - start);
        if (!item.empty() && !fs::path(item).is_absolute())
            return fail(fmt::format("'{}' is not an absolute path; list absolute folders, "
                                    "separated by ':'",
                                    item));
        if (!item.empty())
            out.push_back(fs::path(item).lexically_normal().string());
        start = end + 1;
    }
    return out;
}

Result<std::string> resolve_config_path(const FileAccess& access, const std::string& yaml_file,
                                        const std::string& reference) {
    fs::path written(reference);
    if (written.is_absolute()) {
        for (const std::string& folder : access.allowed) {
            if (!lexically_below(reference, folder))
                continue;
            fs::path inside = written.lexically_normal().lexically_relative(folder);
            auto resolved = resolve_below(folder, inside.string());
            if (resolved)
                return *resolved;
            if (resolved.error().escapes)
                return fail(fmt::format("{} leads outside {}, the allowed folder it names",
                                        reference, folder));
            return fail(fmt::format("{}: {}", reference, resolved.error().message));
        }
        return fail(fmt::format("{} is an absolute path; mailsync reads those only below a "
                                "folder listed in {} (set outside the repository)",
                                reference, allowed_paths_variable));
    }
    std::string root = access.root_of(yaml_file);
    fs::path from_root = (fs::path(yaml_file).parent_path() / written)
                             .lexically_normal()
                             .lexically_relative(fs::path(root).lexically_normal());
    auto outside = [&] {
        return fail(fmt::format("{} leads outside the configuration root {}; mailsync reads "
                                "files only below it (absolute paths: below the folders in {})",
                                reference, root, allowed_paths_variable));
    };
    if (from_root.empty() || *from_root.begin() == "..")
        return outside();
    auto resolved = resolve_below(root, from_root.string());
    if (!resolved) {
        if (resolved.error().escapes)
            return outside();
        return fail(fmt::format("{}: {}", reference, resolved.error().message));
    }
    return *resolved;
}

Result<std::string> read_config_file(const FileAccess& access, const std::string& yaml_file,
                                     const std::string& reference, std::size_t max_bytes) {
    Result<std::string> path = resolve_config_path(access, yaml_file, reference);
    if (!path)
        return std::unexpected(path.error());
    Result<std::string> text = read_regular_file(*path, max_bytes);
    if (!text)
        return fail(fmt::format("{}: {}", reference, text.error().message));
    return text;
}

} // namespace mailsync
