#include "import/importer.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "config/scalar.hpp"
#include "config/schema.hpp"
#include "config/source_file.hpp"
#include "config/yaml_tree.hpp"
#include "import/records.hpp"
#include "util/text.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

// Input files may be long account lists: far larger than a YAML file.
constexpr std::size_t max_import_bytes = 256 * 1024 * 1024;

// The attributes an input may give per kind, with the name an account list uses for each.
struct Importable {
    const char* attribute;
    const char* column;
};

const std::vector<Importable>& importable(Kind kind) {
    static const std::vector<Importable> clients{
        {"name", "name"},
        {"description", "description"},
        {"provider", "provider"},
        {"clientId", "client_id"},
        {"clientSecret", "client_secret"},
        {"tenantId", "tenant_id"},
        {"tokenUrl", "token_url"},
        {"authorizationUrl", "authorization_url"},
        {"scopes", "scopes"},
    };
    // What accounts and SMTP connections share, then what each has of its own.
    static const std::vector<Importable> connections{
        {"name", "name"},
        {"description", "description"},
        {"protocol", "protocol"},
        {"encryption", "encryption"},
        {"host", "host"},
        {"port", "port"},
        {"username", "username"},
        {"password", "password"},
        {"timeout", "timeout"},
        {"oauth2.client", "oauth2_client"},
        {"oauth2.refreshToken", "refresh_token"},
        {"serverType", "provider"},
    };
    auto with = [](std::vector<Importable> own) {
        own.insert(own.begin(), connections.begin(), connections.end());
        return own;
    };
    static const std::vector<Importable> accounts =
        with({{"folder", "folder"}, {"enabled", "enabled"}});
    static const std::vector<Importable> smtp =
        with({{"fromAddress", "from_address"}, {"prefix", "prefix"}, {"debug", "debug"}});
    return kind == Kind::oauth2_client ? clients : kind == Kind::mail_account ? accounts : smtp;
}

