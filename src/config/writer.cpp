#include "config/writer.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "util/text.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

std::string text_of(const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// Whether a string reads back as the same string when written plain: not empty, no spaces at
// the ends, no character that starts YAML syntax, no word or number YAML would take otherwise.
bool plain_safe(std::string_view text) {
    if (text.empty() || text.front() == ' ' || text.back() == ' ' || text.back() == ':')
        return false;
    if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(text.front()) != std::string_view::npos)
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F)
            return false;
        if (c == ':' && i + 1 < text.size() && text[i + 1] == ' ')
            return false;
        if (c == '#' && text[i - 1] == ' ')
            return false;
    }
    std::string lower;
    for (char c : text)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
                                  ".inf", "-.inf", "+.inf", ".nan"}) {
        if (lower == word)
            return false;
    }
    // What starts like a number and holds only what numbers, dates and times are made of
    // (0x1F, 1e3, 2020-01-01, 12:30) is quoted; "45s" and "1234-abc.example.com" are not.
    std::size_t first = text.front() == '-' || text.front() == '+' || text.front() == '.' ? 1 : 0;
    if (first < text.size() && std::isdigit(static_cast<unsigned char>(text[first])) != 0) {
        bool number_like = std::all_of(text.begin(), text.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) != 0 ||
                   std::string_view("xXoO._+-: TZ").find(c) != std::string_view::npos;
        });
        if (number_like)
            return false;
    }
    return true;
}

void write_scalar(std::string& out, const json& value) {
    if (value.is_boolean()) {
        out += value.get<bool>() ? "true" : "false";
    } else if (value.is_number_integer()) {
        out += std::to_string(value.get<long long>());
    } else if (!value.is_string()) {
        write_scalar(out, json(value.dump()));
    } else {
        const std::string& text = value.get_ref<const std::string&>();
        if (plain_safe(text)) {
            out += text;
            return;
        }
        out += '"';
        for (char c : text) {
            switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
                    out += fmt::format("\\x{:02X}", static_cast<unsigned char>(c));
                else
                    out += c;
            }
        }
        out += '"';
    }
}

bool truthy(const json& value) {
    return value.is_boolean() ? value.get<bool>() : text_of(value) == "true";
}

