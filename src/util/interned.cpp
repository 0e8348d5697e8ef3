#include "util/interned.hpp"

#include <functional>
#include <mutex>
#include <ostream>
#include <unordered_set>

namespace mailsync {

namespace {

// The empty text, made on first use: an Interned may be made before main().
const std::string& no_text() {
    static const std::string text;
    return text;
}

struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
        return std::hash<std::string_view>{}(text);
    }
};

// Every text once; a node-based set keeps each string where it is, through rehashing too. The last
// text a thread used answers without the lock: places come file by file, fields action by action.
const std::string* interned(std::string_view text) {
    if (text.empty())
        return &no_text();
    thread_local const std::string* last = nullptr;
    if (last != nullptr && *last == text)
        return last;
    static std::mutex mutex;
    static std::unordered_set<std::string, TextHash, std::equal_to<>> texts;
    std::lock_guard lock(mutex);
    auto found = texts.find(text);
    if (found == texts.end())
        found = texts.emplace(text).first;
    last = &*found;
    return last;
}

} // namespace

Interned::Interned() : m_text(&no_text()) {}

Interned::Interned(std::string_view text) : m_text(interned(text)) {}

std::ostream& operator<<(std::ostream& out, const Interned& text) {
    return out << text.str();
}

} // namespace mailsync