std::string text_of(const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// The words that name an attribute's values: (word, value), compared by normalize_name.
using Words = std::vector<std::pair<std::string, std::string>>;

const Words boolean_words{{"true", "true"},     {"false", "false"}, {"yes", "true"},
                          {"no", "false"},      {"1", "true"},      {"0", "false"},
                          {"on", "true"},       {"off", "false"},   {"enabled", "true"},
                          {"disabled", "false"}};

Words words_of(Kind kind, const std::string& attribute, const MappingProfile& profile) {
    Words words;
    if (attribute == "protocol") {
        if (kind == Kind::smtp_connection)
            words = {{"smtp", "smtp"}};
        else
            words = {{"imap", "imap"}, {"pop3", "pop3"}, {"imap4", "imap"}, {"pop", "pop3"}};
    } else if (attribute == "encryption") {
        words = {{"none", "none"},  {"ssl", "ssl"},           {"starttls", "starttls"},
                 {"tls", "ssl"},    {"ssl/tls", "ssl"},       {"implicit tls", "ssl"},
                 {"plain", "none"}, {"start tls", "starttls"}};
    } else if (attribute == "enabled" || attribute == "debug") {
        words = boolean_words;
    } else if (attribute == "provider") {
        words = {{"google", "google"},  {"microsoft", "microsoft"},    {"custom", "custom"},
                 {"gmail", "google"},   {"microsoft365", "microsoft"}, {"office365", "microsoft"},
                 {"azure", "microsoft"}};
    } else if (attribute == "serverType") {
        words = {{"gmail", "gmail"},       {"office", "office"},
                 {"exchange", "exchange"}, {"domino", "domino"},
                 {"default", "default"},   {"gsuite", "gmail"},
                 {"google", "gmail"},      {"google workspace", "gmail"},
                 {"office365", "office"},  {"microsoft365", "office"},
                 {"o365", "office"},       {"ms-exchange", "exchange"},
                 {"lotus", "domino"},      {"standard", "default"}};
    }
    // The profile's own words: Cloud's values and the Server's, for the same values.
    if (const KindMapping* mapping = profile.find(kind)) {
        for (const FieldMapping& field : mapping->fields) {
            bool same =
                field.from == attribute || (attribute == "protocol" && field.from == "service");
            if (!same)
                continue;
            auto known = [&](const std::string& key) {
                std::string base = key.substr(0, key.find('/'));
                return attribute != "protocol" ||
                       std::any_of(words.begin(), words.end(),
                                   [&](const auto& word) { return word.second == base; });
            };
            for (const auto& [key, shown] : field.values) {
                if (known(key))
                    words.emplace_back(shown, key);
            }
            for (const auto& [shown, key] : field.source_values) {
                if (known(key))
                    words.emplace_back(shown, key);
            }
        }
    }
    return words;
}

class Importer {
public:
    Importer(const MappingProfile& profile, ImportResult& result)
        : m_profile(profile), m_result(result) {}

    void run(InputRecords&& input) {
        std::stable_sort(input.records.begin(), input.records.end(),
                         [](const InputRecord& a, const InputRecord& b) {
                             return (a.kind == Kind::oauth2_client) >
                                    (b.kind == Kind::oauth2_client);
                         });
        for (const InputRecord& record : input.records) {
            if (!one(record))
                ++m_result.skipped;
        }
        std::stable_sort(m_result.resources.begin(), m_result.resources.end(),
                         [](const WrittenResource& a, const WrittenResource& b) {
                             return static_cast<int>(a.kind) < static_cast<int>(b.kind);
                         });
    }

private:
    struct Client {
        std::string name; // as written
        Location where;
        bool imported = false;
    };

    // One record's work: its draft, and whether it is still good.
    struct Work {
        const InputRecord& record;
        std::string subject;
        ResourceDraft draft;
        std::vector<SecretVariable> secrets;
        bool ok = true;
    };

    void error(Work& work, const Location& where, const std::string& message) {
        m_result.diagnostics.error(where, fmt::format("{}: {}", work.subject, message));
        work.ok = false;
    }

    const InputValue* find(const Work& work, const char* attribute) const {
        auto found = work.record.values.find(attribute);
        return found == work.record.values.end() ? nullptr : &found->second;
    }

    std::optional<std::string> text(const Work& work, const char* attribute) const {
        const InputValue* value = find(work, attribute);
        if (value == nullptr)
            return std::nullopt;
        return text_of(value->value);
    }

    // An attribute's words, and what each means by its normalized form (the first word wins).
    struct Vocabulary {
        Words words;
        std::map<std::string, std::string> meaning;
    };

    // Made once per kind and attribute, not once per row.
    const Vocabulary& vocabulary_of(Kind kind, const std::string& attribute) {
        auto [found, inserted] = m_vocabularies.try_emplace({kind, attribute});
        if (inserted) {
            found->second.words = words_of(kind, attribute, m_profile);
            for (const auto& [word, meant] : found->second.words)
                found->second.meaning.emplace(normalize_name(word), meant);
        }
        return found->second;
    }

    // A value from a fixed set, said in any of the words that name it.
    std::optional<std::string> choose(Work& work, const char* attribute, const char* what) {
        const InputValue* value = find(work, attribute);
        if (value == nullptr)
            return std::nullopt;
        std::string said = text_of(value->value);
        std::string normalized = normalize_name(said);
        const Vocabulary& vocabulary = vocabulary_of(work.record.kind, attribute);
        if (auto found = vocabulary.meaning.find(normalized); found != vocabulary.meaning.end())
            return found->second;
        const Words& words = vocabulary.words;
        std::vector<std::string> canonical;
        std::vector<std::string> all;
        for (const auto& [word, meant] : words) {
            all.push_back(word);
            if (word == meant)
                canonical.push_back(word);
        }
        error(work, value->where,
              fmt::format("unknown {} '{}' in {}; use {}{}", what, said, value->said,
                          join_words(canonical), did_you_mean(said, all)));
        return std::nullopt;
    }

    void copy(Work& work, const char* attribute) {
        if (std::optional<std::string> value = text(work, attribute))
            work.draft.values[attribute] = *value;
    }

    void secret(Work& work, const char* attribute, const std::string& label) {
        const InputValue* given = find(work, attribute);
        SecretVariable about{
            "", "", fmt::format("{} {}: {}", kind_name(work.record.kind), work.draft.name, label),
            given != nullptr,
            given != nullptr ? fmt::format("in the input's {}, not copied", given->said)
                             : "not in the input"};
        work.draft.secrets[attribute] =
            m_names.reference(work.record.kind, work.draft.name, attribute, about, work.secrets);
    }

    // The label the target gives an attribute, for .env.example.
    std::string label_of(Kind kind, const char* attribute) const {
        if (const KindMapping* mapping = m_profile.find(kind)) {
            for (const FieldMapping& field : mapping->fields) {
                if (field.from == attribute)
                    return field.label;
            }
        }
        return attribute;
    }

    bool one(const InputRecord& record) {
        std::optional<std::string> raw;
        if (auto found = record.values.find("name"); found != record.values.end())
            raw = text_of(found->second.value);
        std::string subject = raw ? fmt::format("{} '{}'", kind_name(record.kind), *raw)
                                  : std::string(kind_name(record.kind));
        if (!record.pointer.empty())
            subject += fmt::format(" ({})", record.pointer);
        Work work{record, subject, {record.kind, "", {}, {}}, {}, true};
        if (!raw) {
            error(work, record.where, "it has no name");
            return false;
        }
        const Location& name_where = record.values.at("name").where;
        auto [first, inserted] = m_raw_names[record.kind].emplace(*raw, name_where);
        if (!inserted) {
            error(work, name_where,
                  fmt::format("the name is taken: {} '{}' comes first, at {}:{}",
                              kind_name(record.kind), *raw, first->second.file,
                              first->second.line));
            return false;
        }
        work.draft.name = unique_name(record.kind, *raw, name_where);
        if (record.kind == Kind::oauth2_client)
            client(work);
        else
            connection(work);
        std::string yaml;
        if (work.ok)
            yaml = check_with_schema(work);
        if (record.kind == Kind::oauth2_client)
            m_clients[*raw] = {work.draft.name, name_where, work.ok};
        if (!work.ok)
            return false;
        m_taken[record.kind].insert(work.draft.name);
        m_result.resources.push_back(
            {record.kind, work.draft.name, "", resource_yaml(work.draft), std::move(work.secrets)});
        return true;
    }

    // The name as a target name may be: letters, digits, spaces and . _ - @; unique in its kind.
    std::string unique_name(Kind kind, const std::string& raw, const Location& where) {
        std::string name = safe_name(raw);
        std::string base = name.empty() ? fmt::format("imported-{}", where.line) : name;
        name = base;
        for (int n = 2; m_taken[kind].contains(name); ++n)
            name = fmt::format("{}-{}", base, n);
        if (name != raw)
            m_result.diagnostics.warning(
                where, fmt::format("{} '{}' is written as '{}': {}", kind_name(kind), raw, name,
                                   name == base ? "names hold letters, digits, spaces and . _ - @"
                                                : "another one has that name already"));
        return name;
    }

    void client(Work& work) {
        copy(work, "description");
        std::optional<std::string> provider = choose(work, "provider", "provider");
        if (provider)
            work.draft.values["provider"] = *provider;
        else if (find(work, "provider") == nullptr)
            error(work, work.record.where, "it has no provider; use google, microsoft or custom");
        for (const char* attribute : {"clientId", "tenantId", "tokenUrl", "authorizationUrl"})
            copy(work, attribute);
        if (const InputValue* scopes = find(work, "scopes"))
            work.draft.values["scopes"] = scopes->value;
        if (work.ok && (find(work, "clientSecret") != nullptr || provider == "google"))
            secret(work, "clientSecret", label_of(Kind::oauth2_client, "clientSecret"));
    }

    void connection(Work& work) {
        Kind kind = work.record.kind;
        std::optional<std::string> server_type = choose(work, "serverType", "provider");
        std::optional<std::string> said_protocol = choose(work, "protocol", "protocol");
        std::string protocol =
            said_protocol ? said_protocol->substr(0, said_protocol->find('/')) : "";
        bool wants_oauth2 = said_protocol && said_protocol->find('/') != std::string::npos;
        if (kind == Kind::smtp_connection)
            protocol = "smtp";
        else if (protocol.empty() && find(work, "protocol") == nullptr) {
            if (server_type)
                protocol = "imap";
            else
                error(work, work.record.where, "it has no protocol; use imap or pop3");
        }
        if (!protocol.empty() && kind == Kind::mail_account)
            work.draft.values["protocol"] = protocol;
        ServerDefaults defaults;
        if (server_type && !protocol.empty())
            defaults = server_defaults(*server_type, protocol);

        copy(work, "description");
        if (kind == Kind::smtp_connection) {
            copy(work, "fromAddress");
            copy(work, "prefix");
        }
        std::optional<std::string> encryption = choose(work, "encryption", "encryption");
        if (!encryption && find(work, "encryption") == nullptr && !defaults.encryption.empty())
            encryption = defaults.encryption;
        if (encryption)
            work.draft.values["encryption"] = *encryption;

        if (std::optional<std::string> host = text(work, "host"))
            work.draft.values["host"] = *host;
        else if (!defaults.host.empty())
            work.draft.values["host"] = defaults.host;
        else
            error(work, work.record.where,
                  server_type ? fmt::format("it has no host, and provider {} has no public one",
                                            *server_type)
                              : std::string("it has no host"));

        if (const InputValue* port = find(work, "port")) {
            std::string said = text_of(port->value);
            bool digits =
                !said.empty() && said.size() <= 6 &&
                std::all_of(said.begin(), said.end(), [](char c) { return c >= '0' && c <= '9'; });
            int number = digits ? std::stoi(said) : 0;
            if (number < 1 || number > 65535)
                error(work, port->where,
                      fmt::format("{} '{}' is not a port number (1 to 65535)", port->said, said));
            else
                work.draft.values["port"] = number;
        } else if (defaults.port != 0 && encryption == defaults.encryption) {
            work.draft.values["port"] = defaults.port;
        }

        copy(work, "username");
        if (kind == Kind::mail_account && !work.draft.values.contains("username"))
            error(work, work.record.where, "it has no username");

        if (const InputValue* timeout = find(work, "timeout")) {
            std::string said = text_of(timeout->value);
            bool seconds =
                !said.empty() && said.size() <= 6 &&
                std::all_of(said.begin(), said.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (seconds && std::stoi(said) > 0)
                work.draft.values["timeout"] = std::stoi(said);
            else if (!seconds && parse_duration(said))
                work.draft.values["timeout"] = said;
            else
                error(work, timeout->where,
                      fmt::format("{} '{}' is not a time such as 30 (seconds), 30s or 2m",
                                  timeout->said, said));
        }
        if (kind == Kind::mail_account) {
            if (const InputValue* folder = find(work, "folder")) {
                if (protocol == "pop3")
                    error(
                        work, folder->where,
                        fmt::format("{} applies to IMAP only; POP3 reads the inbox", folder->said));
                copy(work, "folder");
            }
            if (std::optional<std::string> enabled = choose(work, "enabled", "status"))
                work.draft.values["enabled"] = *enabled == "true";
        } else if (std::optional<std::string> debug = choose(work, "debug", "debug setting")) {
            work.draft.values["debug"] = *debug == "true";
        }

        const InputValue* client = find(work, "oauth2.client");
        if (client == nullptr && wants_oauth2)
            error(work, find(work, "protocol")->where,
                  fmt::format("{} '{}' needs OAuth2 credentials, and it names none",
                              find(work, "protocol")->said,
                              text_of(find(work, "protocol")->value)));
        if (client != nullptr)
            oauth2_client(work, *client);
        if (!work.ok)
            return;
        bool auth = client != nullptr || kind == Kind::mail_account ||
                    find(work, "password") != nullptr || work.draft.values.contains("username");
        if (client != nullptr) {
            secret(work, "oauth2.refreshToken", label_of(kind, "oauth2.refreshToken"));
        } else if (auth) {
            secret(work, "password", label_of(kind, "password"));
        }
        if (auth && encryption == "none") {
            work.draft.values["allowPlaintextAuth"] = true;
            const InputValue* said = find(work, "encryption");
            m_result.diagnostics.warning(
                said != nullptr ? said->where : work.record.where,
                fmt::format("{}: encryption none sends the credentials in clear; it is written "
                            "with allowPlaintextAuth: true, as the source had it: review it",
                            work.subject));
        }
    }

    void oauth2_client(Work& work, const InputValue& said) {
        std::string raw = text_of(said.value);
        auto found = m_clients.find(raw);
        if (found == m_clients.end()) {
            // The name as written, when the input names the client that way.
            found = std::find_if(m_clients.begin(), m_clients.end(),
                                 [&](const auto& client) { return client.second.name == raw; });
        }
        if (found == m_clients.end()) {
            std::vector<std::string> names;
            for (const auto& [name, client] : m_clients)
                names.push_back(name);
            error(work, said.where,
                  fmt::format("{} names OAuth2 client '{}', which is not in the input{}", said.said,
                              raw, did_you_mean(raw, names)));
            return;
        }
        if (!found->second.imported) {
            error(work, said.where,
                  fmt::format("its OAuth2 client '{}' is not imported (see {}:{})", raw,
                              found->second.where.file, found->second.where.line));
            return;
        }
        work.draft.values["oauth2.client"] = found->second.name;
    }

    // The written document, checked against the schema: each problem is reported where its
    // value was read.
    std::string check_with_schema(Work& work) {
        std::vector<std::string> lines;
        yaml::Node tree;
        std::string yaml = resource_yaml(work.draft, &lines, &tree);
        Diagnostics found;
        if (m_validator.validate(tree, work.record.kind, "import", found))
            return yaml;
        for (const Diagnostic& problem : found.items()) {
            if (problem.severity != Severity::error)
                continue;
            Location where = work.record.where;
            std::size_t line = static_cast<std::size_t>(problem.where.line);
            if (line >= 1 && line <= lines.size() && !lines[line - 1].empty()) {
                if (const InputValue* value = find(work, lines[line - 1].c_str()))
                    where = value->where;
            }
            error(work, where, problem.message);
        }
        return yaml;
    }

    const MappingProfile& m_profile;
    ImportResult& m_result;
    SchemaValidator m_validator;
    SecretNames m_names;
    std::map<Kind, std::map<std::string, Location>> m_raw_names;
    std::map<Kind, std::set<std::string>> m_taken;
    std::map<std::string, Client> m_clients; // by the name the input gives
    std::map<std::pair<Kind, std::string>, Vocabulary> m_vocabularies;
};

bool looks_like_json(std::string_view file, std::string_view text) {
    if (file.ends_with(".json") || file.ends_with(".JSON"))
        return true;
    if (file.ends_with(".csv") || file.ends_with(".CSV") || file.ends_with(".txt"))
        return false;
    std::size_t first = text.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

} // namespace

std::string normalize_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        unsigned char u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 && u < 0x80)
            out += static_cast<char>(std::tolower(u));
        else if (u >= 0x80)
            out += c;
    }
    return out;
}

