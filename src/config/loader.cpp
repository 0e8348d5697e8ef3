#include "config/loader.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "config/checks.hpp"
#include "config/decode.hpp"
#include "config/schema.hpp"
#include "config/source_file.hpp"
#include "config/yaml_tree.hpp"
#include "util/memory.hpp"

namespace mailsync {

namespace {

// What one file yields on its own, before resources are checked against each other.
struct FileResult {
    std::string real; // the path opened; empty for a text given in memory
    std::string text;
    Config config;
    std::vector<DocumentRead> documents;
    Diagnostics diagnostics;
};

// The kind a document names, read without judging the rest of it.
std::optional<Kind> named_kind(const yaml::Node& root) {
    const yaml::Node* kind = root.find("kind");
    return kind != nullptr && kind->is_scalar() ? parse_kind(kind->value) : std::nullopt;
}

// The kind a document that a syntax error broke names on a `kind:` line of its own, read from
// the text around line `line`: back to the `---` before it and on to the one after.
std::optional<Kind> kind_written_near(std::string_view text, int line) {
    std::vector<std::string_view> lines;
    for (std::size_t at = 0; at <= text.size();) {
        std::size_t end = text.find('\n', at);
        lines.push_back(text.substr(at, end == std::string_view::npos ? end : end - at));
        if (end == std::string_view::npos)
            break;
        at = end + 1;
    }
    auto marker = [&](std::size_t i) { return lines[i].starts_with("---"); };
    std::size_t first =
        std::min<std::size_t>(static_cast<std::size_t>(std::max(line, 1)) - 1, lines.size() - 1);
    if (first > 0 && marker(first))
        --first; // an error found at the `---` that ends its document
    while (first > 0 && !marker(first))
        --first;
    for (std::size_t i = first; i < lines.size() && (i == first || !marker(i)); ++i) {
        std::string_view candidate = lines[i];
        if (!candidate.starts_with("kind:"))
            continue;
        candidate.remove_prefix(5);
        std::string value(candidate);
        value.erase(0, value.find_first_not_of(" \t\"'"));
        value.erase(value.find_last_not_of(" \t\r\"'") + 1);
        return parse_kind(value);
    }
    return std::nullopt;
}

void load_text(const std::string& file, std::optional<std::string> text, SchemaValidator& schema,
               const VariableScope& variables, FileResult& result) {
    if (!text)
        return;
    yaml::ParsedText parsed = yaml::parse_text(*text, file, result.diagnostics);
    std::vector<yaml::Document>& documents = parsed.documents;
    if (documents.empty() && !result.diagnostics.has_errors()) {
        bool blank = text->find_first_not_of(" \t\r\n") == std::string::npos;
        result.diagnostics.error({file, 0, 0},
                                 blank ? "file is empty" : "file holds no YAML documents");
    }
    for (yaml::Document& document : documents) {
        if (document.root.is_null())
            continue; // an empty document, as after a trailing `---`
        result.documents.push_back({0, document.start.line, named_kind(document.root)});
        // A variable that is not there leaves a hole: the schema's complaint would add nothing.
        std::size_t errors_before = result.diagnostics.error_count();
        substitute_variables(document.root, file, variables, result.diagnostics);
        if (result.diagnostics.error_count() > errors_before)
            continue;
        decode_document(document, file, schema, result.config, result.diagnostics);
    }
    for (const yaml::Mark& broken : parsed.broken)
        result.documents.push_back({0, broken.line, kind_written_near(*text, broken.line)});
    result.text = std::move(*text);
}

// `real` is the file's checked real path (collect_yaml_files), the one opened.
FileResult load_file(const std::string& file, const std::string& real, SchemaValidator& schema,
                     const VariableScope& variables) {
    FileResult result;
    result.real = real;
    load_text(file, read_confined_source(file, real, result.diagnostics), schema, variables,
              result);
    return result;
}

// Where secrets are written in clear, so that quoting those lines never shows them.
std::vector<Location> literal_secrets(const Config& config) {
    std::vector<Location> out;
    for_each_secret(config, [&](const Secret& secret, Kind, const std::string&) {
        if (secret.source == Secret::Source::literal)
            out.push_back(secret.where);
    });
    return out;
}

// Moves a file's resources over and frees what they took, so that the merged configuration is
// never held twice.
template <typename T> void move_append(std::vector<T>& into, std::vector<T>& from) {
    into.insert(into.end(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
    std::vector<T>().swap(from);
}

// Room for every file's resources at once: growing by doubling would hold them one and a half
// times over.
void reserve_merged(LoadedConfig& loaded, const std::vector<FileResult>& results) {
    std::size_t clients = 0, accounts = 0, smtp = 0, migrations = 0, documents = 0;
    for (const FileResult& result : results) {
        clients += result.config.clients.size();
        accounts += result.config.accounts.size();
        smtp += result.config.smtp_connections.size();
        migrations += result.config.migrations.size();
        documents += result.documents.size();
    }
    loaded.config.clients.reserve(clients);
    loaded.config.accounts.reserve(accounts);
    loaded.config.smtp_connections.reserve(smtp);
    loaded.config.migrations.reserve(migrations);
    loaded.documents.reserve(documents);
}

// Files are independent until they are merged, so two threads share them out.
std::vector<FileResult> load_files(const std::vector<std::string>& files,
                                   const std::map<std::string, std::string>& real_paths,
                                   const VariableScope& variables) {
    std::vector<FileResult> results(files.size());
    unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    if (files.size() < 8)
        workers = 1;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        SchemaValidator schema;
        for (std::size_t i = next++; i < files.size(); i = next++)
            results[i] = load_file(files[i], real_paths.at(files[i]), schema, variables);
    };
    std::vector<std::jthread> threads;
    for (unsigned i = 1; i < workers; ++i)
        threads.emplace_back(work);
    work();
    return results;
}

// Every TLS setting of the configuration, with the resource it belongs to.
void for_each_tls(Config& config,
                  const std::function<void(TlsSettings&, Kind, const std::string&)>& visit) {
    for (OAuth2Client& client : config.clients)
        visit(client.tls, Kind::oauth2_client, client.meta.name);
    for (MailAccount& account : config.accounts)
        visit(account.tls, Kind::mail_account, account.meta.name);
    for (SmtpConnection& smtp : config.smtp_connections)
        visit(smtp.tls, Kind::smtp_connection, smtp.meta.name);
    for (MailboxMigration& migration : config.migrations) {
        visit(migration.source.tls, Kind::mailbox_migration, migration.meta.name);
        visit(migration.destination.tls, Kind::mailbox_migration, migration.meta.name);
    }
}

// CA files are read below the configuration root only, like secret files; verification turned
// off is said wherever the configuration is checked.
void check_tls_files(Config& config, const FileAccess& access, Diagnostics& diagnostics) {
    for_each_tls(config, [&](TlsSettings& tls, Kind kind, const std::string& name) {
        if (!tls.verify)
            diagnostics.warning(tls.verify_where,
                                fmt::format("{} '{}': tls.verify is false: certificates are not "
                                            "checked, so anyone on the path can read the "
                                            "credentials sent",
                                            kind_name(kind), name));
        if (tls.ca_file_written.empty())
            return;
        Result<std::string> path =
            resolve_config_path(access, tls.ca_file_where.file, tls.ca_file_written);
        if (path)
            tls.ca_file = *path;
        else
            diagnostics.error(
                tls.ca_file_where,
                fmt::format("{} '{}': tls.caFile {}", kind_name(kind), name, path.error().message));
    });
}

// Passes 3 to 5, once every file is read.
void check_loaded(LoadedConfig& loaded, std::vector<FileResult>& results,
                  const LoadOptions& options) {
    reserve_merged(loaded, results);
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].real.empty())
            loaded.sources.add(loaded.files[i], std::move(results[i].text));
        else
            loaded.sources.add_file(loaded.files[i], std::move(results[i].text), results[i].real);
        for (const Location& literal : literal_secrets(results[i].config))
            loaded.sources.redact(literal);
        loaded.diagnostics.append(results[i].diagnostics);
        for (DocumentRead& document : results[i].documents)
            document.file = i;
        move_append(loaded.documents, results[i].documents);
        move_append(loaded.config.clients, results[i].config.clients);
        move_append(loaded.config.accounts, results[i].config.accounts);
        move_append(loaded.config.smtp_connections, results[i].config.smtp_connections);
        move_append(loaded.config.migrations, results[i].config.migrations);
    }

