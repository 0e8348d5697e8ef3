// Seed 004's bulk migration CSV: one row per mailbox to copy, semicolon separated,
//   login_source;pass_source;host_source;type_messagerie;login_destination;subscribed_only
// → one MailboxMigration each. Passwords become ${env:...} references; values keep their case.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "import/csv.hpp"
#include "import/importer.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

// Hides a password cell whenever one of its lines is quoted, and nothing else of them.
void hide_cell(SourceFiles& sources, const std::string& file, const CsvCell& cell) {
    for (int line = cell.line; line <= cell.end_line; ++line)
        sources.redact({file, line, line == cell.line ? cell.column : 1},
                       line == cell.end_line ? cell.end_column : 0);
}

constexpr std::string_view columns[] = {"login_source",    "pass_source",       "host_source",
                                        "type_messagerie", "login_destination", "subscribed_only"};
const std::vector<std::string> types = {"gmail", "exchange", "office", "domino", "default"};

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trimmed(std::string_view text) {
    std::size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos)
        return {};
    std::size_t end = text.find_last_not_of(" \t");
    return std::string(text.substr(begin, end - begin + 1));
}

// A YAML scalar: JSON's double-quoted strings are YAML's too.
std::string scalar(const std::string& text) {
    return nlohmann::json(text).dump();
}

bool plausible_host(const std::string& host) {
    return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
               c == ':' || c == '[' || c == ']';
    });
}

// Every option the rows need and the command line lacks, said at once, so that one more run is
// enough: the destination server, and the domain of logins without '@'. Whether one is missing.
bool report_missing_options(const CsvTable& table, const std::map<std::string, std::size_t>& index,
                            const MigrationTarget& target, const Location& header_at,
                            ImportResult& result) {
    if (table.rows.empty())
        return false;
    std::vector<std::string> missing;
    if (target.host.empty())
        missing.push_back("--destination-host HOST: the destination IMAP server is not in the CSV");
    auto destination = index.find("login_destination");
    if (target.domain.empty() && destination != index.end()) {
        std::size_t without_domain = 0;
        const CsvCell* first = nullptr;
        for (const CsvRow& row : table.rows) {
            if (destination->second >= row.cells.size())
                continue;
            const CsvCell& cell = row.cells[destination->second];
            std::string login = trimmed(cell.text);
            if (!login.empty() && login.find('@') == std::string::npos) {
                ++without_domain;
                first = first == nullptr ? &cell : first;
            }
        }
        if (without_domain > 0)
            missing.push_back(fmt::format(
                "--destination-domain DOMAIN: {} login_destination{} no '@' (the first, '{}', at "
                "{}:{}:{})",
                without_domain, without_domain == 1 ? " has" : "s have", trimmed(first->text),
                header_at.file, first->line, first->column));
    }
    for (const std::string& option : missing)
        result.diagnostics.error(header_at, "missing option " + option);
    if (missing.empty())
        return false;
    return true;
}

} // namespace

bool is_migration_csv(std::string_view text) {
    std::string_view first = text.substr(0, text.find('\n'));
    return lower(first).find("login_source") != std::string::npos;
}

