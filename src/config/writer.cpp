#include "config/writer.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/text.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

std::string text_of(const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

void emit(YAML::Emitter& out, const json& value) {
    if (value.is_boolean())
        out << value.get<bool>();
    else if (value.is_number_integer())
        out << value.get<long long>();
    else if (value.is_string())
        out << value.get<std::string>();
    else
        out << value.dump();
}

bool truthy(const json& value) {
    return value.is_boolean() ? value.get<bool>() : text_of(value) == "true";
}

// "MAIL_SUPPORT_INBOX_PASSWORD": the kind, the name and the field, in upper snake case.
std::string variable_name(Kind kind, const std::string& name, const std::string& attribute) {
    std::string out = kind == Kind::oauth2_client  ? "OAUTH2_"
                      : kind == Kind::mail_account ? "MAIL_"
                                                   : "SMTP_";
    auto append = [&](const std::string& text, bool split_camel) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(text[i]);
            if (split_camel && std::isupper(c) != 0 && i > 0)
                out += '_';
            if (std::isalnum(c) != 0 && c < 0x80)
                out += static_cast<char>(std::toupper(c));
            else if (!out.ends_with('_'))
                out += '_';
        }
        if (!out.ends_with('_'))
            out += '_';
    };
    append(name, false);
    std::string field = attribute;
    if (field.starts_with("oauth2.") && field != "oauth2.password")
        field = field.substr(7);
    append(field, true);
    out.pop_back();
    return out;
}

class DocumentWriter {
public:
    DocumentWriter(const ResourceDraft& draft, std::vector<std::string>* lines)
        : m_draft(draft), m_lines(lines) {}

    std::string run() {
        m_out << YAML::BeginMap;
        m_out << YAML::Key << "apiVersion" << YAML::Value << "mailsync/v1";
        m_out << YAML::Key << "kind" << YAML::Value << std::string(kind_name(m_draft.kind));
        m_out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name"
              << YAML::Value << m_draft.name << YAML::EndMap;
        mark("name");
        m_out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
        if (m_draft.kind == Kind::oauth2_client)
            client();
        else
            connection();
        m_out << YAML::EndMap << YAML::EndMap;
        return std::string(m_out.c_str()) + "\n";
    }

private:
    bool has(const char* attribute) const { return m_draft.values.contains(attribute); }
    const json& value(const char* attribute) const { return m_draft.values.at(attribute); }

    // Notes that the line just written holds `attribute`.
    void mark(const char* attribute) {
        if (m_lines == nullptr)
            return;
        std::string_view text(m_out.c_str(), m_out.size());
        std::size_t line = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        if (!text.empty() && text.back() == '\n')
            --line;
        m_lines->resize(std::max(m_lines->size(), line + 1));
        (*m_lines)[line] = attribute;
    }

    void put(const char* key, const char* attribute) {
        if (!has(attribute))
            return;
        m_out << YAML::Key << key << YAML::Value;
        emit(m_out, value(attribute));
        mark(attribute);
    }

    void put_secret(const char* key, const char* attribute) {
        auto found = m_draft.secrets.find(attribute);
        if (found == m_draft.secrets.end())
            return;
        m_out << YAML::Key << key << YAML::Value << found->second;
        mark(attribute);
    }

    void client() {
        put("description", "description");
        put("provider", "provider");
        put("clientId", "clientId");
        put_secret("clientSecret", "clientSecret");
        put("tenantId", "tenantId");
        if (has("tokenUrl")) {
            // Written only where it is not the provider's own endpoint.
            OAuth2Client defaults;
            defaults.provider =
                has("provider")
                    ? parse_provider(text_of(value("provider"))).value_or(Provider::custom)
                    : Provider::custom;
            if (has("tenantId"))
                defaults.tenant_id = text_of(value("tenantId"));
            if (effective_token_url(defaults) != text_of(value("tokenUrl")))
                put("tokenUrl", "tokenUrl");
        }
        put("authorizationUrl", "authorizationUrl");
        if (has("scopes")) {
            m_out << YAML::Key << "scopes" << YAML::Value << YAML::BeginSeq;
            mark("scopes");
            const json& scopes = value("scopes");
            if (scopes.is_array()) {
                for (const json& scope : scopes)
                    m_out << text_of(scope);
            } else {
                std::string text = text_of(scopes);
                for (std::string_view scope : split_words(text))
                    m_out << std::string(scope);
            }
            m_out << YAML::EndSeq;
        }
    }

