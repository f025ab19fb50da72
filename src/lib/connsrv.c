/* One request, one reply per connection; see connsrv.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "connsrv.h"
#include "loop.h"

struct conn {
	int		 fd;
	uint8_t		*in;
	size_t		 inlen;
	uint8_t		*out;
	size_t		 outlen, outoff;
	uint64_t	 deadline;
	struct connsrv	*srv;
};

struct connsrv {
	int		 fd;
	struct loop	*loop;
	struct connsrv_conf conf;
	struct connsrv_ops ops;
	void		*arg;
	struct conn	**conns;	/* conf.max_conns slots */
	struct loop_timer timer;
	uint64_t	 dropped;
};

void
conn_close(struct conn *c)
{
	struct connsrv *s = c->srv;
	size_t i;

	for (i = 0; i < s->conf.max_conns; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	loop_del(s->loop, c->fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

void
conn_reply(struct conn *c, const void *data, size_t len)
{
	free(c->out);
	c->outoff = 0;
	if ((c->out = malloc(len ? len : 1)) == NULL) {
		conn_close(c);
		return;
	}
	if (len)
		memcpy(c->out, data, len);
	c->outlen = len;
	loop_mod(c->srv->loop, c->fd, EPOLLOUT);
}

static void
conn_write(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
		c->outoff += (size_t)n;
	}
	conn_close(c);
}

static void
conn_read(struct conn *c)
{
	struct connsrv *s = c->srv;
	ssize_t n;

	n = recv(c->fd, c->in + c->inlen, s->conf.max_request - c->inlen, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->inlen += (size_t)n;
	if (s->ops.input(s->arg, c, c->in, c->inlen) == CONN_DONE)
		return;
	if (c->inlen == s->conf.max_request) {	/* too long: no answer */
		s->dropped++;
		conn_close(c);
	}
}

static void
conn_cb(int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (c->out)
		conn_write(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(c);
}

static void
arm(struct connsrv *s)
{
	uint64_t soonest = 0;
	size_t i;

	for (i = 0; i < s->conf.max_conns; i++)
		if (s->conns[i] && (soonest == 0 ||
		    s->conns[i]->deadline < soonest))
			soonest = s->conns[i]->deadline;
	if (soonest)
		loop_timer_at(&s->timer, soonest);
}

static void
timeout_cb(void *arg)
{
	struct connsrv *s = arg;
	uint64_t now = now_ms();
	size_t i;

	for (i = 0; i < s->conf.max_conns; i++)
		if (s->conns[i] && s->conns[i]->deadline <= now) {
			s->dropped++;
			conn_close(s->conns[i]);
		}
	arm(s);
}

static long
free_slot(const struct connsrv *s)
{
	size_t i;

	for (i = 0; i < s->conf.max_conns; i++)
		if (s->conns[i] == NULL)
			return (long)i;
	return -1;
}

static void
serve(struct connsrv *s, int fd)
{
	long slot = free_slot(s);
	struct conn *c = NULL;

	if ((s->ops.accept && s->ops.accept(s->arg, fd, slot < 0) == -1) ||
	    slot < 0 || (c = calloc(1, sizeof(*c))) == NULL ||
	    (c->in = malloc(s->conf.max_request)) == NULL) {
		if (c)
			free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->srv = s;
	c->deadline = now_ms() + (uint64_t)s->conf.timeout_ms;
	if (loop_add(s->loop, fd, EPOLLIN, conn_cb, c) == -1) {
		close(fd);
		free(c->in);
		free(c);
		return;
	}
	s->conns[slot] = c;
}

static void
accept_cb(int lfd, uint32_t events, void *arg)
{
	struct connsrv *s = arg;
	int fd;

	(void)events;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1)
		serve(s, fd);
	arm(s);
}

struct connsrv *
connsrv_new(int fd, struct loop *loop, const struct connsrv_conf *conf,
    const struct connsrv_ops *ops, void *arg)
{
	struct connsrv *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->conns = calloc(conf->max_conns, sizeof(*s->conns))) == NULL)
		goto err;
	s->fd = fd;
	s->loop = loop;
	s->conf = *conf;
	s->ops = *ops;
	s->arg = arg;
	if (loop_add(loop, fd, EPOLLIN, accept_cb, s) == -1)
		goto err;
	loop_timer_add(loop, &s->timer, timeout_cb, s);
	return s;
err:
	if (s)
		free(s->conns);
	free(s);
	return NULL;
}

void
connsrv_free(struct connsrv *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->conf.max_conns; i++)
		if (s->conns[i])
			conn_close(s->conns[i]);
	loop_timer_del(s->loop, &s->timer);
	loop_del(s->loop, s->fd);
	close(s->fd);
	free(s->conns);
	free(s);
}

uint64_t
connsrv_dropped(const struct connsrv *s)
{
	return s->dropped;
}
