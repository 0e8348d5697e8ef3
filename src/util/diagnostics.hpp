// Problems found in the user's input, each with a place in a file, and how they are printed.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/interned.hpp"

namespace mailsync {

// A file's path as places name it, kept once per process: a configuration of 100,000 resources
// has a dozen places per resource in a few hundred files, and each place holds a pointer.
using SourcePath = Interned;

// A place in a file; line and column count from 1, line 0 means the file as a whole.
struct Location {
    SourcePath file;
    int line = 0;
    int column = 0;
};

enum class Severity { error, warning };

struct Diagnostic {
    Severity severity = Severity::error;
    Location where;
    std::string message;
};

// A list that every pass appends to, so that all problems are reported, not only the first.
class Diagnostics {
public:
    void error(Location where, std::string message);
    void warning(Location where, std::string message);
    void append(const Diagnostics& other);

    bool has_errors() const { return m_errors > 0; }
    std::size_t error_count() const { return m_errors; }
    std::size_t warning_count() const { return m_warnings; }
    const std::vector<Diagnostic>& items() const { return m_items; }

    // Orders by the given file order, then line and column; keeps the order of equal places.
    void sort(const std::vector<std::string>& file_order);

private:
    std::vector<Diagnostic> m_items;
    std::size_t m_errors = 0;
    std::size_t m_warnings = 0;
};

// A line as quoted, and the column a caret goes under there: hidden text reads `(sensitive)`,
// and a column inside or after hidden text moves with it.
struct QuotedLine {
    std::string text;
    int column = 0;
};

// The text of every file read, kept to quote the line that a diagnostic points at.
class SourceFiles {
public:
    void add(const std::string& file, std::string text);
    // A file read from disk at `real`, its checked real path: release() may let its text go,
    // and quoting a line of it reads it again, only if its SHA-256 is still the same.
    void add_file(const std::string& file, std::string text, const std::string& real);
    // Lets go of the texts that can be read again: 100,000 resources are 40 MB of YAML, and
    // only the lines that a diagnostic points at are ever quoted.
    void release();
    // The lower-case hex SHA-256 of a file's text as it was read; empty when it was not.
    std::string sha256(const std::string& file) const;
    // The line without its end of line, or an empty view when the file or line is unknown.
    // Hidden text reads `(sensitive)`.
    std::string line(const std::string& file, int line) const;
    // The same, with `column` moved to where it stands in the quoted text.
    QuotedLine quote(const std::string& file, int line, int column) const;
    // The whole text of a file, or nullptr when it was not read (or was released).
    const std::string* text(const std::string& file) const;
    // Hides the text from `from` to `end_column` (the column after it) whenever the line is
    // quoted; to the end of the line when end_column is 0.
    void redact(const Location& from, int end_column = 0);

private:
    // Read again on demand once released, hence mutable.
    mutable std::map<std::string, std::string> m_texts;
    struct OnDisk {
        std::string real;
        std::string sha256;
    };
    std::map<std::string, OnDisk> m_on_disk;
    const std::string* text_for_quoting(const std::string& file) const;
    // (file, line) → the hidden spans: [column, end_column), end_column 0 for the line's end.
    std::map<std::pair<std::string, int>, std::vector<std::pair<int, int>>> m_redactions;
    std::string raw_line(const std::string& file, int line) const;
    // Offsets where each line starts, per file, made on first use: quoting the lines of many
    // diagnostics in one file stays linear.
    mutable std::map<std::string, std::vector<std::size_t>> m_line_starts;
};

// `file:line:col: error: message`, then the source line and a caret under the column.
std::string render_diagnostic(const Diagnostic& diagnostic, const SourceFiles& sources, bool color);

} // namespace mailsync
