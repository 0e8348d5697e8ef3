// The YAML loader with schema validation, decoding, the checks, the mapping and secrets: any
// bytes as one configuration file. Every diagnostic is rendered with its quoted line and caret.
#include "harnesses.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/loader.hpp"

using namespace mailsync;

int mailsync::fuzz::config(const std::uint8_t* data, std::size_t size) {
    LoadOptions options;
    options.mapping = &fuzz::default_profile();
    // Every variable is set, and some name a value the checks look at.
    options.env = [](const std::string& name) -> std::optional<std::string> {
        if (name.ends_with("PORT"))
            return "993";
        return "s3cret-" + name;
    };
    LoadedConfig loaded = load_config_text(
        "fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size), options);
    for (const Diagnostic& diagnostic : loaded.diagnostics.items())
        (void)render_diagnostic(diagnostic, loaded.sources, diagnostic.where.line % 2 == 0);
    return 0;
}
