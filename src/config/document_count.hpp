// How many documents a load read, per kind, and how many of them have an error: what validate
// counts, valid or not.
#pragma once

#include <cstddef>
#include <map>

#include "config/loader.hpp"

namespace mailsync {

struct DocumentCount {
    std::size_t total = 0;
    std::map<Kind, std::size_t> by_kind; // documents naming the kind, valid or not
    std::size_t unknown_kind = 0;        // naming no kind mailsync knows, or unreadable YAML
    std::size_t with_errors = 0;         // documents at which at least one error points
};

// Counts `loaded.documents`; an error belongs to the document whose lines hold its place.
DocumentCount count_documents(const LoadedConfig& loaded);

} // namespace mailsync
