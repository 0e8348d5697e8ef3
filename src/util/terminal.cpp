#include "util/terminal.hpp"

#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace mailsync {

bool use_color(int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0')
        return false;
    const char* term = std::getenv("TERM");
    if (term != nullptr && std::string_view(term) == "dumb")
        return false;
    return isatty(fd) == 1;
}

} // namespace mailsync
