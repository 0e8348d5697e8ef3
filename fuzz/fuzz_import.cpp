// `mailsync import`: any bytes as a Server export (JSON) or an account list / migration list
// (CSV). Every diagnostic is rendered; the YAML written for every resource must read back.
#include "harnesses.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "config/writer.hpp"
#include "config/yaml_tree.hpp"
#include "import/importer.hpp"

using namespace mailsync;

namespace {

int import_one(const std::uint8_t* data, std::size_t size, ImportFormat format,
               const std::string& file) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    MigrationTarget destination;
    destination.host = "imap.example.test";
    destination.domain = "example.test";
    ImportResult result = import_text(text, file, fuzz::default_profile(), format, destination);
    for (const Diagnostic& diagnostic : result.diagnostics.items())
        (void)render_diagnostic(diagnostic, result.sources, false);
    // What import writes must read back as YAML: a name or value it quotes wrongly would make
    // the reviewed files unusable.
    for (const WrittenResource& resource : result.resources) {
        Diagnostics diagnostics;
        std::vector<yaml::Document> documents =
            yaml::parse(resource.yaml, "written.yaml", diagnostics);
        if (diagnostics.has_errors() || documents.size() != 1) {
            std::fprintf(stderr, "import wrote YAML that does not read back:\n%s\n",
                         resource.yaml.c_str());
            std::abort();
        }
    }
    return 0;
}

} // namespace

int mailsync::fuzz::import_csv(const std::uint8_t* data, std::size_t size) {
    return import_one(data, size, ImportFormat::csv, "fuzz.csv");
}

int mailsync::fuzz::import_json(const std::uint8_t* data, std::size_t size) {
    return import_one(data, size, ImportFormat::json, "fuzz.json");
}
