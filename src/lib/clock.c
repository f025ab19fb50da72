/* The monotonic clock; see clock.h. */
#include <time.h>

#include "clock.h"

uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
now_ms(void)
{
	return now_us() / 1000;
}
