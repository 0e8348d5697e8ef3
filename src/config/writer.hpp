// Writing mailsync YAML: a resource given as attribute values becomes one YAML document, its
// secrets `${env:...}` references with predictable names. Export (from a target) and import
// (from a Server export or a CSV) both end here.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/yaml_tree.hpp"
#include "model/mapping.hpp"

namespace mailsync {

// A secret the YAML refers to instead of holding it: the variable, and what it is.
struct SecretVariable {
    std::string variable; // MAIL_SUPPORT_INBOX_PASSWORD
    std::string key;      // the target's key: "password"
    std::string about;    // "MailAccount support-inbox: Password"
    bool set = true;      // false: nobody has a value for it yet
    std::string note;     // said next to it in .env.example, when not empty
};

// A resource as the attribute names of `attribute_catalog`: plain values as the mailsync values
// ("imap", 993, true; "oauth2.client" the client's name; also "allowPlaintextAuth"), secrets as
// their references. What is missing is left out of the YAML.
struct ResourceDraft {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::map<std::string, nlohmann::json> values;
    std::map<std::string, std::string> secrets; // attribute → "${env:...}"
    bool protect = false;                       // metadata.protected: true
};

// One YAML document (without a "---" line), keys in the order of the reference documentation.
// With `lines`, the attribute written on each line (lines[0] is line 1; empty for none); with
// `tree`, the document as parsing the text would give it, without parsing it.
std::string resource_yaml(const ResourceDraft& draft, std::vector<std::string>* lines = nullptr,
                          yaml::Node* tree = nullptr);

// Hands out `${env:...}` references: the kind, the name and the field in upper snake case
// ("SMTP_OUTGOING_MAIN_PASSWORD"), made unique with a number when two would clash.
class SecretNames {
public:
    std::string reference(Kind kind, const std::string& name, const std::string& attribute,
                          SecretVariable about, std::vector<SecretVariable>& into);

private:
    std::set<std::string> m_used;
};

// A resource ready to be written.
struct WrittenResource {
    Kind kind = Kind::oauth2_client;
    std::string name;
    std::string target_id; // export: the object's id in the target
    std::string yaml;
    std::vector<SecretVariable> secrets;
};

// The files to write, relative path → text: one file per kind named after the kind's collection
// ("mail-accounts.yaml"), or with `split` one per resource ("mail-accounts/NAME.yaml"); and
// `.env.example` listing every variable, `env_intro` first. `header(path)` gives each YAML file's
// opening comment lines.
std::map<std::string, std::string>
lay_out_files(const std::vector<WrittenResource>& resources, const MappingProfile& profile,
              bool split, const std::function<std::string(const std::string&)>& header,
              std::string_view env_intro);

// A resource name as a file name: letters, digits and . _ @ -, the rest as '-'.
std::string file_stem(std::string_view name);

} // namespace mailsync
