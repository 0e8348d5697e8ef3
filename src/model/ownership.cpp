#include "model/ownership.hpp"

#include <fmt/format.h>

namespace mailsync {

bool is_scope_name(std::string_view name) {
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (name.empty() || name.size() > 63 || !alnum(name.front()) || !alnum(name.back()))
        return false;
    for (char c : name) {
        if (!alnum(c) && c != '.' && c != '_' && c != '-')
            return false;
    }
    return true;
}

std::string describe_scope(const std::string& scope) {
    return scope.empty() ? std::string("no scope") : fmt::format("scope '{}'", scope);
}

} // namespace mailsync
