// `mailsync import`'s way in: the file read with limits, the format chosen, the reader run, and
// the records handed to the importer.
#include "config/source_file.hpp"
#include "import/importer.hpp"
#include "import/records.hpp"

namespace mailsync {

namespace {

// Input files may be long account lists: far larger than a YAML file.
constexpr std::size_t max_import_bytes = 256 * 1024 * 1024;

bool looks_like_json(std::string_view file, std::string_view text) {
    if (file.ends_with(".json") || file.ends_with(".JSON"))
        return true;
    if (file.ends_with(".csv") || file.ends_with(".CSV") || file.ends_with(".txt"))
        return false;
    std::size_t first = text.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

} // namespace

ImportResult import_text(std::string_view text, const std::string& file,
                         const MappingProfile& profile, ImportFormat format,
                         const MigrationTarget& migration) {
    ImportResult result;
    // The text becomes YAML and JSON: it must be UTF-8 (import_file has read it so already).
    std::optional<std::string> accepted =
        accept_source_text(file, std::string(text), result.diagnostics);
    if (!accepted) {
        result.unreadable = true;
        return result;
    }
    // A lone CR ends a line for the CSV reader, not for quoting: it becomes a LF, so that both
    // count the same lines and a hidden cell is hidden on the line that is quoted.
    for (std::size_t at = accepted->find('\r'); at != std::string::npos;
         at = accepted->find('\r', at + 1)) {
        if (at + 1 >= accepted->size() || (*accepted)[at + 1] != '\n')
            (*accepted)[at] = '\n';
    }
    text = *accepted;
    if (format == ImportFormat::automatic)
        format = looks_like_json(file, text) ? ImportFormat::json : ImportFormat::csv;
    result.format = format;
    if (format == ImportFormat::csv && is_migration_csv(text)) {
        import_migration_csv(text, file, migration, result);
        result.diagnostics.sort({file});
        return result;
    }
    FieldNames names(profile);
    InputRecords input = format == ImportFormat::json
                             ? read_json_records(text, file, profile, names, result.diagnostics)
                             : read_csv_records(text, file, names, result.diagnostics);
    result.sources.add(file, std::string(text));
    for (const auto& [where, end_column] : input.sensitive)
        result.sources.redact(where, end_column);
    result.unreadable = input.unreadable;
    result.read = input.records.size() + input.rejected;
    result.skipped = input.rejected;
    if (!input.unreadable)
        import_records(std::move(input), profile, result);
    result.diagnostics.sort({file});
    return result;
}

ImportResult import_file(const std::string& path, const MappingProfile& profile,
                         ImportFormat format, const MigrationTarget& migration) {
    Diagnostics diagnostics;
    std::optional<std::string> text = read_source_file(path, diagnostics, max_import_bytes);
    if (!text) {
        ImportResult result;
        result.diagnostics = std::move(diagnostics);
        result.unreadable = true;
        return result;
    }
    return import_text(*text, path, profile, format, migration);
}

} // namespace mailsync
