// CSV as spreadsheets write it (RFC 4180): quoted fields with "" for a quote, line breaks inside
// quotes, CRLF or LF, and a separator found from the header line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostics.hpp"

namespace mailsync {

struct CsvCell {
    std::string text;
    int line = 0;       // where the cell starts, counted from 1
    int column = 0;     // in bytes, counted from 1
    int end_line = 0;   // the line it ends on: later than `line` when a quoted cell spans lines
    int end_column = 0; // on end_line, the column after the cell, its quotes included
};

struct CsvRow {
    int line = 0;
    std::vector<CsvCell> cells;
};

struct CsvTable {
    char separator = ',';
    CsvRow header;
    std::vector<CsvRow> rows; // blank lines are left out
    // The line of a quote left open (0: none). Its row's cells are not known, so whoever quotes
    // that line must hide all of it: a secret may stand anywhere in it.
    int open_quote_line = 0;
};

// The separator of a header line: whichever of ';', ',' and tab occurs most outside quotes;
// ',' when none does.
char detect_separator(std::string_view header_line);

// Reads the whole text (a leading UTF-8 BOM is skipped). A quote left open is an error at the
// place it opens; the rows before it are returned.
CsvTable read_csv(std::string_view text, const std::string& file, Diagnostics& diagnostics);

} // namespace mailsync
