/*
 * The control socket, both ends; see control.h. The server reads each
 * client without blocking, checks the header before it reads a byte of
 * payload, answers once and hangs up: a stuck or hostile client costs a
 * descriptor for CTL_TIMEOUT_MS at most, and never the loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "clock.h"
#include "loop.h"

#define MAX_CLIENTS	16

struct client {
	int		 fd;
	uint8_t		 in[sizeof(struct ctl_hdr) + CTL_MAX_REQUEST];
	size_t		 inlen, want;
	char		*out;
	size_t		 outlen, outoff;
	uint64_t	 deadline;
	struct control	*c;
};

struct control {
	int		 fd;
	char		 path[108];
	struct loop	*loop;
	ctl_handler	 handler;
	void		*arg;
	struct client	*cl[MAX_CLIENTS];
	struct loop_timer timer;
	uint64_t	 rejected;
};

long
ctl_request_len(uint32_t type)
{
	switch (type) {
	case CTL_GUEST_ADD:
	case CTL_GUEST_DEL:
		return (long)sizeof(struct ctl_guest);
	case CTL_RELOAD:
	case CTL_CONFIG:
		return 0;
	}
	return -1;
}

/* A name field: NUL-terminated, and given if required. Whether it is a
 * valid name is the validator's business (config/validate.c). */
static int
name_ok(const char *s, size_t len, bool required)
{
	if (memchr(s, '\0', len) == NULL)
		return 0;
	return s[0] || !required;
}

int
ctl_guest_check(const struct ctl_guest *g, uint32_t type, char *err,
    size_t errlen)
{
	if (!name_ok(g->port, sizeof(g->port), true))
		return snprintf(err, errlen, "port: missing or not "
		    "terminated"), -1;
	if (!name_ok(g->bridge, sizeof(g->bridge), type == CTL_GUEST_ADD))
		return snprintf(err, errlen, "bridge: missing or not "
		    "terminated"), -1;
	if (type == CTL_GUEST_ADD && !(g->flags & CTL_F_MAC))
		return snprintf(err, errlen, "mac: missing"), -1;
	if (g->n_ip4 > CTL_MAX_ADDRS || g->n_ip6 > CTL_MAX_ADDRS)
		return snprintf(err, errlen, "more than %d addresses",
		    CTL_MAX_ADDRS), -1;
	if (g->flags & ~(CTL_F_SAVE | CTL_F_MAC))
		return snprintf(err, errlen, "unknown flags"), -1;
	return 0;
}

void
ctl_guest_model(const struct ctl_guest *cg, struct bg_guest *g)
{
	memset(g, 0, sizeof(*g));
	memcpy(g->port, cg->port, sizeof(g->port));
	memcpy(g->mac, cg->mac, 6);
	g->ip4 = cg->n_ip4 ? (struct in_addr *)cg->ip4 : NULL;
	g->n_ip4 = cg->n_ip4;
	g->ip6 = cg->n_ip6 ? (struct in6_addr *)cg->ip6 : NULL;
	g->n_ip6 = cg->n_ip6;
}

int
ctl_sockaddr(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';	/* abstract: no NUL at the end */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '@' ? 0 : 1));
	return 0;
}

