/* The monotonic clock, for timers and timings. */
#ifndef BG_CLOCK_H
#define BG_CLOCK_H

#include <stdint.h>

uint64_t	now_ms(void);
uint64_t	now_us(void);

#endif
