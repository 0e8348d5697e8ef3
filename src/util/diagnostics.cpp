#include "util/diagnostics.hpp"

#include <algorithm>

#include "util/confined_file.hpp"
#include "util/crypto.hpp"

#include <fmt/format.h>

namespace mailsync {

namespace {

// A file read again to quote it was read once within the configuration's own limit.
constexpr std::size_t reread_limit = std::size_t{64} << 20;

} // namespace

void Diagnostics::error(Location where, std::string message) {
    m_items.push_back({Severity::error, where, std::move(message)});
    ++m_errors;
}

void Diagnostics::warning(Location where, std::string message) {
    m_items.push_back({Severity::warning, where, std::move(message)});
    ++m_warnings;
}

void Diagnostics::append(const Diagnostics& other) {
    m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
    m_errors += other.m_errors;
    m_warnings += other.m_warnings;
}

void Diagnostics::sort(const std::vector<std::string>& file_order) {
    auto rank = [&](const std::string& file) {
        auto found = std::find(file_order.begin(), file_order.end(), file);
        return found == file_order.end() ? -1L : static_cast<long>(found - file_order.begin());
    };
    std::stable_sort(m_items.begin(), m_items.end(), [&](const Diagnostic& a, const Diagnostic& b) {
        long ra = rank(a.where.file);
        long rb = rank(b.where.file);
        if (ra != rb)
            return ra < rb;
        if (a.where.line != b.where.line)
            return a.where.line < b.where.line;
        return a.where.column < b.where.column;
    });
}

void SourceFiles::add(const std::string& file, std::string text) {
    m_on_disk.erase(file);
    m_texts.insert_or_assign(file, std::move(text));
    m_line_starts.erase(file);
}

void SourceFiles::add_file(const std::string& file, std::string text, const std::string& real) {
    std::string digest = sha256_hex(text);
    add(file, std::move(text));
    m_on_disk[file] = {real, std::move(digest)};
}

void SourceFiles::release() {
    for (const auto& [file, on_disk] : m_on_disk)
        m_texts.erase(file);
}

std::string SourceFiles::sha256(const std::string& file) const {
    if (auto found = m_on_disk.find(file); found != m_on_disk.end())
        return found->second.sha256;
    auto found = m_texts.find(file);
    return found == m_texts.end() ? std::string() : sha256_hex(found->second);
}

const std::string* SourceFiles::text_for_quoting(const std::string& file) const {
    if (auto found = m_texts.find(file); found != m_texts.end())
        return &found->second;
    auto on_disk = m_on_disk.find(file);
    if (on_disk == m_on_disk.end())
        return nullptr;
    // The same text or none: a file changed since it was read is not quoted, so that a line
    // that holds a secret now is never shown.
    // The text was kept without a UTF-8 byte order mark. A file that cannot be quoted is
    // remembered as empty, so that many diagnostics in it do not read it again each.
    Result<std::string> text = read_regular_file(on_disk->second.real, reread_limit);
    if (text && text->starts_with("\xEF\xBB\xBF"))
        text->erase(0, 3);
    if (!text || sha256_hex(*text) != on_disk->second.sha256)
        return &m_texts.emplace(file, std::string()).first->second;
    return &m_texts.emplace(file, std::move(*text)).first->second;
}

const std::string* SourceFiles::text(const std::string& file) const {
    auto found = m_texts.find(file);
    return found == m_texts.end() ? nullptr : &found->second;
}

void SourceFiles::redact(const Location& from, int end_column) {
    m_redactions[std::make_pair(from.file.str(), from.line)].emplace_back(from.column, end_column);
}

std::string SourceFiles::raw_line(const std::string& file, int line) const {
    const std::string* found = line < 1 ? nullptr : text_for_quoting(file);
    if (found == nullptr)
        return {};
    std::string_view text = *found;
    std::vector<std::size_t>& starts = m_line_starts[file];
    if (starts.empty()) {
        starts.push_back(0);
        for (std::size_t at = text.find('\n'); at != std::string_view::npos;
             at = text.find('\n', at + 1))
            starts.push_back(at + 1);
    }
    if (static_cast<std::size_t>(line) > starts.size())
        return {};
    text.remove_prefix(starts[static_cast<std::size_t>(line) - 1]);
    std::string result(text.substr(0, text.find('\n')));
    if (!result.empty() && result.back() == '\r')
        result.pop_back();
    return result;
}

std::string SourceFiles::line(const std::string& file, int line) const {
    return quote(file, line, 0).text;
}

QuotedLine SourceFiles::quote(const std::string& file, int line, int column) const {
    QuotedLine out{raw_line(file, line), column};
    auto found = m_redactions.find(std::make_pair(file, line));
    if (found == m_redactions.end())
        return out;
    // The spans in bytes from 0, [begin, end), within the line, sorted and merged.
    std::string raw;
    raw.swap(out.text);
    auto byte = [&raw](int column) {
        return std::min(static_cast<std::size_t>(std::max(1, column) - 1), raw.size());
    };
    // A span to the line's end takes every column after it, the line's end included.
    constexpr std::size_t line_end = std::string::npos;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (auto [from, to] : found->second)
        spans.emplace_back(byte(from), to <= 0 ? line_end : std::max(byte(from), byte(to)));
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<std::size_t, std::size_t>> merged;
    for (auto span : spans) {
        if (!merged.empty() && span.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, span.second);
        else
            merged.push_back(span);
    }
    const std::string hidden = "(sensitive)";
    std::size_t caret = column > 0 ? static_cast<std::size_t>(column - 1) : 0;
    std::size_t at = 0;
    bool placed = column <= 0;
    for (auto [begin, end] : merged) {
        if (!placed && caret < begin) {
            out.column = static_cast<int>(out.text.size() + (caret - at)) + 1;
            placed = true;
        }
        out.text += raw.substr(at, begin - at);
        if (!placed && caret < std::max(end, begin + 1)) {
            out.column = static_cast<int>(out.text.size()) + 1; // the hidden text's start
            placed = true;
        }
        out.text += hidden;
        at = std::min(end, raw.size());
    }
    if (!placed)
        out.column = static_cast<int>(out.text.size() + (caret - at)) + 1;
    out.text += raw.substr(at);
    return out;
}

std::string render_diagnostic(const Diagnostic& diagnostic, const SourceFiles& sources,
                              bool color) {
    const Location& where = diagnostic.where;
    std::string place;
    if (!where.file.empty()) {
        place = where.line > 0 ? fmt::format("{}:{}:{}: ", where.file, where.line, where.column)
                               : fmt::format("{}: ", where.file);
    }
    bool is_error = diagnostic.severity == Severity::error;
    std::string label = is_error ? "error:" : "warning:";
    if (color)
        label = fmt::format("\x1b[1;{}m{}\x1b[0m", is_error ? 31 : 35, label);
    std::string out = fmt::format("{}{} {}\n", place, label, diagnostic.message);

    QuotedLine quoted = sources.quote(where.file, where.line, where.column);
    const std::string& line = quoted.text;
    if (line.empty() || line.size() > 500)
        return out;
    out += fmt::format("{}\n", line);
    // Keep tabs so that the caret lines up with the quoted line.
    std::string caret;
    for (int i = 1; i < quoted.column && static_cast<std::size_t>(i - 1) < line.size(); ++i)
        caret += line[i - 1] == '\t' ? '\t' : ' ';
    out += fmt::format("{}{}\n", caret, color ? "\x1b[1;32m^\x1b[0m" : "^");
    return out;
}

} // namespace mailsync
