#include "support/readme_examples.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace mailsync::test {

namespace {

// Splits a command line as sh would, without expansions: '...' and "..." quote, a '#' at the
// start of a word begins a comment.
std::vector<std::string> split_words(const std::string& line, std::string& text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    std::size_t end = line.size();
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else
                word += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word)
                words.push_back(word);
            word.clear();
            in_word = false;
        } else if (c == '#' && !in_word) {
            end = i;
            break;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word)
        words.push_back(word);
    text = line.substr(0, end);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.pop_back();
    return words;
}

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The string literals right after `at` in C++ source, joined: "a " "b" → "a b".
std::string literals_after(const std::string& source, std::size_t at) {
    std::string joined;
    std::size_t i = at;
    while (true) {
        while (i < source.size() && std::isspace(static_cast<unsigned char>(source[i])))
            ++i;
        if (i >= source.size() || source[i] != '"')
            return joined;
        for (++i; i < source.size() && source[i] != '"'; ++i) {
            if (source[i] == '\\' && i + 1 < source.size())
                ++i;
            joined += source[i];
        }
        ++i;
    }
}

std::string stood_in(std::string text, const Placeholders& placeholders) {
    for (const auto& [placeholder, stand_in] : placeholders) {
        for (std::size_t at = text.find(placeholder); at != std::string::npos;
             at = text.find(placeholder, at + stand_in.size()))
            text.replace(at, placeholder.size(), stand_in);
    }
    return text;
}

} // namespace

std::vector<ReadmeCommand> readme_commands() {
    std::vector<ReadmeCommand> commands;
    std::istringstream lines(file_text(MAILSYNC_SOURCE_DIR "/README.md"));
    std::size_t number = 0;
    std::size_t block = 0;
    std::string kind; // of the block we are in; empty outside blocks
    for (std::string line; std::getline(lines, line);) {
        ++number;
        if (line.starts_with("```")) {
            if (kind.empty()) {
                kind = line.size() > 3 ? line.substr(3) : "plain";
            } else {
                kind.clear();
                ++block;
            }
            continue;
        }
        bool shell = kind == "sh" && (line.starts_with("mailsync ") || line.starts_with("export "));
        bool transcript = kind == "console" && line.starts_with("$ ");
        if (!shell && !transcript)
            continue;
        ReadmeCommand command;
        command.block = block;
        command.line = number;
        command.words = split_words(line, command.text);
        commands.push_back(std::move(command));
    }
    return commands;
}

std::vector<ReadmeCommand> readme_block_of(const std::string& marker) {
    std::vector<ReadmeCommand> all = readme_commands();
    for (const ReadmeCommand& command : all) {
        if (command.text != marker)
            continue;
        std::vector<ReadmeCommand> block;
        for (const ReadmeCommand& other : all) {
            if (other.block == command.block)
                block.push_back(other);
        }
        return block;
    }
    return {};
}

std::vector<std::string> arguments(const ReadmeCommand& command, const Placeholders& placeholders) {
    std::vector<std::string> args;
    for (std::size_t i = 1; i < command.words.size(); ++i)
        args.push_back(stood_in(command.words[i], placeholders));
    return args;
}

std::map<std::string, std::string> exported(const ReadmeCommand& command,
                                            const Placeholders& placeholders) {
    std::map<std::string, std::string> variables;
    for (std::size_t i = 1; i < command.words.size(); ++i) {
        const std::string& word = command.words[i];
        std::size_t equals = word.find('=');
        if (equals != std::string::npos)
            variables[word.substr(0, equals)] = stood_in(word.substr(equals + 1), placeholders);
    }
    return variables;
}

void run_readme_block(const std::string& marker, const Placeholders& placeholders,
                      RunOptions& options, const std::map<std::string, ReadmeCheck>& checks) {
    std::vector<ReadmeCommand> block = readme_block_of(marker);
    REQUIRE_FALSE(block.empty());
    std::size_t run = 0;
    for (const ReadmeCommand& command : block) {
        INFO("README.md:" << command.line << ": " << command.text);
        if (command.words.front() == "export") {
            for (const auto& [name, value] : exported(command, placeholders))
                options.env[name] = value;
            continue;
        }
        auto check = checks.find(command.text);
        if (check == checks.end())
            FAIL("a README command without a check");
        ProcessResult result = run_mailsync(arguments(command, placeholders), options);
        INFO(result.out << result.err);
        check->second(result);
        ++run;
    }
    CHECK(run == checks.size());
}

bool test_exists(const std::string& name) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(MAILSYNC_SOURCE_DIR "/tests")) {
        if (!entry.is_regular_file())
            continue;
        std::string file = entry.path().filename().string();
        bool source = entry.path().extension() == ".cpp";
        if (!source && file != "CMakeLists.txt")
            continue;
        std::string text = file_text(entry.path());
        const std::string opener = source ? "TEST_CASE(" : "add_test(NAME ";
        for (std::size_t at = text.find(opener); at != std::string::npos;
             at = text.find(opener, at + 1)) {
            if (literals_after(text, at + opener.size()) == name)
                return true;
        }
    }
    return false;
}

} // namespace mailsync::test
