// What the terminal on the other end of an output stream can show.
#pragma once

namespace mailsync {

// Colour only on a terminal, and never when NO_COLOR is set or TERM is "dumb".
bool use_color(int fd);

} // namespace mailsync