static void
client_free(struct client *cl)
{
	struct control *c = cl->c;
	size_t i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->cl[i] == cl)
			c->cl[i] = NULL;
	loop_del(c->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

/* Queues the one reply; the client is closed once it is written. */
static void
client_reply(struct client *cl, uint32_t type, const char *text, size_t len)
{
	struct ctl_hdr h = { CTL_MAGIC, type, (uint32_t)len };

	free(cl->out);
	cl->outoff = 0;
	if ((cl->out = malloc(sizeof(h) + len)) == NULL) {
		client_free(cl);
		return;
	}
	memcpy(cl->out, &h, sizeof(h));
	if (len)
		memcpy(cl->out + sizeof(h), text, len);
	cl->outlen = sizeof(h) + len;
	cl->want = 0;
	loop_mod(cl->c->loop, cl->fd, EPOLLOUT);
}

static void
client_error(struct client *cl, const char *msg)
{
	cl->c->rejected++;
	client_reply(cl, CTL_ERROR, msg, strlen(msg));
}

/* The header is in: decide how much payload this type may have. */
static int
check_header(struct client *cl)
{
	struct ctl_hdr h;
	long want;

	memcpy(&h, cl->in, sizeof(h));
	if (h.magic != CTL_MAGIC) {
		client_error(cl, "bad message: not a bridgeguard request");
		return -1;
	}
	if ((want = ctl_request_len(h.type)) < 0) {
		client_error(cl, "bad message: unknown request type");
		return -1;
	}
	if (h.len != (uint32_t)want) {
		client_error(cl, "bad message: wrong length for its type");
		return -1;
	}
	cl->want = sizeof(h) + (size_t)want;
	return 0;
}

static void
dispatch(struct client *cl)
{
	struct ctl_hdr h;
	char *reply = NULL;
	size_t rlen = 0;
	uint32_t rtype;

	memcpy(&h, cl->in, sizeof(h));
	rtype = cl->c->handler(cl->c->arg, h.type, cl->in + sizeof(h), h.len,
	    &reply, &rlen);
	if (rtype == CTL_ERROR)
		cl->c->rejected++;
	if (rlen > CTL_MAX_REPLY)
		rlen = CTL_MAX_REPLY;
	client_reply(cl, rtype, reply ? reply : "", reply ? rlen : 0);
	free(reply);
}

static void
client_read(struct client *cl)
{
	ssize_t n;

	while (cl->want && cl->inlen < cl->want) {
		n = read(cl->fd, cl->in + cl->inlen, cl->want - cl->inlen);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			client_free(cl);
			return;
		}
		if (n == -1)
			return;
		cl->inlen += (size_t)n;
		if (cl->inlen == sizeof(struct ctl_hdr) &&
		    check_header(cl) == -1)
			return;
	}
	if (cl->want && cl->inlen == cl->want)
		dispatch(cl);
}

static void
client_write(struct client *cl)
{
	ssize_t n;

	while (cl->outoff < cl->outlen) {
		n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
		cl->outoff += (size_t)n;
	}
	client_free(cl);
}

static void
client_cb(int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;

	(void)fd;
	if (cl->out)
		client_write(cl);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(cl);
}

static void
arm_timer(struct control *c)
{
	uint64_t soonest = 0;
	size_t i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->cl[i] && (soonest == 0 || c->cl[i]->deadline < soonest))
			soonest = c->cl[i]->deadline;
	if (soonest)
		loop_timer_at(&c->timer, soonest);
}

static void
timeout_cb(void *arg)
{
	struct control *c = arg;
	uint64_t now = now_ms();
	size_t i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->cl[i] && c->cl[i]->deadline <= now) {
			c->rejected++;
			client_free(c->cl[i]);
		}
	arm_timer(c);
}

/* Root only, as the socket's purpose is to change the firewall. */
static bool
peer_is_root(int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 &&
	    len == sizeof(uc) && uc.uid == 0;
}

static void
refuse(struct control *c, int fd, const char *why)
{
	struct ctl_hdr h = { CTL_MAGIC, CTL_ERROR, (uint32_t)strlen(why) };

	c->rejected++;
	send(fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT);
	send(fd, why, h.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static int
client_slot(struct control *c)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->cl[i] == NULL)
			return i;
	return -1;
}

static void
accept_cb(int lfd, uint32_t events, void *arg)
{
	struct control *c = arg;
	struct client *cl;
	int fd, slot;

	(void)events;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (!peer_is_root(fd)) {
			refuse(c, fd, "permission denied: the control socket "
			    "is for root only");
			continue;
		}
		if ((slot = client_slot(c)) == -1 ||
		    (cl = calloc(1, sizeof(*cl))) == NULL) {
			refuse(c, fd, "busy: too many control connections");
			continue;
		}
		cl->fd = fd;
		cl->c = c;
		cl->want = sizeof(struct ctl_hdr);
		cl->deadline = now_ms() + CTL_TIMEOUT_MS;
		if (loop_add(c->loop, fd, EPOLLIN, client_cb, cl) == -1) {
			close(fd);
			free(cl);
			continue;
		}
		c->cl[slot] = cl;
	}
	arm_timer(c);
}

