// One YAML document → one typed resource: header checks, schema, then the fields.
#pragma once

#include <string>

#include "config/schema.hpp"
#include "config/yaml_tree.hpp"
#include "model/resources.hpp"
#include "util/diagnostics.hpp"

namespace mailsync {

// Checks the document's apiVersion and kind, validates it with the schema and, if it is valid,
// appends the resource to `config`. Returns false when the document had errors.
bool decode_document(const yaml::Document& document, const std::string& file,
                     SchemaValidator& schema, Config& config, Diagnostics& diagnostics);

} // namespace mailsync
