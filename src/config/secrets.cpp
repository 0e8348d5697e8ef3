#include "config/secrets.hpp"

#include <cctype>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "util/confined_file.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_secret_file_bytes = 64 * 1024;

bool is_env_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())))
        return false;
    for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            return false;
    }
    return true;
}

// Files written by editors and `echo` end with a newline that is not part of the secret.
void drop_final_newline(std::string& text) {
    if (text.ends_with("\r\n"))
        text.resize(text.size() - 2);
    else if (text.ends_with('\n'))
        text.pop_back();
}

void resolve(Secret& secret, std::string_view kind, const std::string& name, const EnvLookup& env,
             const FileAccess& files, Diagnostics& diagnostics) {
    std::string subject = fmt::format("{} '{}' {}", kind, name, secret.field);
    switch (secret.source) {
    case Secret::Source::literal:
        return;
    case Secret::Source::env: {
        std::optional<std::string> value = env(secret.reference);
        if (!value) {
            diagnostics.error(secret.where, fmt::format("{}: environment variable {} is not set",
                                                        subject, secret.reference));
        } else if (value->empty()) {
            diagnostics.error(secret.where, fmt::format("{}: environment variable {} is empty",
                                                        subject, secret.reference));
        } else {
            secret.value.emplace(std::move(*value));
        }
        return;
    }
    case Secret::Source::file: {
        Result<std::string> path = resolve_config_path(files, secret.where.file, secret.reference);
        Result<std::string> value =
            path ? read_regular_file(*path, max_secret_file_bytes) : std::unexpected(path.error());
        if (!value) {
            diagnostics.error(secret.where,
                              fmt::format("{}: secret file {}{}", subject,
                                          path ? secret.reference + ": " : std::string(),
                                          value.error().message));
            return;
        }
        secret.resolved_path = *path;
        drop_final_newline(*value);
        if (value->empty())
            diagnostics.error(secret.where, fmt::format("{}: secret file {} is empty", subject,
                                                        secret.reference));
        else
            secret.value.emplace(std::move(*value));
        return;
    }
    }
}

// The prefixes of the variables that CI platforms set themselves, their job tokens among them
// (GitHub's GITHUB_TOKEN and ACTIONS_ID_TOKEN_REQUEST_TOKEN, GitLab's CI_JOB_TOKEN): no
// configuration may name one.
std::optional<std::string_view> ci_platform_prefix(std::string_view name) {
    for (std::string_view prefix : {"GITHUB_", "ACTIONS_", "RUNNER_", "CI_"}) {
        if (name.starts_with(prefix))
            return prefix;
    }
    return std::nullopt;
}

} // namespace

std::optional<Secret> parse_secret(const yaml::Node& node, std::string field,
                                   const std::string& file, Diagnostics& diagnostics) {
    Secret secret;
    secret.field = std::move(field);
    secret.where = {file, node.mark.line, node.mark.column};
    const std::string& text = node.value;
    if (text.find("${") == std::string::npos) {
        diagnostics.warning(secret.where,
                            fmt::format("{} holds a secret in clear; write ${{env:NAME}} or "
                                        "${{file:PATH}} so that it stays out of the repository",
                                        secret.field));
        secret.source = Secret::Source::literal;
        secret.value.emplace(text);
        return secret;
    }
    static const std::regex reference(R"(^\$\{([a-z]+):(.*)\}$)");
    std::smatch match;
    if (!std::regex_match(text, match, reference)) {
        diagnostics.error(secret.where,
                          fmt::format("{} is not a secret reference; write ${{env:NAME}} or "
                                      "${{file:PATH}} as the whole value",
                                      secret.field));
        return std::nullopt;
    }
    std::string source = match[1];
    std::string target = match[2];
    if (source == "env") {
        if (!is_env_name(target)) {
            diagnostics.error(secret.where,
                              fmt::format("{}: '{}' is not an environment variable name "
                                          "(letters, digits and _, not starting with a digit)",
                                          secret.field, target));
            return std::nullopt;
        }
        if (target.starts_with("MAILSYNC_")) {
            diagnostics.error(secret.where,
                              fmt::format("{}: ${{env:{}}} is one of mailsync's own settings, "
                                          "not a secret of a resource; give the resource a "
                                          "variable of its own",
                                          secret.field, target));
            return std::nullopt;
        }
        if (std::optional<std::string_view> platform = ci_platform_prefix(target)) {
            diagnostics.error(secret.where,
                              fmt::format("{}: ${{env:{}}} is one of the CI platform's own "
                                          "variables ({}*), not a secret of a resource; give "
                                          "the resource a variable of its own",
                                          secret.field, target, *platform));
            return std::nullopt;
        }
        secret.source = Secret::Source::env;
    } else if (source == "file") {
        if (target.empty()) {
            diagnostics.error(secret.where,
                              fmt::format("{}: ${{file:}} needs a path", secret.field));
            return std::nullopt;
        }
        secret.source = Secret::Source::file;
    } else if (source == "var") {
        diagnostics.error(secret.where,
                          fmt::format("{} is a secret: ${{var:{}}} is for fields that are not "
                                      "secret (variables are written in the repository); write "
                                      "${{env:NAME}} or ${{file:PATH}}",
                                      secret.field, target));
        return std::nullopt;
    } else {
        diagnostics.error(secret.where,
                          fmt::format("{}: unknown secret source '{}'; mailsync reads "
                                      "${{env:NAME}} and ${{file:PATH}}{}",
                                      secret.field, source, did_you_mean(source, {"env", "file"})));
        return std::nullopt;
    }
    secret.reference = target;
    return secret;
}

EnvLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr)
            return std::nullopt;
        return std::string(value);
    };
}

void resolve_secrets(Config& config, const EnvLookup& env, const FileAccess& files,
                     Diagnostics& diagnostics) {
    for_each_secret(config, [&](Secret& secret, Kind kind, const std::string& name) {
        resolve(secret, kind_name(kind), name, env, files, diagnostics);
    });
}

void resolve_client_secrets(OAuth2Client& client, const EnvLookup& env, const FileAccess& files,
                            Diagnostics& diagnostics) {
    if (client.client_secret)
        resolve(*client.client_secret, kind_name(Kind::oauth2_client), client.meta.name, env, files,
                diagnostics);
}

} // namespace mailsync
