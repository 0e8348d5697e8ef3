// The JSON Schema of mailsync documents (compiled in) and validation of YAML documents with it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/yaml_tree.hpp"
#include "model/resources.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// The text of schemas/mailsync.schema.json as compiled into the binary.
std::string_view schema_text();

// Validates documents with valijson and reports each violation at the YAML place it concerns,
// in mailsync's words. One instance per thread: valijson caches compiled patterns.
class SchemaValidator {
public:
    SchemaValidator();
    ~SchemaValidator();
    SchemaValidator(const SchemaValidator&) = delete;
    SchemaValidator& operator=(const SchemaValidator&) = delete;

    // Checks a document of a known kind against that kind's definition. Returns true if valid.
    bool validate(const yaml::Node& document, Kind kind, const std::string& file,
                  Diagnostics& diagnostics);

    // Checks a settings file's document (`kind: Settings`) against its definition.
    bool validate_settings(const yaml::Node& document, const std::string& file,
                           Diagnostics& diagnostics);

    // Checks a document against the schema's root, as an editor does (kind picked by if/then).
    bool validate_root(const yaml::Node& document, const std::string& file,
                       Diagnostics& diagnostics);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace mailsync
