// `mailsync __complete WHAT ...`: what the shell completions of completions/ offer, read from the
// command line definitions themselves so that they never fall behind. Not a command of --help:
// run() hands these words over before parsing.
//   __complete commands [COMMAND]  "name<TAB>description" per command, or per subcommand of
//                                  COMMAND (state, migrate, oauth2)
//   __complete flags COMMAND [SUB] "--flag<TAB>description" per flag of the (sub)command
//   __complete values COMMAND FLAG the values a flag takes ({text,json} checks, mapping names)
//   __complete resources [PATH...] KIND/NAME of every resource declared (for --select)
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "config/mapping_file.hpp"

namespace mailsync::cli {

namespace {

struct CompleteOptions {
    std::vector<std::string> words;
};

std::string one_line(std::string text) {
    for (char& c : text) {
        if (c == '\n' || c == '\t')
            c = ' ';
    }
    return text;
}

const CLI::App* find_command(const CLI::App& app, const std::string& name) {
    for (const CLI::App* command : app.get_subcommands({})) {
        if (command->get_name() == name)
            return command;
    }
    return nullptr;
}

const CLI::Option* find_flag(const CLI::App& command, const std::string& flag) {
    for (const CLI::Option* option : command.get_options()) {
        for (const std::string& name : option->get_lnames()) {
            if ("--" + name == flag)
                return option;
        }
    }
    return nullptr;
}

void print_values(const CLI::Option& option, const std::string& flag) {
    if (flag == "--mapping") {
        for (const std::string& name : builtin_mapping_names())
            fmt::print("{}\n", name);
        return;
    }
    // An IsMember check shows in the type name: "TEXT:{text,json}".
    std::string type = option.get_type_name();
    std::size_t open = type.find('{');
    std::size_t close = type.find('}', open);
    if (open == std::string::npos || close == std::string::npos)
        return;
    std::string_view list(type.data() + open + 1, close - open - 1);
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        fmt::print("{}\n", list.substr(0, comma));
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
}

void run_complete(const CLI::App& app, const CompleteOptions& options) {
    const std::vector<std::string>& words = options.words;
    if (words.empty())
        return;
    const std::string& what = words[0];
    if (what == "commands") {
        const CLI::App* parent = words.size() >= 2 ? find_command(app, words[1]) : &app;
        if (parent == nullptr)
            return;
        for (const CLI::App* command : parent->get_subcommands({})) {
            if (!command->get_group().empty())
                fmt::print("{}\t{}\n", command->get_name(), one_line(command->get_description()));
        }
    } else if (what == "flags" && words.size() >= 2) {
        const CLI::App* command = find_command(app, words[1]);
        if (command != nullptr && words.size() >= 3)
            command = find_command(*command, words[2]);
        if (command == nullptr)
            return;
        for (const CLI::Option* option : command->get_options()) {
            for (const std::string& name : option->get_lnames())
                fmt::print("--{}\t{}\n", name, one_line(option->get_description()));
        }
        fmt::print("--no-color\tNever colour the output\n");
    } else if (what == "values" && words.size() >= 3) {
        const CLI::App* command = find_command(app, words[1]);
        const CLI::Option* option = command ? find_flag(*command, words[2]) : nullptr;
        if (option != nullptr)
            print_values(*option, words[2]);
    } else if (what == "resources") {
        std::vector<std::string> paths(words.begin() + 1, words.end());
        if (paths.empty())
            paths.push_back(".");
        LoadOptions load;
        load.resolve_secrets = false;
        LoadedConfig loaded = load_config(paths, load);
        auto print = [](Kind kind, const auto& resources) {
            for (const auto& resource : resources)
                fmt::print("{}/{}\n", kind_name(kind), resource.meta.name);
        };
        print(Kind::oauth2_client, loaded.config.clients);
        print(Kind::mail_account, loaded.config.accounts);
        print(Kind::smtp_connection, loaded.config.smtp_connections);
        print(Kind::mailbox_migration, loaded.config.migrations);
    }
}

} // namespace

void run_complete_words(const CLI::App& app, const std::vector<std::string>& words) {
    run_complete(app, CompleteOptions{words});
}

} // namespace mailsync::cli
