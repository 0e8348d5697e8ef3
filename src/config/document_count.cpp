#include "config/document_count.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mailsync {

DocumentCount count_documents(const LoadedConfig& loaded) {
    DocumentCount count;
    const std::vector<DocumentRead>& documents = loaded.documents;
    count.total = documents.size();
    for (const DocumentRead& document : documents) {
        if (document.kind)
            ++count.by_kind[*document.kind];
        else
            ++count.unknown_kind;
    }

    // The documents of each file: a run of `documents`, in line order.
    std::unordered_map<std::string_view, std::size_t> file_index;
    for (std::size_t i = 0; i < loaded.files.size(); ++i)
        file_index.emplace(loaded.files[i], i);
    std::vector<std::size_t> first(loaded.files.size() + 1, documents.size());
    for (std::size_t i = documents.size(); i-- > 0;)
        first[documents[i].file] = i;
    for (std::size_t f = loaded.files.size(); f-- > 0;)
        first[f] = std::min(first[f], first[f + 1]);

    std::vector<bool> broken(documents.size(), false);
    for (const Diagnostic& diagnostic : loaded.diagnostics.items()) {
        auto file = file_index.find(diagnostic.where.file.str());
        if (diagnostic.severity != Severity::error || diagnostic.where.line <= 0 ||
            file == file_index.end())
            continue;
        auto begin = documents.begin() + static_cast<std::ptrdiff_t>(first[file->second]);
        auto end = documents.begin() + static_cast<std::ptrdiff_t>(first[file->second + 1]);
        auto after = std::upper_bound(
            begin, end, diagnostic.where.line,
            [](int line, const DocumentRead& document) { return line < document.line; });
        if (after != begin)
            broken[static_cast<std::size_t>(after - documents.begin()) - 1] = true;
    }
    count.with_errors = static_cast<std::size_t>(std::count(broken.begin(), broken.end(), true));
    return count;
}

} // namespace mailsync
