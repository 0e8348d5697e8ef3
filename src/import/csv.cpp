#include "import/csv.hpp"

#include <array>

namespace mailsync {

char detect_separator(std::string_view header_line) {
    std::array<std::size_t, 3> counts{};
    constexpr std::array<char, 3> candidates{';', ',', '\t'};
    bool quoted = false;
    for (char c : header_line) {
        if (c == '"')
            quoted = !quoted;
        else if (!quoted) {
            for (std::size_t i = 0; i < candidates.size(); ++i)
                counts[i] += c == candidates[i] ? 1 : 0;
        }
    }
    std::size_t best = 1; // ','
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (counts[i] > counts[best])
            best = i;
    }
    return candidates[best];
}

CsvTable read_csv(std::string_view text, const std::string& file, Diagnostics& diagnostics) {
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);
    CsvTable table;
    std::size_t header_end = 0;
    for (bool quoted = false; header_end < text.size(); ++header_end) {
        char c = text[header_end];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
    }
    table.separator = detect_separator(text.substr(0, header_end));
    const char separator = table.separator;

    std::size_t i = 0;
    int line = 1;
    std::size_t line_start = 0;
    auto column = [&](std::size_t at) { return static_cast<int>(at - line_start) + 1; };
    auto end_of_line = [&](std::size_t& at) {
        // at points at '\r' or '\n'; moves past one line break
        if (text[at] == '\r' && at + 1 < text.size() && text[at + 1] == '\n')
            ++at;
        ++at;
        ++line;
        line_start = at;
    };
    bool first = true;
    while (i < text.size()) {
        CsvRow row;
        row.line = line;
        bool row_done = false;
        while (!row_done) {
            CsvCell cell;
            cell.line = line;
            cell.column = column(i);
            if (i < text.size() && text[i] == '"') {
                ++i;
                bool closed = false;
                while (i < text.size()) {
                    char c = text[i];
                    if (c == '"') {
                        if (i + 1 < text.size() && text[i + 1] == '"') {
                            cell.text += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\r' || c == '\n') {
                        std::size_t at = i;
                        end_of_line(at);
                        cell.text += '\n';
                        i = at;
                        continue;
                    }
                    cell.text += c;
                    ++i;
                }
                if (!closed) {
                    table.open_quote_line = cell.line;
                    diagnostics.error({file, cell.line, cell.column},
                                      "this quote is not closed: a quoted field runs to the end "
                                      "of the file");
                    return table;
                }
            }
            // Unquoted text, or what follows a closing quote, up to the separator.
            while (i < text.size() && text[i] != separator && text[i] != '\r' && text[i] != '\n')
                cell.text += text[i++];
            cell.end_line = line;
            cell.end_column = column(i);
            row.cells.push_back(std::move(cell));
            if (i < text.size() && text[i] == separator) {
                ++i;
                continue;
            }
            if (i < text.size())
                end_of_line(i);
            row_done = true;
        }
        bool blank = row.cells.size() == 1 && row.cells.front().text.empty();
        if (blank)
            continue;
        if (first) {
            table.header = std::move(row);
            first = false;
        } else {
            table.rows.push_back(std::move(row));
        }
    }
    return table;
}

} // namespace mailsync
