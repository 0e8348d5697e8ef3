// An account list as CSV → input records.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "import/csv.hpp"
#include "import/records.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return std::string(text);
}

// The kind a row's `kind` cell names, in mailsync's words or the seeds'.
std::optional<Kind> row_kind(std::string_view text) {
    std::string word = normalize_name(text);
    if (word.empty() || word == "mailaccount" || word == "incoming" || word == "account" ||
        word == "imap" || word == "pop3")
        return Kind::mail_account;
    if (word == "smtpconnection" || word == "outgoing" || word == "smtp")
        return Kind::smtp_connection;
    if (word == "oauth2client" || word == "oauth2" || word == "client")
        return Kind::oauth2_client;
    return std::nullopt;
}

struct Column {
    std::string said;
    Location where;
    bool is_kind = false;
    bool secret = false;
    std::map<Kind, std::string> attribute;
};

const char* separator_name(char separator) {
    return separator == ';' ? "';'" : separator == '\t' ? "tab" : "','";
}

class CsvReader {
public:
    CsvReader(std::string_view text, const std::string& file, const FieldNames& names,
              Diagnostics& diagnostics)
        : m_text(text), m_file(file), m_names(names), m_diagnostics(diagnostics) {}

    InputRecords run() {
        std::size_t errors_before = m_diagnostics.error_count();
        CsvTable table = read_csv(m_text, m_file, m_diagnostics);
        bool open_quote = m_diagnostics.error_count() > errors_before;
        if (table.open_quote_line > 0)
            m_out.sensitive.push_back({{m_file, table.open_quote_line, 1}, 0});
        m_separator = table.separator;
        if (table.header.cells.empty()) {
            if (!open_quote)
                m_diagnostics.error({m_file, 1, 1},
                                    "the file is empty; an account list starts with a header "
                                    "row such as name,protocol,host,port,encryption,username,"
                                    "password");
            m_out.unreadable = true;
            return std::move(m_out);
        }
        if (!header(table.header)) {
            m_out.unreadable = true;
            return std::move(m_out);
        }
        m_out.rejected += open_quote ? 1 : 0;
        for (const CsvRow& row : table.rows)
            read_row(row);
        return std::move(m_out);
    }

private:
    bool header(const CsvRow& row) {
        bool ok = true;
        std::map<std::pair<Kind, std::string>, const Column*> taken;
        m_columns.reserve(row.cells.size());
        for (const CsvCell& cell : row.cells) {
            Column column{trimmed(cell.text), {m_file, cell.line, cell.column}, false, false, {}};
            if (normalize_name(column.said) == "kind") {
                column.is_kind = true;
                m_kind_column = true;
            } else {
                for (Kind kind : all_kinds) {
                    if (auto attribute = m_names.attribute(kind, column.said)) {
                        column.attribute[kind] = *attribute;
                        column.secret = column.secret || is_secret_attribute(kind, *attribute);
                    }
                }
            }
            m_columns.push_back(std::move(column));
        }
        std::vector<std::string> known;
        for (Kind kind : all_kinds) {
            for (const std::string& name : m_names.suggestions(kind))
                known.push_back(name);
        }
        known.push_back("kind");
        // A first line that names mostly no column is a row of data, not a header: its cells
        // may hold a password, so the line is hidden and no cell is quoted.
        std::size_t unknown =
            std::count_if(m_columns.begin(), m_columns.end(), [](const Column& c) {
                return !c.is_kind && !c.said.empty() && c.attribute.empty();
            });
        if (unknown >= 2 && unknown * 2 > m_columns.size()) {
            m_out.sensitive.push_back({{m_file, row.line, 1}, 0});
            m_diagnostics.error(
                {m_file, row.line, 1},
                fmt::format("the first line is not a header: {} of its {} cells name no column "
                            "(it looks like a row of accounts); the first line names the "
                            "columns, such as name,protocol,host,port,username,password",
                            unknown, m_columns.size()));
            return false;
        }
        for (const Column& column : m_columns) {
            if (column.is_kind)
                continue;
            if (column.said.empty()) {
                m_diagnostics.error(column.where, "a column without a name in the header row");
                ok = false;
                continue;
            }
            if (column.attribute.empty()) {
                std::string hint = did_you_mean(column.said, known);
                if (hint.empty() && m_columns.size() == 1 && column.said.size() > 20)
                    hint = fmt::format("; the header has one column only: columns are separated "
                                       "by ',' or ';'");
                m_diagnostics.error(column.where,
                                    fmt::format("unknown column '{}'{}", column.said, hint));
                ok = false;
                continue;
            }
            for (const auto& [kind, attribute] : column.attribute) {
                auto [it, inserted] = taken.emplace(std::pair{kind, attribute}, &column);
                if (!inserted) {
                    m_diagnostics.error(column.where,
                                        fmt::format("column '{}' says the same as column '{}'",
                                                    column.said, it->second->said));
                    ok = false;
                    break;
                }
            }
        }
        if (!ok)
            return false;
        auto has = [&](const char* attribute) {
            return std::any_of(m_columns.begin(), m_columns.end(), [&](const Column& column) {
                return std::any_of(column.attribute.begin(), column.attribute.end(),
                                   [&](const auto& entry) { return entry.second == attribute; });
            });
        };
        std::vector<std::string> missing;
        if (!has("name"))
            missing.emplace_back("name");
        if (!m_kind_column) {
            // An account list: what every account needs, unless a provider fills it in.
            if (!has("username"))
                missing.emplace_back("username");
            if (!has("host") && !has("serverType"))
                missing.emplace_back("host (or provider)");
            if (!has("protocol") && !has("serverType"))
                missing.emplace_back("protocol (or provider)");
        }
        if (!missing.empty()) {
            std::vector<std::string> said;
            for (const Column& column : m_columns)
                said.push_back(column.said);
            m_diagnostics.error(
                {m_file, row.line, 1},
                fmt::format("the header row has no column{} {}; it has {} (separated by {})",
                            missing.size() == 1 ? "" : "s", join(missing, ", "),
                            said.size() == 1 ? "one: '" + said.front() + "'" : join(said, ", "),
                            separator_name(m_separator)));
            return false;
        }
        return true;
    }