    void connection() {
        put("description", "description");
        if (m_draft.kind == Kind::smtp_connection) {
            put("fromAddress", "fromAddress");
            put("prefix", "prefix");
        } else {
            std::string protocol;
            if (has("protocol"))
                protocol = text_of(value("protocol"));
            else if (has("service"))
                protocol = text_of(value("service"));
            protocol = protocol.substr(0, protocol.find('/'));
            if (!protocol.empty()) {
                m_out << YAML::Key << "protocol" << YAML::Value << protocol;
                mark("protocol");
            }
        }
        put("encryption", "encryption");
        put("host", "host");
        put("port", "port");
        put("username", "username");
        if (m_draft.kind == Kind::mail_account) {
            put("folder", "folder");
            if (has("enabled")) {
                m_out << YAML::Key << "enabled" << YAML::Value << truthy(value("enabled"));
                mark("enabled");
            }
        } else if (has("debug")) {
            m_out << YAML::Key << "debug" << YAML::Value << truthy(value("debug"));
            mark("debug");
        }
        if (has("timeout")) {
            const json& timeout = value("timeout");
            m_out << YAML::Key << "timeout" << YAML::Value
                  << (timeout.is_number_integer() ? fmt::format("{}s", timeout.get<long long>())
                                                  : text_of(timeout));
            mark("timeout");
        }
        if (has("allowPlaintextAuth"))
            m_out << YAML::Key << "allowPlaintextAuth" << YAML::Value
                  << truthy(value("allowPlaintextAuth"));
        bool oauth2 = has("oauth2.client");
        bool password = m_draft.secrets.contains("password");
        if (!oauth2 && !password)
            return;
        m_out << YAML::Key << "auth" << YAML::Value << YAML::BeginMap;
        put_secret("password", "password");
        if (oauth2) {
            m_out << YAML::Key << "oauth2" << YAML::Value << YAML::BeginMap;
            put("client", "oauth2.client");
            put("grant", "oauth2.grant");
            put_secret("refreshToken", "oauth2.refreshToken");
            put_secret("password", "oauth2.password");
            m_out << YAML::EndMap;
        }
        m_out << YAML::EndMap;
    }

    const ResourceDraft& m_draft;
    std::vector<std::string>* m_lines;
    YAML::Emitter m_out;
};

} // namespace

std::string resource_yaml(const ResourceDraft& draft, std::vector<std::string>* lines) {
    return DocumentWriter(draft, lines).run();
}

std::string SecretNames::reference(Kind kind, const std::string& name, const std::string& attribute,
                                   SecretVariable about, std::vector<SecretVariable>& into) {
    std::string variable = variable_name(kind, name, attribute);
    std::string unique = variable;
    for (int n = 2; m_used.contains(unique); ++n)
        unique = fmt::format("{}_{}", variable, n);
    m_used.insert(unique);
    about.variable = unique;
    into.push_back(std::move(about));
    return fmt::format("${{env:{}}}", unique);
}

std::string file_stem(std::string_view name) {
    std::string out;
    for (char c : name)
        out += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
                c == '@' || c == '-')
                   ? c
                   : '-';
    return out;
}

std::map<std::string, std::string>
lay_out_files(const std::vector<WrittenResource>& resources, const MappingProfile& profile,
              bool split, const std::function<std::string(const std::string&)>& header,
              std::string_view env_intro) {
    std::map<std::string, std::string> files;
    std::set<std::string> used;
    for (const WrittenResource& resource : resources) {
        const KindMapping* mapping = profile.find(resource.kind);
        std::string folder = mapping != nullptr ? mapping->collection : "resources";
        if (!split) {
            std::string path = folder + ".yaml";
            std::string& text = files[path];
            text += text.empty() ? header(path) : "---\n";
            text += resource.yaml;
            continue;
        }
        std::string stem = file_stem(resource.name);
        std::string path = fmt::format("{}/{}.yaml", folder, stem);
        // Names that differ only in case or in characters a file name cannot hold.
        auto taken = [&](const std::string& candidate) {
            std::string lower = candidate;
            for (char& c : lower)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return !used.insert(lower).second;
        };
        for (int n = 2; taken(path); ++n)
            path = fmt::format("{}/{}-{}.yaml", folder, stem, n);
        files[path] = header(path) + resource.yaml;
    }
    std::string env(env_intro);
    for (const WrittenResource& resource : resources) {
        for (const SecretVariable& secret : resource.secrets)
            env +=
                fmt::format("\n# {}{}\n{}=\n", secret.about,
                            secret.note.empty() ? "" : " (" + secret.note + ")", secret.variable);
    }
    files[".env.example"] = env;
    return files;
}

} // namespace mailsync
