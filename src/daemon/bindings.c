/* The binding table and its file; see bindings.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bindings.h"
#include "validate.h"

void
bindings_init(struct bindings *t)
{
	memset(t, 0, sizeof(*t));
}

void
bindings_clear(struct bindings *t)
{
	free(t->v);
	bindings_init(t);
}

static const char *const source_names[BS_N] = {
	[BS_DHCP] = "dhcp", [BS_DAD] = "dad", [BS_DHCP6] = "dhcpv6",
};

const char *
bind_source_name(enum bind_source s)
{
	return s < BS_N ? source_names[s] : "?";
}

void
bind_addr4(struct in6_addr *a6, const struct in_addr *a4)
{
	memset(a6, 0, sizeof(*a6));
	a6->s6_addr[10] = a6->s6_addr[11] = 0xff;
	memcpy(&a6->s6_addr[12], a4, 4);
}

void
bind_get4(const struct in6_addr *a6, struct in_addr *a4)
{
	memcpy(a4, &a6->s6_addr[12], 4);
}

int
bind_af(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a) ? AF_INET : AF_INET6;
}

const char *
bind_ntop(const struct in6_addr *a, char *buf)
{
	struct in_addr a4;

	if (bind_af(a) == AF_INET6)
		return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	bind_get4(a, &a4);
	return inet_ntop(AF_INET, &a4, buf, INET6_ADDRSTRLEN);
}

static struct binding *
find(const struct bindings *t, const char *port, const struct in6_addr *a)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (memcmp(&t->v[i].addr, a, sizeof(*a)) == 0 &&
		    (port == NULL || strcmp(t->v[i].port, port) == 0))
			return &t->v[i];
	return NULL;
}

struct binding *
bindings_find(const struct bindings *t, const struct in6_addr *a)
{
	return find(t, NULL, a);
}

size_t
bindings_of_port(const struct bindings *t, const char *port, int af,
    void *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].port, port) != 0 ||
		    bind_af(&t->v[i].addr) != af)
			continue;
		if (out && n < max && af == AF_INET)
			bind_get4(&t->v[i].addr, (struct in_addr *)out + n);
		else if (out && n < max)
			((struct in6_addr *)out)[n] = t->v[i].addr;
		n++;
	}
	return n;
}

int
bindings_add(struct bindings *t, const struct binding *b, size_t cap)
{
	struct binding *e;
	size_t ncap;

	if ((e = find(t, b->port, &b->addr)) != NULL) {
		e->expires = b->expires;
		e->source = b->source;
		memcpy(e->mac, b->mac, 6);
		return BIND_RENEW;
	}
	if (bindings_of_port(t, b->port, bind_af(&b->addr), NULL, 0) >= cap)
		return BIND_FULL;
	if (t->n == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		if ((e = realloc(t->v, ncap * sizeof(*e))) == NULL)
			return -1;
		t->v = e;
		t->cap = ncap;
	}
	t->v[t->n++] = *b;
	return BIND_NEW;
}

int
bindings_remove(struct bindings *t, const char *port,
    const struct in6_addr *a)
{
	struct binding *e = find(t, port, a);

	if (e == NULL)
		return 0;
	*e = t->v[--t->n];
	return 1;
}

size_t
bindings_filter(struct bindings *t,
    int (*keep)(const struct binding *, void *), void *arg)
{
	size_t i = 0, gone = 0;

	while (i < t->n) {
		if (keep(&t->v[i], arg)) {
			i++;
			continue;
		}
		t->v[i] = t->v[--t->n];
		gone++;
	}
	return gone;
}

struct expiry {
	int64_t		 now;
	void		(*gone)(const struct binding *, void *);
	void		*arg;
};

static int
unexpired(const struct binding *b, void *arg)
{
	struct expiry *x = arg;

	if (b->expires > x->now)
		return 1;
	if (x->gone)
		x->gone(b, x->arg);
	return 0;
}

size_t
bindings_expire(struct bindings *t, int64_t now,
    void (*gone)(const struct binding *, void *), void *arg)
{
	struct expiry x = { now, gone, arg };

	return bindings_filter(t, unexpired, &x);
}

static int
write_all(FILE *f, const struct bindings *t)
{
	char mac[18], a[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < t->n; i++)
		if (fprintf(f, "%s %s %s %s %" PRId64 " %s\n", t->v[i].bridge,
		    t->v[i].port, mac_format(t->v[i].mac, mac),
		    bind_ntop(&t->v[i].addr, a), t->v[i].expires,
		    bind_source_name(t->v[i].source)) < 0)
			return -1;
	return fflush(f) == EOF || fsync(fileno(f)) == -1 ? -1 : 0;
}

/* The directory's entry is durable only once the directory is synced. */
static void
sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int
bindings_save(const struct bindings *t, const char *path)
{
	char tmp[4096];
	FILE *f;
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		goto err;
	}
	if (write_all(f, t) == -1) {
		saved = errno;
		fclose(f);
		goto err;
	}
	if (fclose(f) == EOF) {
		saved = errno;
		goto err;
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		goto err;
	}
	sync_dir(path);
	return 0;
err:
	unlink(tmp);
	errno = saved;
	return -1;
}

/* An address of the file, bindable as what it was learned from. */
static int
parse_addr(const char *s, enum bind_source src, struct in6_addr *a)
{
	struct in_addr a4;

	if (src == BS_DHCP) {
		if (inet_pton(AF_INET, s, &a4) != 1 || ip4_unbindable(&a4))
			return -1;
		bind_addr4(a, &a4);
		return 0;
	}
	return inet_pton(AF_INET6, s, a) == 1 && !ip6_unbindable(a) ? 0 : -1;
}

static int
parse_source(const char *s, int n, enum bind_source *src)
{
	int i;

	if (n == 5) {
		*src = BS_DHCP;
		return 0;
	}
	for (i = 0; i < BS_N; i++)
		if (strcmp(s, source_names[i]) == 0) {
			*src = (enum bind_source)i;
			return 0;
		}
	return -1;
}

/* One line: 0 and *b, or -1 if it does not parse or cannot be bound. */
static int
parse_line(const char *line, struct binding *b)
{
	char bridge[32], port[32], mac[32], addr[64], source[16];
	enum bind_source src;
	long long exp;
	char end;
	int n;

	memset(b, 0, sizeof(*b));
	n = sscanf(line, "%31s %31s %31s %63s %lld %15s %c", bridge, port,
	    mac, addr, &exp, source, &end);
	if ((n != 5 && n != 6) || parse_source(source, n, &src) == -1 ||
	    !ifname_valid(bridge) || !ifname_valid(port) ||
	    mac_parse(mac, b->mac) == -1 || mac_unbindable(b->mac) ||
	    parse_addr(addr, src, &b->addr) == -1)
		return -1;
	snprintf(b->bridge, sizeof(b->bridge), "%s", bridge);
	snprintf(b->port, sizeof(b->port), "%s", port);
	b->source = (uint8_t)src;
	b->expires = exp;
	return 0;
}

int
bindings_load(struct bindings *t, const char *path, int64_t now,
    size_t *bad)
{
	struct binding b;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rc = 0;

	*bad = 0;
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (getline(&line, &cap, f) != -1) {
		if (parse_line(line, &b) == -1 || find(t, NULL, &b.addr)) {
			(*bad)++;
			continue;
		}
		if (b.expires <= now)
			continue;
		/* The cap is the caller's: the file may be from another. */
		if (bindings_add(t, &b, SIZE_MAX) == -1) {
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}