// "MAIL_SUPPORT_INBOX_PASSWORD": the kind, the name and the field, in upper snake case.
std::string variable_name(Kind kind, const std::string& name, const std::string& attribute) {
    std::string out = kind == Kind::oauth2_client       ? "OAUTH2_"
                      : kind == Kind::mail_account      ? "MAIL_"
                      : kind == Kind::mailbox_migration ? "MIGRATION_"
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

// Writes one document line by line, in block style with two spaces per level.
class DocumentWriter {
public:
    DocumentWriter(const ResourceDraft& draft, std::vector<std::string>* lines, yaml::Node* tree)
        : m_draft(draft), m_lines(lines) {
        if (tree != nullptr) {
            *tree = yaml::Node{};
            tree->kind = yaml::NodeKind::map;
            tree->mark = {1, 1};
            m_nodes.push_back(tree);
        }
    }

    std::string run() {
        m_out.reserve(512);
        scalar("apiVersion", json("mailsync/v1"));
        scalar("kind", json(std::string(kind_name(m_draft.kind))));
        open("metadata");
        scalar("name", json(m_draft.name), "name");
        if (m_draft.protect)
            scalar("protected", json(true));
        close();
        open("spec");
        if (m_draft.kind == Kind::oauth2_client)
            client();
        else
            connection();
        close();
        return std::move(m_out);
    }

private:
    bool has(const char* attribute) const { return m_draft.values.contains(attribute); }
    const json& value(const char* attribute) const { return m_draft.values.at(attribute); }

    void line_start(const char* attribute) {
        ++m_line;
        if (m_lines != nullptr)
            m_lines->push_back(attribute == nullptr ? "" : attribute);
        m_out.append(static_cast<std::size_t>(m_indent), ' ');
    }

    // The node of the line being written, in the tree being built (if one is).
    yaml::Node* node(yaml::NodeKind kind, std::string_view key, int value_column) {
        if (m_nodes.empty())
            return nullptr;
        yaml::Node& parent = *m_nodes.back();
        if (parent.children.empty() && m_nodes.size() > 1)
            parent.mark = {m_line, m_indent + 1}; // a block collection starts at its first entry
        yaml::Node& added = parent.children.emplace_back();
        added.kind = kind;
        added.key = key;
        added.key_mark = {m_line, m_indent + 1};
        added.mark = {m_line, value_column};
        return &added;
    }

    void scalar(std::string_view key, const json& item, const char* attribute = nullptr) {
        line_start(attribute);
        m_out += key;
        m_out += ": ";
        std::size_t start = m_out.size();
        write_scalar(m_out, item);
        m_out += '\n';
        int column = m_indent + static_cast<int>(key.size()) + 3;
        if (yaml::Node* added = node(yaml::NodeKind::scalar, key, column)) {
            added->quoted = item.is_string();
            added->value = item.is_string() ? item.get<std::string>()
                                            : m_out.substr(start, m_out.size() - 1 - start);
        }
    }

    void item(std::string_view text, const char* attribute) {
        line_start(attribute);
        m_out += "- ";
        write_scalar(m_out, json(std::string(text)));
        m_out += '\n';
        if (yaml::Node* added = node(yaml::NodeKind::scalar, "", m_indent + 3)) {
            added->quoted = true;
            added->value = text;
            added->key_mark = added->mark;
        }
    }

    void open(std::string_view key, const char* attribute = nullptr,
              yaml::NodeKind kind = yaml::NodeKind::map) {
        line_start(attribute);
        m_out += key;
        m_out += ":\n";
        if (yaml::Node* added = node(kind, key, m_indent + 1))
            m_nodes.push_back(added); // its parent takes no children until it is closed
        m_indent += 2;
        m_opened.push_back(m_out.size());
    }

    // An empty map reads "{}", not null.
    void close() {
        m_indent -= 2;
        if (m_opened.back() == m_out.size()) {
            m_out.pop_back();
            m_out += " {}\n";
            if (!m_nodes.empty()) {
                yaml::Node& empty = *m_nodes.back();
                empty.mark = {empty.key_mark.line,
                              empty.key_mark.column + static_cast<int>(empty.key.size()) + 2};
            }
        }
        m_opened.pop_back();
        if (!m_nodes.empty())
            m_nodes.pop_back();
    }

    void put(const char* key, const char* attribute) {
        if (has(attribute))
            scalar(key, value(attribute), attribute);
    }

    void put_secret(const char* key, const char* attribute) {
        auto found = m_draft.secrets.find(attribute);
        if (found != m_draft.secrets.end())
            scalar(key, json(found->second), attribute);
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
            open("scopes", "scopes", yaml::NodeKind::sequence);
            const json& scopes = value("scopes");
            if (scopes.is_array()) {
                for (const json& scope : scopes)
                    item(text_of(scope), "scopes");
            } else {
                std::string text = text_of(scopes);
                for (std::string_view scope : split_words(text))
                    item(scope, "scopes");
            }
            close();
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
            if (!protocol.empty())
                scalar("protocol", json(protocol), "protocol");
        }
        put("encryption", "encryption");
        put("host", "host");
        put("port", "port");
        put("username", "username");
        if (m_draft.kind == Kind::mail_account) {
            put("folder", "folder");
            if (has("enabled"))
                scalar("enabled", json(truthy(value("enabled"))), "enabled");
        } else if (has("debug")) {
            scalar("debug", json(truthy(value("debug"))), "debug");
        }
        if (has("timeout")) {
            const json& timeout = value("timeout");
            scalar("timeout",
                   json(timeout.is_number_integer() ? fmt::format("{}s", timeout.get<long long>())
                                                    : text_of(timeout)),
                   "timeout");
        }
        if (has("allowPlaintextAuth"))
            scalar("allowPlaintextAuth", json(truthy(value("allowPlaintextAuth"))));
        bool oauth2 = has("oauth2.client");
        bool password = m_draft.secrets.contains("password");
        if (!oauth2 && !password)
            return;
        open("auth");
        put_secret("password", "password");
        if (oauth2) {
            open("oauth2");
            put("client", "oauth2.client");
            put("grant", "oauth2.grant");
            put_secret("refreshToken", "oauth2.refreshToken");
            put_secret("password", "oauth2.password");
            close();
        }
        close();
    }

    const ResourceDraft& m_draft;
    std::vector<std::string>* m_lines;
    std::string m_out;
    int m_indent = 0;
    std::vector<std::size_t> m_opened; // where each open map's first line would start
    int m_line = 0;
    std::vector<yaml::Node*> m_nodes; // the open maps of the tree, innermost last
};

} // namespace

std::string resource_yaml(const ResourceDraft& draft, std::vector<std::string>* lines,
                          yaml::Node* tree) {
    return DocumentWriter(draft, lines, tree).run();
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
        std::string folder = mapping != nullptr                         ? mapping->collection
                             : resource.kind == Kind::mailbox_migration ? "mailbox-migrations"
                                                                        : "resources";
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
