#include "util/memory.hpp"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace mailsync {

void release_free_memory() {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

} // namespace mailsync
