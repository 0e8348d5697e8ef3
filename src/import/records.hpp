// What the readers of `mailsync import` hand to the importer: the objects of the input, each
// field already named by a mailsync attribute, with the place it was read from.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "import/importer.hpp"
#include "model/mapping.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

struct InputValue {
    nlohmann::json value; // a string from CSV; from JSON whatever the export holds
    Location where;
    std::string said; // the input's own name for the field: "Host", "host"
    int end_line = 0; // a CSV cell's last line, when it spans lines
};

struct InputRecord {
    Kind kind = Kind::mail_account;
    Location where;      // the row, or the object
    std::string pointer; // the object's JSON pointer: "/incomingMailAccounts/2"
    // attribute → value. Besides attribute_catalog's names: "serverType" (the provider column
    // of an account list: gmail, office, exchange, domino, default).
    std::map<std::string, InputValue> values;
};

// What the readers found, and what they could not read.
struct InputRecords {
    std::vector<InputRecord> records;
    // Where a secret stands: its start, and the column after it on that line (0: the line's
    // end). Quoting the line hides that text and nothing else.
    std::vector<std::pair<Location, int>> sensitive;
    std::size_t rejected = 0; // rows or objects left out by the reader, each with an error
    bool unreadable = false;  // nothing could be read: a broken file, a header without the
                              // columns needed
};

// Field names as an input gives them, resolved per kind from the profile's Server labels,
// Cloud labels and keys and from mailsync's attribute names, ignoring case, spaces and
// punctuation: "OAuth Credentials", "oauth2_client" and "oauth2Client" are one field.
class FieldNames {
public:
    explicit FieldNames(const MappingProfile& profile);

    std::optional<std::string> attribute(Kind kind, std::string_view name) const;
    // The names to suggest for a typo.
    std::vector<std::string> suggestions(Kind kind) const;

private:
    std::map<Kind, std::map<std::string, std::string>> m_names; // normalized name → attribute
    std::map<Kind, std::vector<std::string>> m_suggestions;
};

// Whether an attribute holds a secret (a password, a client secret, a token).
bool is_secret_attribute(Kind kind, std::string_view attribute);

// "oauth2client": lower case letters and digits only.
std::string normalize_name(std::string_view name);

InputRecords read_csv_records(std::string_view text, const std::string& file,
                              const FieldNames& names, Diagnostics& diagnostics);

InputRecords read_json_records(std::string_view text, const std::string& file,
                               const MappingProfile& profile, const FieldNames& names,
                               Diagnostics& diagnostics);

// The records into resources (clients first, so that connections find theirs), each checked
// against the schema; problems and the resources go to `result` (importer.cpp).
void import_records(InputRecords&& input, const MappingProfile& profile, ImportResult& result);

} // namespace mailsync
