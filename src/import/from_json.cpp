// A Server export (JSON) → input records. The sections and field names are the Server's labels
// as the mapping profile gives them; see schemas/server-export.schema.json.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "import/json_positions.hpp"
#include "import/records.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

using nlohmann::json;

// Top-level keys that describe the export itself.
bool is_about_the_export(const std::string& normalized) {
    return normalized == "exportversion" || normalized == "version" || normalized == "product" ||
           normalized == "exportedat" || normalized == "generator" || normalized == "source" ||
           normalized == "schema";
}

// "incomingMailAccounts": the section's Server label in camel case, its first word in lower case.
std::string camel_case(std::string_view label) {
    std::string out;
    bool first_word = true;
    bool upper = false;
    for (char c : label) {
        unsigned char u = static_cast<unsigned char>(c);
        if (std::isalnum(u) == 0) {
            first_word = out.empty();
            upper = !out.empty();
            continue;
        }
        out += static_cast<char>(first_word ? std::tolower(u) : upper ? std::toupper(u) : c);
        upper = false;
    }
    return out;
}

class JsonReader {
public:
    JsonReader(std::string_view text, const std::string& file, const MappingProfile& profile,
               const FieldNames& names, Diagnostics& diagnostics)
        : m_text(text), m_file(file), m_profile(profile), m_names(names),
          m_diagnostics(diagnostics) {}

    InputRecords run() {
        json root;
        try {
            root = json::parse(m_text);
        } catch (const json::parse_error& error) {
            std::string what = error.what();
            std::size_t colon = what.find(": ", what.find("column"));
            what = colon == std::string::npos ? what : what.substr(colon + 2);
            // nlohmann adds the text it read last, which may be a secret's: left out.
            if (std::size_t last = what.find("; last read: "); last != std::string::npos)
                what.erase(last);
            Location where = place(error.byte > 0 ? error.byte - 1 : 0);
            m_diagnostics.error(where, fmt::format("not valid JSON: {}", what));
            // The values are not known: a line with any string on it is not quoted, since a
            // secret may stand there under any key, or on a line of its own.
            std::size_t start = m_line_starts[static_cast<std::size_t>(where.line) - 1];
            std::string_view line = m_text.substr(start, m_text.find('\n', start) - start);
            if (line.find('"') != std::string_view::npos)
                m_out.sensitive.push_back({{m_file, where.line, 1}, 0});
            m_out.unreadable = true;
            return std::move(m_out);
        } catch (const json::out_of_range& error) {
            // A number beyond double's range ("1E400"): nlohmann names it, not its place.
            std::string what = error.what();
            std::size_t quote = what.find('\'');
            std::string number = quote == std::string::npos
                                     ? std::string()
                                     : what.substr(quote + 1, what.rfind('\'') - quote - 1);
            std::size_t at = number.empty() ? std::string_view::npos : m_text.find(number);
            m_diagnostics.error(
                place(at == std::string_view::npos ? 0 : at),
                number.empty() ? fmt::format("not valid JSON: {}", what)
                               : fmt::format("not valid JSON: the number {} is too large", number));
            m_out.unreadable = true;
            return std::move(m_out);
        }
        if (!root.is_object()) {
            m_diagnostics.error({m_file, 1, 1},
                                fmt::format("a Server export is a JSON object with the sections "
                                            "{}, not {}",
                                            join(section_names(), ", "), root.type_name()));
            m_out.unreadable = true;
            return std::move(m_out);
        }
        m_offsets = json_value_offsets(m_text);
        std::vector<std::pair<Kind, std::string>> sections;
        for (const auto& [key, value] : root.items()) {
            std::string normalized = normalize_name(key);
            std::optional<Kind> kind = section_kind(normalized);
            if (!kind) {
                if (!is_about_the_export(normalized))
                    hide_value("/" + json_pointer_token(key));
                if (!is_about_the_export(normalized))
                    m_diagnostics.warning(
                        at("/" + json_pointer_token(key)),
                        fmt::format("'{}' is not a section of a Server export; it is ignored "
                                    "(the sections are {})",
                                    key, join(section_names(), ", ")));
                continue;
            }
            sections.emplace_back(*kind, key);
        }
        if (sections.empty()) {
            m_diagnostics.error({m_file, 1, 1},
                                fmt::format("no section of a Server export here; expected {}",
                                            join(section_names(), ", ")));
            m_out.unreadable = true;
            return std::move(m_out);
        }
        for (const auto& [kind, key] : sections)
            section(kind, key, root[key]);
        return std::move(m_out);
    }

private:
    std::vector<std::string> section_names() const {
        std::vector<std::string> out;
        for (const auto& [kind, mapping] : m_profile.kinds)
            out.push_back(camel_case(mapping.source_section.empty() ? kind_name(kind)
                                                                    : mapping.source_section));
        return out;
    }

    std::optional<Kind> section_kind(const std::string& normalized) const {
        for (const auto& [kind, mapping] : m_profile.kinds) {
            if (normalized == normalize_name(mapping.source_section) ||
                normalized == normalize_name(mapping.collection) ||
                normalized == normalize_name(kind_name(kind)))
                return kind;
        }
        return std::nullopt;
    }

    Location place(std::size_t offset) {
        if (m_line_starts.empty()) {
            m_line_starts.push_back(0);
            for (std::size_t i = 0; i < m_text.size(); ++i) {
                if (m_text[i] == '\n')
                    m_line_starts.push_back(i + 1);
            }
        }
        auto line = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
        std::size_t index = static_cast<std::size_t>(line - m_line_starts.begin());
        return {m_file, static_cast<int>(index),
                static_cast<int>(offset - m_line_starts[index - 1]) + 1};
    }

