// `mailsync import FILE --out DIR`: a Server export or an account list as YAML for review.
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/files.hpp"
#include "import/importer.hpp"

namespace mailsync::cli {

namespace {

struct ImportOptions {
    std::string input;
    std::string out;
    std::string mapping;
    SettingsFlags settings;
    std::string format = "auto";
    bool split = false;
    bool force = false;
    MigrationTarget migration;
};

void run_import(const ImportOptions& options, Context& context) {
    std::optional<MappingProfile> profile = load_mapping_or_report(options.mapping, context);
    if (!profile) {
        context.exit_code = 1;
        return;
    }
    ImportFormat format = options.format == "csv"    ? ImportFormat::csv
                          : options.format == "json" ? ImportFormat::json
                                                     : ImportFormat::automatic;
    ImportResult result = import_file(options.input, *profile, format, options.migration);
    print_diagnostics(result.diagnostics, result.sources, context);
    if (result.unreadable) {
        fmt::print(stderr, "Nothing imported from {}; no files written.\n", options.input);
        context.exit_code = 1;
        return;
    }
    if (result.resources.empty()) {
        if (result.read == 0) {
            fmt::print("{} holds nothing to import; no files written.\n", options.input);
        } else {
            fmt::print(stderr, "Nothing imported: all {} of {} have errors; no files written.\n",
                       result.read, options.input);
            context.exit_code = 1;
        }
        return;
    }

    std::map<std::string, std::string> files;
    auto header = file_header(
        options.out,
        fmt::format("# Imported by mailsync import from {} (mapping {}).\n# Review it before it "
                    "is applied. Secrets are ${{env:...}} references: see .env.example.\n",
                    std::filesystem::path(options.input).filename().string(), profile->name),
        files);
    files.merge(lay_out_files(result.resources, *profile, options.split, header,
                              "# The secrets of the imported configuration. mailsync never writes "
                              "a secret's value: fill\n# in each variable (CI secrets, a vault, "
                              "or an uncommitted .env file) before 'validate'.\n"));
    if (!write_new_files(options.out, files, options.force, "import")) {
        context.exit_code = 1;
        return;
    }

    std::size_t secrets = 0;
    for (const WrittenResource& resource : result.resources)
        secrets += resource.secrets.size();
    std::size_t yaml_files = 0;
    for (const auto& [path, text] : files)
        yaml_files += path.ends_with(".yaml") ? 1 : 0;
    fmt::print("Imported {} from {} into {} ({} file{}).\n", count_resources(result.resources),
               options.input, options.out, yaml_files, yaml_files == 1 ? "" : "s");
    if (secrets > 0)
        fmt::print("{} secret{} to fill in: see {}.\n", secrets, secrets == 1 ? "" : "s",
                   (std::filesystem::path(options.out) / ".env.example").string());
    if (result.skipped > 0) {
        std::fflush(stdout);
        fmt::print(stderr, "{} of {} not imported: see the errors above.\n", result.skipped,
                   result.read);
        context.exit_code = 2;
    }
    fmt::print("Next: review the files, then 'mailsync validate {}' and 'mailsync plan {}'.\n",
               options.out, options.out);
}

} // namespace

void add_import_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<ImportOptions>();
    CLI::App* command = app.add_subcommand(
        "import", "Turn a Server export (JSON) or an account list (CSV) into YAML files");
    command->add_option("FILE", options->input, "The Server export or the CSV file")->required();
    command->add_option("--out", options->out, "The folder to write into")->required();
    command
        ->add_option("--format", options->format,
                     "How to read FILE: auto (by its name, or JSON when it starts with '{'), "
                     "csv or json")
        ->check(CLI::IsMember({"auto", "csv", "json"}))
        ->capture_default_str();
    add_env_option(*command, options->settings);
    add_mapping_option(*command, options->settings);
    command->add_flag("--split", options->split,
                      "One file per resource (COLLECTION/NAME.yaml) instead of one per kind");
    command->add_flag("--force", options->force, "Overwrite files that exist");
    command->add_option("--destination-host", options->migration.host,
                        "Migration CSV: the destination IMAP server (implicit TLS)");
    command->add_option("--destination-port", options->migration.port, "Migration CSV: its port")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    command->add_option("--destination-domain", options->migration.domain,
                        "Migration CSV: the domain of a login_destination without '@'");
    command->add_option(
        "--destination-shared-password", options->migration.shared_password_variable,
        "Migration CSV: the variable holding a password that opens every destination mailbox "
        "(a \"magic password\"); otherwise each gets a variable");
    command->footer(
        "CSV: a header row naming the columns (name, protocol, host, port, encryption, username, "
        "password, description, timeout, oauth2_client, kind, from_address, provider, ...; the "
        "mapping's labels work too), separated by ',' or ';'.\nSecrets are written as "
        "${env:...} references with predictable names, listed in .env.example; their values "
        "are never written.\nMigration CSV (seed 004): login_source;pass_source;host_source;"
        "type_messagerie;login_destination;subscribed_only, one MailboxMigration per row.\nExit "
        "codes: 0 imported; 1 nothing written (unreadable input, files "
        "exist, every object has errors); 2 written, but some objects have errors and are left "
        "out.");
    command->callback([options, &context] {
        std::optional<RunSettings> settings =
            resolve_settings_or_report({}, options->settings, context);
        if (!settings)
            return;
        options->mapping = settings->mapping.value;
        run_import(*options, context);
    });
}

} // namespace mailsync::cli