    loaded.config.index_clients();

    // Pass 3: the resources against each other: names, references, grants, plaintext logins;
    // the CA files they name, below the configuration root.
    check_config(loaded.config, loaded.diagnostics);
    if (options.allowed_paths)
        loaded.access.allowed = *options.allowed_paths;
    else if (std::optional<std::string> listed =
                 options.env ? options.env(allowed_paths_variable) : std::nullopt) {
        Result<std::vector<std::string>> allowed = parse_allowed_paths(*listed);
        if (allowed)
            loaded.access.allowed = std::move(*allowed);
        else
            loaded.diagnostics.error({allowed_paths_variable, 0, 0}, allowed.error().message);
    }
    check_tls_files(loaded.config, loaded.access, loaded.diagnostics);

    // Pass 4: every resource renders through the mapping profile into the target's fields.
    if (options.mapping != nullptr)
        cloud_view(loaded.config, *options.mapping, loaded.diagnostics, [](CloudObject&&) {});

    // Pass 5: secrets, last, so that a missing variable does not hide a broken file.
    if (options.resolve_secrets)
        resolve_secrets(loaded.config, options.env, loaded.access, loaded.diagnostics);

    loaded.diagnostics.sort(loaded.files);
}

} // namespace

LoadedConfig load_config(const std::vector<std::string>& paths, const LoadOptions& options) {
    LoadedConfig loaded;

    // Pass 1: the files named, folders expanded and sorted.
    std::map<std::string, std::string> real_paths;
    loaded.files = collect_yaml_files(paths, loaded.diagnostics, &loaded.access.roots, &real_paths);

    // Pass 2: each file parsed, its documents checked against the schema and decoded.
    std::vector<FileResult> results = load_files(loaded.files, real_paths, options.variables);
    check_loaded(loaded, results, options);
    results.clear();
    loaded.sources.release();
    // The reading threads parsed every file in arenas of their own, free now.
    release_free_memory();
    return loaded;
}

LoadedConfig load_config_text(const std::string& file, std::string text,
                              const LoadOptions& options) {
    LoadedConfig loaded;
    loaded.files = {file};
    std::vector<FileResult> results(1);
    // Compiling the schema costs more than checking a file; a caller of many texts keeps it.
    thread_local SchemaValidator schema;
    load_text(file, accept_source_text(file, std::move(text), results[0].diagnostics), schema,
              options.variables, results[0]);
    check_loaded(loaded, results, options);
    return loaded;
}

} // namespace mailsync
