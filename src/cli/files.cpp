#include "cli/files.hpp"

#include <filesystem>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/schema.hpp"
#include "util/confined_file.hpp"
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

namespace {

// The variable a line of .env.example sets ("NAME=...", "export NAME=..."), or "".
std::string variable_of(std::string line) {
    std::size_t first = line.find_first_not_of(" \t");
    line.erase(0, first == std::string::npos ? line.size() : first);
    if (line.starts_with("export ") || line.starts_with("export\t"))
        line.erase(0, line.find_first_not_of(" \t", 6));
    std::size_t equals = line.find('=');
    if (equals == 0 || equals == std::string::npos)
        return {};
    for (char c : line.substr(0, equals)) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            return {};
    }
    return line.substr(0, equals);
}

// An .env.example that is there already (a second import into the same folder) keeps what it
// says, values filled in included, and gains the entries of variables it does not list: each
// "\n# about\nNAME=\n" of `addition`, its introduction left out.
std::string merged_env_example(const std::string& existing, const std::string& addition) {
    std::set<std::string> listed;
    std::istringstream lines(existing);
    for (std::string line; std::getline(lines, line);)
        listed.insert(variable_of(line));
    std::string merged = existing;
    if (!merged.empty() && !merged.ends_with('\n'))
        merged += '\n';
    std::istringstream added(addition);
    std::string comment;
    for (std::string line; std::getline(added, line);) {
        if (line.starts_with('#')) {
            comment += line + '\n';
            continue;
        }
        std::string variable = variable_of(line);
        if (!variable.empty() && listed.insert(variable).second)
            merged += "\n" + comment + line + '\n';
        if (line.empty() || !variable.empty())
            comment.clear();
    }
    return merged;
}

} // namespace

bool write_new_files(const std::string& out, const std::map<std::string, std::string>& files_in,
                     bool force, const char* command) {
    std::map<std::string, std::string> files = files_in;
    std::map<std::string, mode_t> modes; // of files merged: a filled-in .env.example stays 0600
    std::error_code error;
    if (fs::exists(out, error) && !fs::is_directory(out, error)) {
        fmt::print(stderr, "error: --out {} is a file, not a folder\n", out);
        return false;
    }
    if (!force) {
        std::vector<std::string> existing;
        for (const auto& [path, text] : files) {
            fs::path file = fs::path(out) / path;
            if (!fs::exists(file, error) || path == "mailsync.schema.json")
                continue;
            if (path == ".env.example" && !is_symbolic_link(file.string())) {
                Result<std::string> listed = read_regular_file(file.string(), 4U << 20U);
                if (listed) {
                    files[path] = merged_env_example(*listed, text);
                    modes[path] = static_cast<mode_t>(fs::status(file, error).permissions() &
                                                      fs::perms::mask);
                    continue;
                }
            }
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
        auto mode = modes.find(path);
        if (Result<void> written =
                write_file_atomic(file.string(), text, mode == modes.end() ? 0644 : mode->second);
            !written) {
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
