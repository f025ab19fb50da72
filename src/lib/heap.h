/* What the process holds on its heap, for /metrics and the memory tests. */
#ifndef BG_HEAP_H
#define BG_HEAP_H

#include <stddef.h>

/*
 * Bytes allocated and not freed: the sanitizer's count in an ASan build
 * (its allocator replaces malloc, and its RSS includes shadow memory and
 * caches), else glibc's (mallinfo2: in use in the arenas, and mmap'ed).
 */
size_t	heap_in_use(void);

#endif
