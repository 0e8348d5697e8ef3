// The fuzzing harnesses: one function per target, bytes in. scripts/fuzz builds each with
// main.cpp as libFuzzer's entry point; the unit tests (tests/unit/fuzz_inputs_test.cpp) run every
// seed and every past finding of fuzz/ through the same functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "config/mapping_file.hpp"

namespace mailsync::fuzz {

// The built-in server-to-cloud profile, loaded once.
inline const MappingProfile& default_profile() {
    static const MappingProfile loaded = [] {
        SourceFiles sources;
        Diagnostics diagnostics;
        return *load_mapping("server-to-cloud", sources, diagnostics);
    }();
    return loaded;
}

int config(const std::uint8_t* data, std::size_t size);
int import_csv(const std::uint8_t* data, std::size_t size);
int import_json(const std::uint8_t* data, std::size_t size);
int plan_file(const std::uint8_t* data, std::size_t size);
int imap_response(const std::uint8_t* data, std::size_t size);
int probe_replies(const std::uint8_t* data, std::size_t size);
int http_answers(const std::uint8_t* data, std::size_t size);
int oauth2_redirect(const std::uint8_t* data, std::size_t size);

} // namespace mailsync::fuzz