    // The column after the JSON value that starts at `where` (a string, number or literal); 0
    // when it does not end on its line.
    int value_end(const Location& where) const {
        std::size_t line_start = m_line_starts[static_cast<std::size_t>(where.line) - 1];
        std::size_t at = line_start + static_cast<std::size_t>(where.column) - 1;
        if (at >= m_text.size())
            return 0;
        if (m_text[at] == '"') {
            for (++at; at < m_text.size() && m_text[at] != '"'; ++at) {
                if (m_text[at] == '\\')
                    ++at;
                if (at >= m_text.size() || m_text[at] == '\n')
                    return 0;
            }
            if (at >= m_text.size())
                return 0;
            ++at;
        } else {
            while (at < m_text.size() &&
                   std::string_view(",}] \t\r\n").find(m_text[at]) == std::string_view::npos)
                ++at;
        }
        return static_cast<int>(at - line_start) + 1;
    }

    // Hides the value at `pointer` wherever its lines are quoted, whatever it is: the value of
    // an unknown field or section may be a secret (a misspelt "Passwrd", a number, a list, an
    // object with a password inside).
    void hide_value(const std::string& pointer) {
        Location where = at(pointer);
        std::size_t start = m_line_starts[static_cast<std::size_t>(where.line) - 1] +
                            static_cast<std::size_t>(where.column) - 1;
        if (start >= m_text.size())
            return;
        if (m_text[start] != '{' && m_text[start] != '[') {
            m_out.sensitive.push_back({where, value_end(where)});
            return;
        }
        // The end of the object or list: brackets counted outside strings.
        std::size_t end = start;
        int depth = 0;
        bool in_string = false;
        for (; end < m_text.size(); ++end) {
            char c = m_text[end];
            if (in_string) {
                if (c == '\\')
                    ++end;
                else if (c == '"')
                    in_string = false;
            } else if (c == '"') {
                in_string = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                break;
            }
        }
        Location last = place(std::min(end, m_text.size() - 1));
        for (int line = where.line; line <= last.line; ++line)
            m_out.sensitive.push_back({{m_file, line, line == where.line ? where.column : 1},
                                       line == last.line ? last.column + 1 : 0});
    }

    Location at(const std::string& pointer) {
        auto found = m_offsets.find(pointer);
        return found == m_offsets.end() ? Location{m_file, 1, 1} : place(found->second);
    }

    void section(Kind kind, const std::string& key, const json& items) {
        std::string pointer = "/" + json_pointer_token(key);
        if (!items.is_array()) {
            m_diagnostics.error(at(pointer), fmt::format("'{}' must be a list of objects, not {}",
                                                         key, items.type_name()));
            ++m_out.rejected;
            return;
        }
        for (std::size_t i = 0; i < items.size(); ++i)
            object(kind, fmt::format("{}/{}", pointer, i), items[i]);
    }

    void object(Kind kind, const std::string& pointer, const json& item) {
        if (!item.is_object()) {
            m_diagnostics.error(at(pointer),
                                fmt::format("{}: a {} must be an object, not {}", pointer,
                                            kind_name(kind), item.type_name()));
            ++m_out.rejected;
            return;
        }
        InputRecord record;
        record.kind = kind;
        record.where = at(pointer);
        record.pointer = pointer;
        bool ok = true;
        for (const auto& [key, value] : item.items()) {
            std::string field_pointer = pointer + "/" + json_pointer_token(key);
            std::optional<std::string> attribute = m_names.attribute(kind, key);
            if (!attribute) {
                // What an unknown field holds is not known either: a misspelt "Passwrd" holds a
                // password. Its text is hidden wherever its line is quoted.
                hide_value(field_pointer);
                if (m_unknown.insert({kind, key}).second)
                    m_diagnostics.warning(
                        at(field_pointer),
                        fmt::format("{}: '{}' is not a field mapping {} knows for {}; it is "
                                    "ignored{}",
                                    field_pointer, key, m_profile.name, kind_name(kind),
                                    did_you_mean(key, m_names.suggestions(kind))));
                continue;
            }
            if (value.is_null())
                continue;
            bool list_ok = *attribute == "scopes" && value.is_array() &&
                           std::all_of(value.begin(), value.end(),
                                       [](const json& scope) { return scope.is_string(); });
            if (value.is_structured() && !list_ok) {
                m_diagnostics.error(at(field_pointer),
                                    fmt::format("{}: '{}' must be a string, a number or true or "
                                                "false, not {}",
                                                field_pointer, key, value.type_name()));
                ok = false;
                continue;
            }
            if (value.is_string() && value.get_ref<const std::string&>().empty())
                continue;
            Location where = at(field_pointer);
            if (is_secret_attribute(kind, *attribute))
                m_out.sensitive.push_back({where, value_end(where)});
            record.values[*attribute] = {value, where, key, 0};
        }
        if (!ok) {
            ++m_out.rejected;
            return;
        }
        m_out.records.push_back(std::move(record));
    }

    std::string_view m_text;
    const std::string& m_file;
    const MappingProfile& m_profile;
    const FieldNames& m_names;
    Diagnostics& m_diagnostics;
    std::unordered_map<std::string, std::size_t> m_offsets;
    std::vector<std::size_t> m_line_starts;
    std::set<std::pair<Kind, std::string>> m_unknown;
    InputRecords m_out;
};

} // namespace

InputRecords read_json_records(std::string_view text, const std::string& file,
                               const MappingProfile& profile, const FieldNames& names,
                               Diagnostics& diagnostics) {
    return JsonReader(text, file, profile, names, diagnostics).run();
}

} // namespace mailsync