bool is_secret_attribute(Kind kind, std::string_view attribute) {
    for (const AttributeInfo& info : attribute_catalog(kind)) {
        if (info.name == attribute)
            return info.about.find("(secret)") != std::string_view::npos;
    }
    return false;
}

FieldNames::FieldNames(const MappingProfile& profile) {
    for (Kind kind : all_kinds) {
        auto& names = m_names[kind];
        auto add = [&](std::string_view said, const std::string& attribute) {
            std::string normalized = normalize_name(said);
            if (!normalized.empty())
                names.emplace(normalized, attribute);
        };
        for (const Importable& entry : importable(kind)) {
            add(entry.attribute, entry.attribute);
            add(entry.column, entry.attribute);
            m_suggestions[kind].emplace_back(entry.column);
        }
        for (const Importable& entry : importable(kind)) {
            std::string_view attribute = entry.attribute;
            if (attribute.starts_with("oauth2."))
                add(attribute.substr(7), entry.attribute); // "refreshToken"
        }
        add("server type", "serverType");
        add("type", kind == Kind::oauth2_client ? "provider" : "serverType");
        const KindMapping* mapping = profile.find(kind);
        if (mapping == nullptr)
            continue;
        for (const FieldMapping& field : mapping->fields) {
            std::string attribute = field.from == "service" ? "protocol" : field.from;
            bool known =
                std::any_of(importable(kind).begin(), importable(kind).end(),
                            [&](const Importable& entry) { return entry.attribute == attribute; });
            if (!known)
                continue;
            for (const std::string& said : {field.source_label, field.label, field.key})
                add(said, attribute);
            if (!field.source_label.empty())
                m_suggestions[kind].push_back(field.source_label);
        }
    }
}

