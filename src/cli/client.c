/*
 * The client of the control socket (daemon/control.h): `guest add|del`,
 * `reload`, and the daemon's policy for `status`. Arguments are parsed and
 * checked here, so the daemon receives binary fields only (and checks them
 * again).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "control.h"
#include "log.h"

/* The transport: one request, one reply, with timeouts. */
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

static int
ctl_request(const char *path, uint32_t type, const void *payload, size_t len,
    uint32_t *rtype, char **reply, size_t *rlen, char *err, size_t errlen)
{
	struct ctl_hdr h = { CTL_MAGIC, type, (uint32_t)len };
	char *r = NULL, msg[256];
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
	/* Nothing is sent to, or read from, a squatter on the name. */
	if (ctl_peer_check(fd, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "the control socket %s: %s", path, msg);
		close(fd);
		errno = EPERM;
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

static const char *
sock_path(const struct bg_opts *o)
{
	return o->socket ? o->socket : CTL_SOCKET;
}

static int
parse_addrs(const struct bg_opts *o, struct ctl_guest *g)
{
	size_t i;

	for (i = 0; i < o->n_ipv4; i++)
		if (inet_pton(AF_INET, o->ipv4[i], &g->ip4[i]) != 1) {
			log_warnx("--ipv4 %s: not an IPv4 address", o->ipv4[i]);
			return -1;
		}
	for (i = 0; i < o->n_ipv6; i++)
		if (inet_pton(AF_INET6, o->ipv6[i], &g->ip6[i]) != 1) {
			log_warnx("--ipv6 %s: not an IPv6 address", o->ipv6[i]);
			return -1;
		}
	g->n_ip4 = (uint32_t)o->n_ipv4;
	g->n_ip6 = (uint32_t)o->n_ipv6;
	return 0;
}

static int
guest_args(const struct bg_opts *o, bool add, struct ctl_guest *g)
{
	struct bg_guest model;
	char err[256];

	memset(g, 0, sizeof(*g));
	if (o->port == NULL || (add && (o->bridge == NULL || o->mac == NULL))) {
		log_warnx("guest %s needs --port%s", add ? "add" : "del",
		    add ? ", --bridge and --mac" : "");
		return -1;
	}
	if (!ifname_valid(o->port) || (o->bridge && !ifname_valid(o->bridge))) {
		log_warnx("--%s %s: not a valid interface name",
		    ifname_valid(o->port) ? "bridge" : "port",
		    ifname_valid(o->port) ? o->bridge : o->port);
		return -1;
	}
	snprintf(g->port, sizeof(g->port), "%s", o->port);
	if (o->bridge)
		snprintf(g->bridge, sizeof(g->bridge), "%s", o->bridge);
	if (o->mac) {
		if (mac_parse(o->mac, g->mac) == -1) {
			log_warnx("--mac %s: not a MAC address", o->mac);
			return -1;
		}
		g->flags |= CTL_F_MAC;
	}
	if (o->save)
		g->flags |= CTL_F_SAVE;
	if (parse_addrs(o, g) == -1)
		return -1;
	if (ctl_guest_check(g, add ? CTL_GUEST_ADD : CTL_GUEST_DEL, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	/* The daemon validates it too; bad fields are usage errors here. */
	ctl_guest_model(g, &model);
	if (add && guest_check(&model, err, sizeof(err)) == -1) {
		log_warnx("guest add: %s", err);
		return -1;
	}
	return 0;
}

/* One request; prints the daemon's answer. */
static int
request(struct bg_opts *o, uint32_t type, const void *p, size_t len)
{
	char err[512], *reply;
	size_t rlen;
	uint32_t rtype;

	if (ctl_request(sock_path(o), type, p, len, &rtype, &reply, &rlen,
	    err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return EXIT_RUNTIME;
	}
	if (rtype != CTL_OK) {
		log_warnx("%s", rlen ? reply : "the daemon refused");
		free(reply);
		return EXIT_RUNTIME;
	}
	if (rlen && o->verbose)
		printf("%s\n", reply);
	free(reply);
	return 0;
}

int
ctl_guest_cmd(struct bg_opts *o)
{
	struct ctl_guest g;
	bool add;

	if (o->argc != 1 || (strcmp(o->argv[0], "add") != 0 &&
	    strcmp(o->argv[0], "del") != 0)) {
		log_warnx("usage: bridgeguard guest add|del --port P "
		    "[--bridge B] [--mac M] [--ipv4 A]... [--ipv6 A]... "
		    "[--save]");
		return EXIT_CONFIG;
	}
	add = strcmp(o->argv[0], "add") == 0;
	if (guest_args(o, add, &g) == -1)
		return EXIT_CONFIG;
	return request(o, add ? CTL_GUEST_ADD : CTL_GUEST_DEL, &g, sizeof(g));
}

int
ctl_reload_cmd(struct bg_opts *o)
{
	if (o->argc != 0) {
		log_warnx("usage: bridgeguard reload");
		return EXIT_CONFIG;
	}
	return request(o, CTL_RELOAD, NULL, 0);
}

int
ctl_fetch_config(struct bg_opts *o, struct bg_config *cfg)
{
	char err[512], *yaml;
	size_t len;
	uint32_t rtype;

	if (ctl_request(sock_path(o), CTL_CONFIG, NULL, 0, &rtype, &yaml,
	    &len, err, sizeof(err)) == -1) {
		if (errno == ECONNREFUSED || errno == ENOENT)
			return 0;
		log_warnx("%s", err);
		return -1;
	}
	if (rtype != CTL_OK || config_load_string("(daemon)", yaml, cfg, err,
	    sizeof(err)) == -1) {
		log_warnx("the daemon's policy: %s", rtype != CTL_OK ? yaml :
		    err);
		free(yaml);
		return -1;
	}
	free(yaml);
	return 1;
}