    void read_row(const CsvRow& row) {
        std::size_t cells = row.cells.size();
        while (cells > m_columns.size() && row.cells[cells - 1].text.empty())
            --cells; // a trailing separator
        if (cells != m_columns.size()) {
            // Which cell is the password is not known here: the row is not quoted at all.
            int last = row.cells.empty() ? row.line : row.cells.back().end_line;
            for (int line = row.line; line <= last; ++line)
                m_out.sensitive.push_back({{m_file, line, 1}, 0});
            std::string hint;
            for (char other : {',', ';', '\t'}) {
                if (other == m_separator)
                    continue;
                std::size_t count = 0;
                for (const CsvCell& cell : row.cells)
                    count += static_cast<std::size_t>(
                        std::count(cell.text.begin(), cell.text.end(), other));
                if (count + 1 >= m_columns.size() && m_columns.size() > 1) {
                    hint = fmt::format(" (the header is separated by {}, this row by {})",
                                       separator_name(m_separator), separator_name(other));
                    break;
                }
            }
            m_diagnostics.error({m_file, row.line, 1},
                                fmt::format("this row has {} field{}, the header has {}{}", cells,
                                            cells == 1 ? "" : "s", m_columns.size(), hint));
            ++m_out.rejected;
            return;
        }
        // Every secret cell is hidden first, whatever follows: a row refused for its kind is
        // still quoted. A cell that spans lines hides the rest of its first line, its middle
        // lines and the start of its last.
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            const CsvCell& cell = row.cells[i];
            if (!m_columns[i].secret || cell.text.empty())
                continue;
            bool one_line = cell.end_line == cell.line;
            m_out.sensitive.push_back(
                {{m_file, cell.line, cell.column}, one_line ? cell.end_column : 0});
            for (int line = cell.line + 1; line <= cell.end_line; ++line)
                m_out.sensitive.push_back(
                    {{m_file, line, 1}, line == cell.end_line ? cell.end_column : 0});
        }
        InputRecord record;
        record.where = {m_file, row.line, 1};
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            if (!m_columns[i].is_kind)
                continue;
            std::optional<Kind> kind = row_kind(row.cells[i].text);
            if (!kind) {
                m_diagnostics.error({m_file, row.cells[i].line, row.cells[i].column},
                                    fmt::format("unknown kind '{}'; use MailAccount, "
                                                "SmtpConnection or OAuth2Client",
                                                row.cells[i].text));
                ++m_out.rejected;
                return;
            }
            record.kind = *kind;
        }
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            const Column& column = m_columns[i];
            auto attribute = column.attribute.find(record.kind);
            if (attribute == column.attribute.end())
                continue;
            const CsvCell& cell = row.cells[i];
            std::string text = trimmed(cell.text);
            if (text.empty())
                continue;
            record.values[attribute->second] = {
                std::move(text), {m_file, cell.line, cell.column}, column.said, cell.end_line};
        }
        m_out.records.push_back(std::move(record));
    }

    std::string_view m_text;
    const std::string& m_file;
    const FieldNames& m_names;
    Diagnostics& m_diagnostics;
    char m_separator = ',';
    bool m_kind_column = false;
    std::vector<Column> m_columns;
    InputRecords m_out;
};

} // namespace

InputRecords read_csv_records(std::string_view text, const std::string& file,
                              const FieldNames& names, Diagnostics& diagnostics) {
    return CsvReader(text, file, names, diagnostics).run();
}

} // namespace mailsync
