#include "plan/export_check.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

// What diagnostics name as the file; it is never written.
constexpr const char* checked_file = "(exported)";

// The resources as one text, and the line of the `---` that opens each one's document.
struct JoinedDocuments {
    std::string text;
    std::vector<int> first_lines;
};

JoinedDocuments join_documents(const std::vector<WrittenResource>& resources) {
    JoinedDocuments out;
    int line = 1;
    for (const WrittenResource& resource : resources) {
        out.first_lines.push_back(line);
        out.text += "---\n";
        out.text += resource.yaml;
        line += 1 + static_cast<int>(std::count(resource.yaml.begin(), resource.yaml.end(), '\n'));
    }
    return out;
}

// The index of the resource whose document holds `line`; nullopt for the text as a whole.
std::optional<std::size_t> resource_at(const std::vector<int>& first_lines, int line) {
    if (line < 1)
        return std::nullopt;
    auto after = std::upper_bound(first_lines.begin(), first_lines.end(), line);
    if (after == first_lines.begin())
        return std::nullopt;
    return static_cast<std::size_t>(after - first_lines.begin()) - 1;
}

// The loader's message without the "MailAccount 'x': " it starts with: the error names it first.
std::string reason(const std::string& message, const WrittenResource& resource) {
    std::string subject = fmt::format("{} '{}': ", kind_name(resource.kind), resource.name);
    return message.starts_with(subject) ? message.substr(subject.size()) : message;
}

std::string subject(const WrittenResource& resource) {
    return fmt::format("{} '{}' (id {})", kind_name(resource.kind), resource.name,
                       resource.target_id);
}

} // namespace

void leave_out_unloadable(ExportResult& result, const MappingProfile& profile) {
    LoadOptions options;
    options.resolve_secrets = false;
    options.mapping = &profile;
    options.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    options.allowed_paths = std::vector<std::string>{};
    while (!result.resources.empty()) {
        JoinedDocuments joined = join_documents(result.resources);
        LoadedConfig loaded = load_config_text(checked_file, joined.text, options);
        if (!loaded.diagnostics.has_errors())
            return;
        std::map<std::size_t, std::vector<std::string>> reasons; // resource index → its errors
        for (const Diagnostic& diagnostic : loaded.diagnostics.items()) {
            if (diagnostic.severity != Severity::error)
                continue;
            std::optional<std::size_t> at = resource_at(joined.first_lines, diagnostic.where.line);
            if (!at) {
                // Nothing to blame one resource for: writing any of them would not be honest.
                result.errors.push_back(
                    fmt::format("the exported YAML does not load: {}", diagnostic.message));
                result.resources.clear();
                return;
            }
            reasons[*at].push_back(reason(diagnostic.message, result.resources[*at]));
        }
        std::vector<WrittenResource> kept;
        for (std::size_t i = 0; i < result.resources.size(); ++i) {
            auto found = reasons.find(i);
            if (found == reasons.end())
                kept.push_back(std::move(result.resources[i]));
            else
                result.errors.push_back(
                    fmt::format("{}: {}", subject(result.resources[i]), join(found->second, "; ")));
        }
        result.resources = std::move(kept);
    }
}

} // namespace mailsync
