/* The daemon's metrics as Prometheus text (stats.c). */
#ifndef BG_STATS_H
#define BG_STATS_H

#include <stdio.h>

/* Writes every metric; arg is the struct daemon. */
void	stats_render(void *arg, FILE *);

#endif