std::optional<std::string> FieldNames::attribute(Kind kind, std::string_view name) const {
    const auto& names = m_names.at(kind);
    auto found = names.find(normalize_name(name));
    if (found == names.end())
        return std::nullopt;
    return found->second;
}

std::vector<std::string> FieldNames::suggestions(Kind kind) const {
    return m_suggestions.at(kind);
}

// A name as a target's names may be: letters, digits, spaces and . _ - @, starting and ending
// with a letter or digit. Another character becomes '-', or nothing next to a space:
// "Sales (POP)" → "Sales POP", "Support/Inbox" → "Support-Inbox".
std::string safe_name(std::string_view raw) {
    constexpr char replaced = '\x01';
    std::string kept;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(raw[i]);
        if ((std::isalnum(c) != 0 && c < 0x80) || c == ' ' || c == '.' || c == '_' || c == '@' ||
            c == '-')
            kept += static_cast<char>(c);
        else if ((c & 0xC0) != 0x80 && !kept.ends_with(replaced))
            kept += replaced; // one for a whole UTF-8 character
    }
    std::string out;
    for (std::size_t i = 0; i < kept.size(); ++i) {
        if (kept[i] != replaced) {
            out += kept[i];
            continue;
        }
        bool space_before = out.empty() || out.back() == ' ';
        bool space_after = i + 1 >= kept.size() || kept[i + 1] == ' ';
        if (!space_before && !space_after)
            out += '-';
    }
    auto edge = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; };
    if (out.size() > 120)
        out.resize(120);
    while (!out.empty() && edge(out.back()))
        out.pop_back();
    std::size_t first = 0;
    while (first < out.size() && edge(out[first]))
        ++first;
    out.erase(0, first);
    // Runs of spaces as one.
    std::string squeezed;
    for (char c : out) {
        if (c != ' ' || !squeezed.ends_with(' '))
            squeezed += c;
    }
    return squeezed;
}