void import_migration_csv(std::string_view text, const std::string& file,
                          const MigrationTarget& target, ImportResult& result) {
    result.sources.add(file, std::string(text));
    CsvTable table = read_csv(text, file, result.diagnostics);
    if (table.open_quote_line > 0)
        result.sources.redact({file, table.open_quote_line, 1}, 0);
    Location header_at{file, table.header.line, 1};
    // A quote left open cut the file short: the row it opens is one read and left out.
    if (table.open_quote_line > 0) {
        ++result.read;
        ++result.skipped;
    }
    std::map<std::string, std::size_t> index;
    std::size_t unknown = std::count_if(
        table.header.cells.begin(), table.header.cells.end(), [](const CsvCell& cell) {
            std::string name = lower(trimmed(cell.text));
            return std::find(std::begin(columns), std::end(columns), name) == std::end(columns);
        });
    // A first line that names mostly no column is a row of data (a password among it), not a
    // header: hidden, and no cell quoted.
    if (unknown >= 2 && unknown * 2 > table.header.cells.size()) {
        result.sources.redact(header_at, 0);
        result.diagnostics.error(
            header_at, fmt::format("the first line is not a header: {} of its {} cells name no "
                                   "column of a migration CSV (it looks like a row of "
                                   "mailboxes); seed 004's header is login_source;pass_source;"
                                   "host_source;type_messagerie;login_destination;subscribed_only",
                                   unknown, table.header.cells.size()));
        result.unreadable = true;
        return;
    }
    for (std::size_t i = 0; i < table.header.cells.size(); ++i) {
        const CsvCell& cell = table.header.cells[i];
        std::string name = lower(trimmed(cell.text));
        if (std::find(std::begin(columns), std::end(columns), name) == std::end(columns)) {
            std::vector<std::string> known(std::begin(columns), std::end(columns));
            result.diagnostics.error({file, cell.line, cell.column},
                                     fmt::format("unknown column '{}' in a migration CSV{}",
                                                 cell.text, did_you_mean(name, known)));
            result.unreadable = true;
        } else if (!index.emplace(name, i).second) {
            result.diagnostics.error({file, cell.line, cell.column},
                                     fmt::format("column '{}' appears twice", name));
            result.unreadable = true;
        }
    }
    for (std::string_view column : {"login_source", "pass_source", "login_destination"}) {
        if (!index.contains(std::string(column))) {
            result.diagnostics.error(
                header_at, fmt::format("missing column '{}' (seed 004's columns: {})", column,
                                       "login_source;pass_source;host_source;type_messagerie;"
                                       "login_destination;subscribed_only"));
            result.unreadable = true;
        }
    }
    if (table.separator != ';')
        result.diagnostics.warning(
            header_at,
            fmt::format("the migration CSV is separated by '{}', not ';'",
                        table.separator == '\t' ? "tab" : std::string(1, table.separator)));
    bool options_missing = report_missing_options(table, index, target, header_at, result);
    // Passwords are never quoted in messages.
    if (auto password = index.find("pass_source"); password != index.end())
        for (const CsvRow& row : table.rows)
            if (password->second < row.cells.size())
                hide_cell(result.sources, file, row.cells[password->second]);
    if (result.unreadable)
        return;

    SecretNames names;
    std::map<std::string, int> used_names;
    std::map<std::string, int> pairs; // source → destination seen, by row
    for (const CsvRow& row : table.rows) {
        ++result.read;
        auto cell = [&](std::string_view column) -> const CsvCell* {
            auto found = index.find(std::string(column));
            if (found == index.end() || found->second >= row.cells.size())
                return nullptr;
            return &row.cells[found->second];
        };
        auto value = [&](std::string_view column) {
            const CsvCell* c = cell(column);
            return c != nullptr ? trimmed(c->text) : std::string();
        };
        auto at = [&](std::string_view column) {
            const CsvCell* c = cell(column);
            return c != nullptr ? Location{file, c->line, c->column} : Location{file, row.line, 1};
        };
        bool ok = true;
        auto error = [&](std::string_view column, std::string message) {
            result.diagnostics.error(at(column), std::move(message));
            ok = false;
        };
        if (row.cells.size() != table.header.cells.size()) {
            error("", fmt::format("this row has {} field{}, the header has {}", row.cells.size(),
                                  row.cells.size() == 1 ? "" : "s", table.header.cells.size()));
            ++result.skipped;
            continue;
        }
        // Every problem of the row is said, not only the first.
        std::string login = value("login_source");
        std::string host = value("host_source");
        std::string type = value("type_messagerie");
        std::string destination = value("login_destination");
        std::string subscribed = value("subscribed_only");
        if (login.empty())
            error("login_source", "login_source is empty");
        if (type.empty())
            type = "default";
        bool known_type = std::find(types.begin(), types.end(), type) != types.end();
        if (!known_type)
            error("type_messagerie",
                  fmt::format("unknown type_messagerie '{}': it is one of {}{}", type,
                              join_words(types), did_you_mean(type, types)));
        ServerDefaults defaults = server_defaults(type, "imap");
        if (known_type && host.empty() && defaults.host.empty())
            error("host_source", fmt::format("host_source is empty and type {} has no known "
                                             "server; give the source's IMAP host",
                                             type));
        if (!host.empty() && !plausible_host(host))
            error("host_source", fmt::format("host_source '{}' is not a host name", host));
        if (destination.empty())
            error("login_destination", "login_destination is empty");
        else if (destination.find('@') == std::string::npos && !target.domain.empty())
            destination += "@" + target.domain; // without one, report_missing_options said so
        bool subscribed_only = false;
        if (!subscribed.empty()) {
            if (subscribed == "True" || subscribed == "true" || subscribed == "TRUE")
                subscribed_only = true;
            else if (subscribed != "False" && subscribed != "false" && subscribed != "FALSE")
                error("subscribed_only",
                      fmt::format("subscribed_only is True or False, not '{}'", subscribed));
        }
        std::string pair = lower(login) + " " + lower(host) + " → " + lower(destination);
        if (ok) {
            auto [it, fresh] = pairs.emplace(pair, row.line);
            if (!fresh)
                error("login_source", fmt::format("{} → {} is already migrated by the row at "
                                                  "{}:{}",
                                                  login, destination, file, it->second));
        }
        if (!ok) {
            ++result.skipped;
            continue;
        }

        std::string name = safe_name(login);
        if (int n = ++used_names[lower(name)]; n > 1)
            name = fmt::format("{}-{}", name, n);
        WrittenResource resource;
        resource.kind = Kind::mailbox_migration;
        resource.name = name;
        std::string source_password = names.reference(
            Kind::mailbox_migration, name, "sourcePassword",
            SecretVariable{"", "sourcePassword",
                           fmt::format("MailboxMigration {}: the password of {}", name, login),
                           !value("pass_source").empty(),
                           value("pass_source").empty() ? "empty in the CSV"
                                                        : "in the CSV's pass_source, not copied"},
            resource.secrets);
        std::string destination_auth;
        if (!target.shared_password_variable.empty()) {
            destination_auth = fmt::format("admin: {{ password: \"${{env:{}}}\" }}",
                                           target.shared_password_variable);
        } else {
            destination_auth = fmt::format(
                "password: \"{}\"",
                names.reference(Kind::mailbox_migration, name, "destinationPassword",
                                SecretVariable{"", "destinationPassword",
                                               fmt::format("MailboxMigration {}: the password "
                                                           "of {}",
                                                           name, destination),
                                               false, "not in the CSV"},
                                resource.secrets));
        }
        std::string yaml = fmt::format("apiVersion: mailsync/v1\nkind: MailboxMigration\n"
                                       "metadata:\n  name: {}\nspec:\n  source:\n    type: {}\n",
                                       scalar(name), type);
        if (!host.empty())
            yaml += fmt::format("    host: {}\n", scalar(host));
        yaml += fmt::format("    username: {}\n    auth:\n      password: \"{}\"\n", scalar(login),
                            source_password);
        yaml += fmt::format("  destination:\n    host: {}\n", scalar(target.host));
        if (target.port != 993)
            yaml += fmt::format("    port: {}\n", target.port);
        yaml += fmt::format("    username: {}\n    auth:\n      {}\n", scalar(destination),
                            destination_auth);
        yaml += fmt::format("  subscribedOnly: {}\n", subscribed_only ? "true" : "false");
        if (type == "gmail")
            yaml += "  # type gmail: Gmail's views of the other folders, [Gmail]/All Mail, "
                    "Important and\n  # Starred, are left out; folders.include copies those it "
                    "names.\n";
        resource.yaml = std::move(yaml);
        result.resources.push_back(std::move(resource));
    }
    if (table.rows.empty())
        result.read = 0;
    // The rows were checked all the same, so that their errors come in the same run.
    if (options_missing) {
        result.resources.clear();
        result.unreadable = true;
    }
}

} // namespace mailsync
