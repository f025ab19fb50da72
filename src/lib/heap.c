/* Heap accounting; see heap.h. */
#include <malloc.h>

#include "heap.h"

/* Defined by the sanitizer runtimes only; NULL in a plain build. */
extern size_t __sanitizer_get_current_allocated_bytes(void)
    __attribute__((weak));

size_t
heap_in_use(void)
{
	struct mallinfo2 mi;

	if (__sanitizer_get_current_allocated_bytes)
		return __sanitizer_get_current_allocated_bytes();
	mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}
