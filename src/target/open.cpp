#include <fmt/format.h>

#include "target/sqlite_target.hpp"
#include "target/target.hpp"

namespace mailsync {

Result<std::unique_ptr<Target>> open_target(const std::string& spec) {
    if (spec.starts_with("sqlite:")) {
        auto target = SqliteTarget::open(spec);
        if (!target)
            return std::unexpected(target.error());
        return std::unique_ptr<Target>(std::move(*target));
    }
    return fail(fmt::format("unknown target '{}'; mailsync knows sqlite:PATH", spec));
}

} // namespace mailsync
