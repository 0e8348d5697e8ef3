#include "cli/files.hpp"

#include <filesystem>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/schema.hpp"
#include "util/safe_file.hpp"
#include "util/text.hpp"

namespace mailsync::cli {

namespace fs = std::filesystem;

std::function<std::string(const std::string&)>
file_header(const std::string& out, const std::string& intro,
            std::map<std::string, std::string>& extra_files) {
    std::error_code error;
    fs::path root = fs::weakly_canonical(fs::absolute(out, error), error);
    fs::path schema;
    for (fs::path folder = root; !folder.empty(); folder = folder.parent_path()) {
        fs::path candidate = folder / "schemas" / "mailsync.schema.json";
        if (fs::is_regular_file(candidate, error)) {
            schema = candidate;
            break;
        }
        if (folder == folder.parent_path())
            break;
    }
    if (schema.empty()) {
        schema = root / "mailsync.schema.json";
        extra_files["mailsync.schema.json"] = std::string(schema_text());
    }
    return [root, schema, intro](const std::string& path) {
        fs::path folder = (root / path).parent_path();
        std::string relative = schema.lexically_relative(folder).generic_string();
        return fmt::format("{}# yaml-language-server: $schema={}\n", intro, relative);
    };
}

bool write_new_files(const std::string& out, const std::map<std::string, std::string>& files,
                     bool force, const char* command) {
    std::error_code error;
    if (fs::exists(out, error) && !fs::is_directory(out, error)) {
        fmt::print(stderr, "error: --out {} is a file, not a folder\n", out);
        return false;
    }
    if (!force) {
        std::vector<std::string> existing;
        for (const auto& [path, text] : files) {
            fs::path file = fs::path(out) / path;
            if (fs::exists(file, error) && path != "mailsync.schema.json")
                existing.push_back(file.string());
        }
        if (!existing.empty()) {
            fmt::print(stderr,
                       "error: {} already exist{}; {} writes new files only (--force "
                       "overwrites them)\n",
                       fmt::join(existing, ", "), existing.size() == 1 ? "s" : "", command);
            return false;
        }
    }
    // Links are refused before anything is written, so that a refusal leaves no file half done.
    std::vector<std::string> links;
    for (const auto& [path, text] : files) {
        fs::path file = fs::path(out) / path;
        if (is_symbolic_link(file.string()))
            links.push_back(file.string());
    }
    if (!links.empty()) {
        fmt::print(stderr,
                   "error: {} {} a symbolic link; {} does not write through links (remove {} "
                   "or choose another --out)\n",
                   fmt::join(links, ", "), links.size() == 1 ? "is" : "are", command,
                   links.size() == 1 ? "it" : "them");
        return false;
    }
    for (const auto& [path, text] : files) {
        fs::path file = fs::path(out) / path;
        fs::create_directories(file.parent_path(), error);
        if (Result<void> written = write_file_atomic(file.string(), text); !written) {
            fmt::print(stderr, "error: {}\n", written.error().message);
            return false;
        }
    }
    return true;
}

std::string count_resources(const std::vector<WrittenResource>& resources) {
    std::map<Kind, std::size_t> counts;
    for (const WrittenResource& resource : resources)
        ++counts[resource.kind];
    std::vector<std::string> parts;
    auto say = [&](Kind kind, const char* one, const char* many) {
        if (counts[kind] > 0)
            parts.push_back(fmt::format("{} {}", counts[kind], counts[kind] == 1 ? one : many));
    };
    say(Kind::oauth2_client, "OAuth2 client", "OAuth2 clients");
    say(Kind::mail_account, "mail account", "mail accounts");
    say(Kind::smtp_connection, "SMTP connection", "SMTP connections");
    say(Kind::mailbox_migration, "mailbox migration", "mailbox migrations");
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    return out;
}

} // namespace mailsync::cli