ImportResult import_text(std::string_view text, const std::string& file,
                         const MappingProfile& profile, ImportFormat format,
                         const MigrationTarget& migration) {
    ImportResult result;
    // The text becomes YAML and JSON: it must be UTF-8 (import_file has read it so already).
    std::optional<std::string> accepted =
        accept_source_text(file, std::string(text), result.diagnostics);
    if (!accepted) {
        result.unreadable = true;
        return result;
    }
    text = *accepted;
    if (format == ImportFormat::automatic)
        format = looks_like_json(file, text) ? ImportFormat::json : ImportFormat::csv;
    result.format = format;
    if (format == ImportFormat::csv && is_migration_csv(text)) {
        import_migration_csv(text, file, migration, result);
        result.diagnostics.sort({file});
        return result;
    }
    FieldNames names(profile);
    InputRecords input = format == ImportFormat::json
                             ? read_json_records(text, file, profile, names, result.diagnostics)
                             : read_csv_records(text, file, names, result.diagnostics);
    result.sources.add(file, std::string(text));
    for (const Location& where : input.sensitive)
        result.sources.redact(where);
    result.unreadable = input.unreadable;
    result.read = input.records.size() + input.rejected;
    result.skipped = input.rejected;
    if (!input.unreadable)
        Importer(profile, result).run(std::move(input));
    result.diagnostics.sort({file});
    return result;
}

ImportResult import_file(const std::string& path, const MappingProfile& profile,
                         ImportFormat format, const MigrationTarget& migration) {
    Diagnostics diagnostics;
    std::optional<std::string> text = read_source_file(path, diagnostics, max_import_bytes);
    if (!text) {
        ImportResult result;
        result.diagnostics = std::move(diagnostics);
        result.unreadable = true;
        return result;
    }
    return import_text(*text, path, profile, format, migration);
}

} // namespace mailsync
