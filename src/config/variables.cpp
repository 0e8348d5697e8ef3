#include "config/variables.hpp"

#include <array>
#include <regex>

#include <fmt/format.h>

#include "util/text.hpp"

namespace mailsync {

namespace {

constexpr std::string_view opening = "${var:";

// The fields that hold secrets: written ${env:NAME} or ${file:PATH}, never a variable.
bool is_secret_key(const std::string& key) {
    static constexpr std::array<std::string_view, 3> keys{"password", "refreshToken",
                                                          "clientSecret"};
    for (std::string_view secret : keys) {
        if (key == secret)
            return true;
    }
    return false;
}

bool is_variable_name(const std::string& name) {
    static const std::regex pattern("[A-Za-z_][A-Za-z0-9_]*");
    return std::regex_match(name, pattern);
}

class Substitution {
public:
    Substitution(const std::string& file, const VariableScope& scope, Diagnostics& diagnostics)
        : m_file(file), m_scope(scope), m_diagnostics(diagnostics) {}

    void walk(yaml::Node& node) {
        if (node.is_scalar()) {
            if (node.value.find(opening) != std::string::npos && !is_secret_key(node.key))
                scalar(node);
            return;
        }
        for (yaml::Node& child : node.children)
            walk(child);
    }

private:
    // Where the reference at `offset` stands: exact in a plain scalar on one line.
    Location at(const yaml::Node& node, std::size_t offset) const {
        bool exact = !node.quoted && node.value.rfind('\n', offset) == std::string::npos;
        int column = node.mark.column + (exact ? static_cast<int>(offset) : 0);
        return {m_file, node.mark.line, column};
    }

    // The variable's value, or nullptr after reporting why there is none.
    const SettingsVariable* lookup(const std::string& name, const Location& where) {
        std::string reference = fmt::format("${{var:{}}}", name);
        if (!is_variable_name(name)) {
            m_diagnostics.error(where, fmt::format("{}: '{}' is not a variable name (letters, "
                                                   "digits and _, not starting with a digit)",
                                                   reference, name));
            return nullptr;
        }
        if (m_scope.variables == nullptr) {
            m_diagnostics.error(
                where, fmt::format("{} needs an environment, and none is chosen: variables come "
                                   "from the environments of mailsync.yaml at the configuration "
                                   "root; choose one with --env or MAILSYNC_ENV, or set its "
                                   "defaultEnvironment",
                                   reference));
            return nullptr;
        }
        auto found = m_scope.variables->find(name);
        if (found != m_scope.variables->end())
            return &found->second;
        std::vector<std::string> names;
        for (const auto& [known, value] : *m_scope.variables)
            names.push_back(known);
        m_diagnostics.error(where, fmt::format("{} is not defined in environment '{}' of {}{}",
                                               reference, m_scope.environment,
                                               m_scope.settings_file, did_you_mean(name, names)));
        return nullptr;
    }

    void scalar(yaml::Node& node) {
        std::string out;
        std::size_t position = 0;
        bool whole = false;
        const SettingsVariable* only = nullptr;
        while (position < node.value.size()) {
            std::size_t start = node.value.find(opening, position);
            std::size_t end = start == std::string::npos ? start : node.value.find('}', start);
            if (start == std::string::npos || end == std::string::npos) {
                out.append(node.value, position);
                break;
            }
            out.append(node.value, position, start - position);
            std::string name =
                node.value.substr(start + opening.size(), end - start - opening.size());
            const SettingsVariable* variable = lookup(name, at(node, start));
            if (variable != nullptr) {
                out += variable->value;
                whole = start == 0 && end + 1 == node.value.size();
                only = variable;
            }
            position = end + 1;
        }
        node.value = std::move(out);
        // `port: ${var:P}` with `P: 993` is the number 993; any other use makes a string.
        node.quoted = whole && only != nullptr ? only->quoted || node.quoted : true;
    }

    const std::string& m_file;
    const VariableScope& m_scope;
    Diagnostics& m_diagnostics;
};

} // namespace

void substitute_variables(yaml::Node& root, const std::string& file, const VariableScope& scope,
                          Diagnostics& diagnostics) {
    Substitution(file, scope, diagnostics).walk(root);
}

} // namespace mailsync
