#include <fmt/format.h>

#include "target/http_target.hpp"
#include "target/sqlite_target.hpp"
#include "target/target.hpp"

namespace mailsync {

Result<std::unique_ptr<Target>> open_target(const std::string& spec, const TargetOptions& options) {
    if (spec.starts_with("sqlite:")) {
        auto target = SqliteTarget::open(spec);
        if (!target)
            return std::unexpected(target.error());
        return std::unique_ptr<Target>(std::move(*target));
    }
    if (spec.starts_with("https://") || spec.starts_with("http://")) {
        auto target = HttpTarget::open(spec, options);
        if (!target)
            return std::unexpected(target.error());
        return std::unique_ptr<Target>(std::move(*target));
    }
    return fail(fmt::format("unknown target '{}'; mailsync knows sqlite:PATH and "
                            "https://HOST/BASE",
                            spec));
}

} // namespace mailsync
