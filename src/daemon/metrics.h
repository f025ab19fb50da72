/*
 * `--metrics ADDR:PORT`: a minimal HTTP/1.0 server for Prometheus. It
 * answers GET /metrics (and GET /) with what render writes, then closes;
 * requests are read without blocking, bounded in size and time.
 */
#ifndef BG_METRICS_H
#define BG_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct loop;
struct metrics;

typedef void	(*metrics_render)(void *arg, FILE *);

/* addr is IPv4:port or [IPv6]:port. */
struct metrics	*metrics_open(const char *addr, struct loop *, metrics_render,
	    void *arg, char *err, size_t errlen);
void	metrics_close(struct metrics *);

#endif