/* A path socket left by a dead daemon is removed; a live one is not. */
static int
claim_path(const char *path, const struct sockaddr_un *sun, socklen_t len)
{
	int fd;

	if (path[0] == '@')
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)sun, len) == 0) {
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	close(fd);
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

static int
listen_on(struct control *c, const char *path)
{
	struct sockaddr_un sun;
	socklen_t len;
	mode_t old;
	int rc;

	if (ctl_sockaddr(path, &sun, &len) == -1 ||
	    claim_path(path, &sun, len) == -1 ||
	    (c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	old = umask(0077);
	rc = bind(c->fd, (struct sockaddr *)&sun, len);
	umask(old);
	if (rc == -1 || listen(c->fd, MAX_CLIENTS) == -1)
		return -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	return 0;
}

struct control *
control_open(const char *path, struct loop *loop, ctl_handler handler,
    void *arg, char *err, size_t errlen)
{
	struct control *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return NULL;
	}
	c->fd = -1;
	c->loop = loop;
	c->handler = handler;
	c->arg = arg;
	if (listen_on(c, path) == -1 ||
	    loop_add(loop, c->fd, EPOLLIN, accept_cb, c) == -1) {
		snprintf(err, errlen, "control socket %s: %s%s", path,
		    strerror(errno), errno == EADDRINUSE ? " (is another "
		    "bridgeguard daemon running here?)" : "");
		if (c->fd != -1)
			close(c->fd);
		free(c);
		return NULL;
	}
	loop_timer_add(loop, &c->timer, timeout_cb, c);
	return c;
}

void
control_close(struct control *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->cl[i])
			client_free(c->cl[i]);
	loop_timer_del(c->loop, &c->timer);
	loop_del(c->loop, c->fd);
	close(c->fd);
	if (c->path[0] && c->path[0] != '@')
		unlink(c->path);
	free(c);
}

uint64_t
control_rejected(const struct control *c)
{
	return c->rejected;
}

static int
write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;
	ssize_t n;

	while (len) {
		if ((n = send(fd, b, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, void *p, size_t len)
{
	uint8_t *b = p;
	ssize_t n;

	while (len) {
		if ((n = recv(fd, b, len, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = { 30, 0 };	/* a big reload may take a while */
	socklen_t len;
	int fd;

	if (ctl_sockaddr(path, &sun, &len) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, len) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
ctl_request(const char *path, uint32_t type, const void *payload, size_t len,
    uint32_t *rtype, char **reply, size_t *rlen, char *err, size_t errlen)
{
	struct ctl_hdr h = { CTL_MAGIC, type, (uint32_t)len };
	char *r = NULL;
	int fd, saved;

	*reply = NULL;
	*rlen = 0;
	if ((fd = ctl_connect(path)) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot reach the daemon at %s: %s%s",
		    path, strerror(saved), saved == ECONNREFUSED ||
		    saved == ENOENT ? " (is `bridgeguard run` running?)" : "");
		errno = saved;
		return -1;
	}
	/* A refusal may come before the request is written: read it. */
	if ((write_all(fd, &h, sizeof(h)) == -1 ||
	    (len && write_all(fd, payload, len) == -1)) && errno != EPIPE &&
	    errno != ECONNRESET)
		goto fail;
	if (read_all(fd, &h, sizeof(h)) == -1)
		goto fail;
	if (h.magic != CTL_MAGIC || h.len > CTL_MAX_REPLY) {
		errno = EPROTO;
		goto fail;
	}
	if ((r = malloc((size_t)h.len + 1)) == NULL ||
	    read_all(fd, r, h.len) == -1)
		goto fail;
	r[h.len] = '\0';
	close(fd);
	*rtype = h.type;
	*reply = r;
	*rlen = h.len;
	return 0;
fail:
	saved = errno;
	snprintf(err, errlen, "talking to the daemon at %s: %s", path,
	    strerror(saved));
	free(r);
	close(fd);
	errno = saved;
	return -1;
}
