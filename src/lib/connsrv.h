/*
 * A listening socket whose connections each carry one request and get one
 * reply, in the event loop: the server behind the control socket and the
 * /metrics endpoint. Connections are read without blocking into a bounded
 * buffer, each has a deadline, and there are at most a fixed number: a
 * stuck or hostile client costs a slot for the timeout at most, and never
 * the loop.
 */
#ifndef BG_CONNSRV_H
#define BG_CONNSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct connsrv;
struct conn;
struct loop;

enum conn_state { CONN_MORE, CONN_DONE };

struct connsrv_ops {
	/*
	 * A new connection, busy if no slot is free: 0 to serve it, -1 to
	 * refuse it (the hook may write a last word to fd first). NULL:
	 * serve it if a slot is free.
	 */
	int		(*accept)(void *arg, int fd, bool busy);
	/*
	 * What the client sent so far, buf[0..len). CONN_DONE once it called
	 * conn_reply() or conn_close() (c must not be used after); CONN_MORE
	 * to wait for more, which a full buffer refuses.
	 */
	enum conn_state	(*input)(void *arg, struct conn *c, const uint8_t *buf,
			    size_t len);
};

struct connsrv_conf {
	size_t		 max_conns;
	size_t		 max_request;	/* bytes a request may have */
	int		 timeout_ms;	/* from accept to the reply written */
};

/* Serves the listening socket fd, which it then owns. NULL with errno
 * (fd is then still the caller's). */
struct connsrv	*connsrv_new(int fd, struct loop *, const struct connsrv_conf *,
		    const struct connsrv_ops *, void *arg);
/* Closes every connection and the listening socket. */
void	connsrv_free(struct connsrv *);
/* Queues the one reply (copied); the connection closes once it is sent. */
void	conn_reply(struct conn *, const void *data, size_t len);
void	conn_close(struct conn *);
/* Connections closed for taking too long, or for too long a request. */
uint64_t	connsrv_dropped(const struct connsrv *);

#endif
