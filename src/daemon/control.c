/*
 * The control socket's protocol and its server; see control.h (the client
 * is cli/client.c). The server (lib/connsrv.c) reads each client without
 * blocking; the header is checked before any payload is used; one answer,
 * and it hangs up: a stuck or hostile client costs a descriptor for
 * CTL_TIMEOUT_MS at most, and never the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "connsrv.h"

#define MAX_CLIENTS	16

struct control {
	struct connsrv	*srv;
	char		 path[108];
	ctl_handler	 handler;
	void		*arg;
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

/* A name field: NUL-terminated, NULs only after it ("a\0b" is not "a"),
 * and given if required. Whether it is a valid name is the validator's
 * business (config/validate.c). */
static int
name_ok(const char *s, size_t len, bool required)
{
	const char *end = memchr(s, '\0', len);

	if (end == NULL)
		return 0;
	for (; end < s + len; end++)
		if (*end)
			return 0;
	return s[0] || !required;
}

int
ctl_guest_check(const struct ctl_guest *g, uint32_t type, char *err,
    size_t errlen)
{
	if (!name_ok(g->port, sizeof(g->port), true))
		return snprintf(err, errlen, "port: missing, not "
		    "terminated, or with a NUL inside"), -1;
	if (!name_ok(g->bridge, sizeof(g->bridge), type == CTL_GUEST_ADD))
		return snprintf(err, errlen, "bridge: missing, not "
		    "terminated, or with a NUL inside"), -1;
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

/*
 * The process at the other end of a connected socket (SO_PEERCRED): for
 * a client, the one that made the listening socket. 0, or -1 with errno.
 */
static int
ctl_peer(int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) == -1)
		return -1;
	if (len != sizeof(*uc)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int
ctl_peer_check(int fd, char *err, size_t errlen)
{
	struct ucred uc;

	if (ctl_peer(fd, &uc) == -1)
		return snprintf(err, errlen, "whose socket it is: %s",
		    strerror(errno)), -1;
	if (uc.uid != 0 || uc.pid <= 0)
		return snprintf(err, errlen, "it is held by pid %ld, uid %ld, "
		    "not by root's daemon: someone took its name (not asked)",
		    (long)uc.pid, (long)uc.uid), -1;
	return 0;
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

/* A reply: the header and its text. */
static void
reply(struct conn *cl, uint32_t type, const char *text, size_t len)
{
	struct ctl_hdr h = { CTL_MAGIC, type, (uint32_t)len };
	char *buf;

	if ((buf = malloc(sizeof(h) + len)) == NULL) {
		conn_close(cl);
		return;
	}
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), text, len);
	conn_reply(cl, buf, sizeof(h) + len);
	free(buf);
}

static enum conn_state
reject(struct control *c, struct conn *cl, const char *msg)
{
	c->rejected++;
	reply(cl, CTL_ERROR, msg, strlen(msg));
	return CONN_DONE;
}

static void
dispatch(struct control *c, struct conn *cl, const struct ctl_hdr *h,
    const uint8_t *payload)
{
	char *text = NULL;
	size_t rlen = 0;
	uint32_t rtype;

	rtype = c->handler(c->arg, h->type, payload, h->len, &text, &rlen);
	if (rtype == CTL_ERROR)
		c->rejected++;
	if (rlen > CTL_MAX_REPLY)
		rlen = CTL_MAX_REPLY;
	reply(cl, rtype, text ? text : "", text ? rlen : 0);
	free(text);
}

/* The header decides how much payload the request may have. */
enum ctl_decoded
ctl_decode(const uint8_t *buf, size_t len, struct ctl_hdr *h,
    const char **why)
{
	long want;

	*why = NULL;
	if (len < sizeof(*h))
		return CTL_D_MORE;
	memcpy(h, buf, sizeof(*h));
	if (h->magic != CTL_MAGIC)
		*why = "bad message: not a bridgeguard request";
	else if ((want = ctl_request_len(h->type)) < 0)
		*why = "bad message: unknown request type";
	else if (h->len != (uint32_t)want)
		*why = "bad message: wrong length for its type";
	else if (len < sizeof(*h) + (size_t)want)
		return CTL_D_MORE;
	return *why ? CTL_D_BAD : CTL_D_REQUEST;
}

static enum conn_state
input(void *arg, struct conn *cl, const uint8_t *buf, size_t len)
{
	struct control *c = arg;
	struct ctl_hdr h;
	const char *why;

	switch (ctl_decode(buf, len, &h, &why)) {
	case CTL_D_MORE:
		return CONN_MORE;
	case CTL_D_BAD:
		return reject(c, cl, why);
	case CTL_D_REQUEST:
		break;
	}
	dispatch(c, cl, &h, buf + sizeof(h));
	return CONN_DONE;
}

