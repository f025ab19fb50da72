/*
 * `--metrics ADDR:PORT`: a minimal HTTP/1.0 server for Prometheus. It
 * answers GET /metrics (and GET /) with what render writes, then closes;
 * requests are read without blocking, bounded in size and time.
 */
#ifndef BG_METRICS_HTTP_H
#define BG_METRICS_HTTP_H

#include <stdint.h>
#include <stdio.h>

struct loop;
struct metrics_http;

typedef void	(*metrics_render_fn)(void *arg, FILE *);

/* addr is IPv4:port or [IPv6]:port. */
struct metrics_http	*metrics_http_open(const char *addr, struct loop *,
	    metrics_render_fn,
	    void *arg, char *err, size_t errlen);
void	metrics_http_close(struct metrics_http *);

#endif
