#include "support/json_schema.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "support/process.hpp"

namespace mailsync::test {

namespace {

// A "$ref" to another file of schemas/ ("test.schema.json" within "$id"'s folder).
const nlohmann::json* fetch_schema(const std::string& uri) {
    std::string name = uri.substr(uri.rfind('/') + 1);
    return new nlohmann::json(
        nlohmann::json::parse(read_file(std::string(MAILSYNC_SOURCE_DIR "/schemas/") + name)));
}

void free_schema(const nlohmann::json* document) {
    delete document;
}

} // namespace

std::vector<std::string> schema_violations(const nlohmann::json& schema_document,
                                           const nlohmann::json& instance, SchemaDraft draft) {
    valijson::Schema schema;
    valijson::SchemaParser parser(draft == SchemaDraft::draft4 ? valijson::SchemaParser::kDraft4
                                                               : valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_document);
    parser.populateSchema(schema_adapter, schema, fetch_schema, free_schema);
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(instance);
    validator.validate(schema, adapter, &results);
    std::vector<std::string> out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        std::string path;
        for (const std::string& step : error.context)
            path += step;
        out.push_back(path + ": " + error.description);
    }
    return out;
}

std::vector<std::string> schema_file_violations(const std::string& schema_file,
                                                const nlohmann::json& instance) {
    return schema_violations(nlohmann::json::parse(read_file(
                                 std::string(MAILSYNC_SOURCE_DIR "/schemas/") + schema_file)),
                             instance);
}

} // namespace mailsync::test
