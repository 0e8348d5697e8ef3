// The importer: records of attributes → resources, each value read in the attribute's words.
#include "import/importer.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "config/schema.hpp"
#include "config/yaml_tree.hpp"
#include "import/records.hpp"
#include "import/values.hpp"
#include "import/vocabulary.hpp"
#include "util/text.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

// The words that mean `meant`, each once whatever its case, `meant` itself left out.
std::vector<std::string> synonyms(const Words& words, const std::string& meant) {
    std::vector<std::string> out;
    std::set<std::string> seen{meant};
    for (const auto& [word, meaning] : words) {
        if (meaning == meant && seen.insert(normalize_name(word)).second)
            out.push_back(word);
    }
    return out;
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
        if (is_two_valued(attribute)) {
            error(work, value->where,
                  fmt::format("unknown {} '{}' in {}: it is true ({}) or false ({})", what, said,
                              value->said, join(synonyms(words, "true"), ", "),
                              join(synonyms(words, "false"), ", ")));
            return std::nullopt;
        }
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

    void warning(const Work& work, const Location& where, const std::string& message) {
        m_result.diagnostics.warning(where, fmt::format("{}: {}", work.subject, message));
    }

    // Says what a value reader found to say, at the value's place; the value read, or null.
    json reading(Work& work, const InputValue& said, ValueReading&& read) {
        if (!read.error.empty())
            error(work, said.where, read.error);
        if (!read.warning.empty())
            warning(work, said.where, read.warning);
        return std::move(read.value);
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
        std::optional<int> port;
        if (const InputValue* said = find(work, "port")) {
            json number = reading(work, *said, read_port(text_of(said->value), said->said));
            if (number.is_number_integer())
                port = number.get<int>();
        }
        std::optional<std::string> encryption = choose(work, "encryption", "encryption");
        if (const InputValue* said = find(work, "encryption"); said != nullptr && encryption)
            encryption = reading(work, *said,
                                 read_encryption(*encryption, text_of(said->value), said->said,
                                                 protocol, port))
                             .get<std::string>();
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

        if (port)
            work.draft.values["port"] = *port;
        else if (find(work, "port") == nullptr && defaults.port != 0 &&
                 encryption == defaults.encryption)
            work.draft.values["port"] = defaults.port;

        copy(work, "username");
        if (kind == Kind::mail_account && !work.draft.values.contains("username"))
            error(work, work.record.where, "it has no username");

        if (const InputValue* said = find(work, "timeout")) {
            json timeout = reading(work, *said, read_timeout(text_of(said->value), said->said));
            if (!timeout.is_null())
                work.draft.values["timeout"] = std::move(timeout);
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

} // namespace

void import_records(InputRecords&& input, const MappingProfile& profile, ImportResult& result) {
    Importer(profile, result).run(std::move(input));
}

} // namespace mailsync
