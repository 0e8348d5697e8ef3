// Giving freed memory back to the system.
#pragma once

namespace mailsync {

// The allocator keeps what was freed for later use, each thread's arena its own; after a phase
// that freed much (the loader's parse trees, a plan's texts for the reader), this hands the free
// pages back, so that the next phase does not stand on top of them. A no-op off glibc.
void release_free_memory();

} // namespace mailsync
