/* The /metrics endpoint; see metrics.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "metrics.h"

#define MAX_CONNS	8
#define REQ_MAX		4096
#define CONN_TIMEOUT_MS	5000

struct conn {
	int		 fd;
	char		 req[REQ_MAX + 1];
	size_t		 len;
	char		*out;
	size_t		 outlen, outoff;
	uint64_t	 deadline;
	struct metrics	*m;
};

struct metrics {
	int		 fd;
	struct loop	*loop;
	metrics_render	 render;
	void		*arg;
	struct conn	*c[MAX_CONNS];
	struct loop_timer timer;
};

static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;
	size_t hl;

	if (colon == NULL || (hl = (size_t)(colon - s)) == 0 ||
	    hl >= sizeof(host))
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ?
		    0 : -1;
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	*len = sizeof(struct sockaddr_in);
	return inet_pton(AF_INET, host,
	    &((struct sockaddr_in *)ss)->sin_addr) == 1 ? 0 : -1;
}

static void
conn_free(struct conn *c)
{
	size_t i;

	for (i = 0; i < MAX_CONNS; i++)
		if (c->m->c[i] == c)
			c->m->c[i] = NULL;
	loop_del(c->m->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void
respond(struct conn *c, const char *status, const char *body, size_t blen)
{
	char head[256];
	int hl;

	hl = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Type: "
	    "text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: %zu"
	    "\r\nConnection: close\r\n\r\n", status, blen);
	if ((c->out = malloc((size_t)hl + blen)) == NULL) {
		conn_free(c);
		return;
	}
	memcpy(c->out, head, (size_t)hl);
	memcpy(c->out + hl, body, blen);
	c->outlen = (size_t)hl + blen;
	loop_mod(c->m->loop, c->fd, EPOLLOUT);
}

static void
handle(struct conn *c)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *f;

	if (strncmp(c->req, "GET /metrics ", 13) != 0 &&
	    strncmp(c->req, "GET / ", 6) != 0) {
		respond(c, "404 Not Found", "try /metrics\n", 13);
		return;
	}
	if ((f = open_memstream(&body, &blen)) == NULL) {
		conn_free(c);
		return;
	}
	c->m->render(c->m->arg, f);
	fclose(f);
	respond(c, "200 OK", body, blen);
	free(body);
}

static void
conn_cb(int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	ssize_t n;

	(void)events;
	if (c->out) {
		n = send(fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n > 0)
			c->outoff += (size_t)n;
		if ((n == -1 && errno != EAGAIN) || c->outoff == c->outlen)
			conn_free(c);
		return;
	}
	n = recv(fd, c->req + c->len, REQ_MAX - c->len, 0);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_free(c);
		return;
	}
	if (n > 0)
		c->len += (size_t)n;
	c->req[c->len] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		handle(c);
	else if (c->len == REQ_MAX)
		respond(c, "431 Request Header Fields Too Large", "", 0);
}

static void
timeout_cb(void *arg)
{
	struct metrics *m = arg;
	uint64_t now = now_ms(), soonest = 0;
	size_t i;

	for (i = 0; i < MAX_CONNS; i++)
		if (m->c[i] && m->c[i]->deadline <= now)
			conn_free(m->c[i]);
	for (i = 0; i < MAX_CONNS; i++)
		if (m->c[i] && (!soonest || m->c[i]->deadline < soonest))
			soonest = m->c[i]->deadline;
	if (soonest)
		loop_timer_at(&m->timer, soonest);
}

static void
accept_cb(int lfd, uint32_t events, void *arg)
{
	struct metrics *m = arg;
	struct conn *c;
	size_t i;
	int fd;

	(void)events;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		for (i = 0; i < MAX_CONNS && m->c[i]; i++)
			;
		if (i == MAX_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->m = m;
		c->deadline = now_ms() + CONN_TIMEOUT_MS;
		if (loop_add(m->loop, fd, EPOLLIN, conn_cb, c) == -1) {
			close(fd);
			free(c);
			continue;
		}
		m->c[i] = c;
		if (m->timer.when == 0)
			loop_timer_at(&m->timer, c->deadline);
	}
}

struct metrics *
metrics_open(const char *addr, struct loop *loop, metrics_render render,
    void *arg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct metrics *m;
	socklen_t len;
	int one = 1;

	if (parse_addr(addr, &ss, &len) == -1) {
		snprintf(err, errlen, "--metrics %s: not ADDR:PORT", addr);
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto fail;
	m->loop = loop;
	m->render = render;
	m->arg = arg;
	if ((m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(m->fd, MAX_CONNS) == -1 ||
	    loop_add(loop, m->fd, EPOLLIN, accept_cb, m) == -1)
		goto fail;
	loop_timer_add(loop, &m->timer, timeout_cb, m);
	return m;
fail:
	snprintf(err, errlen, "metrics on %s: %s", addr, strerror(errno));
	if (m && m->fd > 0)
		close(m->fd);
	free(m);
	return NULL;
}

void
metrics_close(struct metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < MAX_CONNS; i++)
		if (m->c[i])
			conn_free(m->c[i]);
	loop_timer_del(m->loop, &m->timer);
	loop_del(m->loop, m->fd);
	close(m->fd);
	free(m);
}