/* Root only, as the socket's purpose is to change the firewall. */
static bool
peer_is_root(int fd)
{
	struct ucred uc;

	return ctl_peer(fd, &uc) == 0 && uc.uid == 0;
}

static void
refuse(struct control *c, int fd, const char *why)
{
	struct ctl_hdr h = { CTL_MAGIC, CTL_ERROR, (uint32_t)strlen(why) };

	c->rejected++;
	send(fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT);
	send(fd, why, h.len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int
accept_hook(void *arg, int fd, bool busy)
{
	struct control *c = arg;

	if (!peer_is_root(fd)) {
		refuse(c, fd, "permission denied: the control socket is for "
		    "root only");
		return -1;
	}
	if (busy) {
		refuse(c, fd, "busy: too many control connections");
		return -1;
	}
	return 0;
}

/*
 * Who listens on the name: 0 and *uc if someone does (a daemon, or a
 * squatter), -1 if no one.
 */
static int
holder(const struct sockaddr_un *sun, socklen_t len, struct ucred *uc)
{
	int fd, rc = -1;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)sun, len) == 0 &&
	    ctl_peer(fd, uc) == 0)
		rc = 0;
	close(fd);
	return rc;
}

/* A path socket left by a dead daemon is removed; a live one is not. */
static int
claim_path(const char *path, const struct sockaddr_un *sun, socklen_t len,
    struct ucred *uc)
{
	if (holder(sun, len, uc) == 0) {
		errno = EADDRINUSE;
		return -1;
	}
	if (path[0] == '@')
		return 0;
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

static int
listen_on(const char *path, struct ucred *uc)
{
	struct sockaddr_un sun;
	socklen_t len;
	mode_t old;
	int fd, rc, e;

	if (ctl_sockaddr(path, &sun, &len) == -1 ||
	    claim_path(path, &sun, len, uc) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	old = umask(0077);
	rc = bind(fd, (struct sockaddr *)&sun, len);
	umask(old);
	if (rc == -1 || listen(fd, MAX_CLIENTS) == -1) {
		e = errno;
		/* Taken between the look and the bind: whose is it? */
		if (e == EADDRINUSE)
			holder(&sun, len, uc);
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Why the name is taken, in words: a daemon, or someone else. */
static void
taken(const char *path, const struct ucred *uc, char *err, size_t errlen)
{
	if (uc->pid == 0)
		snprintf(err, errlen, "control socket %s: %s (is another "
		    "bridgeguard daemon running here, or has another process "
		    "taken the name?)", path, strerror(EADDRINUSE));
	else if (uc->uid == 0)
		snprintf(err, errlen, "control socket %s: %s by pid %ld (is "
		    "another bridgeguard daemon running here?)", path,
		    strerror(EADDRINUSE), (long)uc->pid);
	else
		snprintf(err, errlen, "control socket %s is taken by pid %ld, "
		    "uid %ld, not a daemon of root's: refusing to start (stop "
		    "that process, or give --socket another name)", path,
		    (long)uc->pid, (long)uc->uid);
}

struct control *
control_open(const char *path, struct loop *loop, ctl_handler handler,
    void *arg, char *err, size_t errlen)
{
	static const struct connsrv_ops ops = { accept_hook, input };
	const struct connsrv_conf conf = { MAX_CLIENTS,
	    sizeof(struct ctl_hdr) + CTL_MAX_REQUEST, CTL_TIMEOUT_MS };
	struct ucred uc = { 0, 0, 0 };
	struct control *c;
	int fd = -1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->handler = handler;
	c->arg = arg;
	if ((fd = listen_on(path, &uc)) == -1 ||
	    (c->srv = connsrv_new(fd, loop, &conf, &ops, c)) == NULL)
		goto fail;
	snprintf(c->path, sizeof(c->path), "%s", path);
	return c;
fail:
	if (errno == EADDRINUSE)
		taken(path, &uc, err, errlen);
	else
		snprintf(err, errlen, "control socket %s: %s", path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	free(c);
	return NULL;
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	connsrv_free(c->srv);
	if (c->path[0] && c->path[0] != '@')
		unlink(c->path);
	free(c);
}

uint64_t
control_rejected(const struct control *c)
{
	/* Those that timed out too. */
	return c->rejected + connsrv_dropped(c->srv);
}
