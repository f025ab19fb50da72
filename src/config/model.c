/* Helpers over the policy model. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void
guest_clear(struct bg_guest *g)
{
	free(g->ip4);
	free(g->ip6);
	free(g->ip4_line);
	free(g->ip6_line);
	g->ip4 = NULL;
	g->ip6 = NULL;
	g->ip4_line = g->ip6_line = NULL;
	g->n_ip4 = g->n_ip6 = 0;
}

int
guest_copy(struct bg_guest *dst, const struct bg_guest *src)
{
	*dst = *src;
	dst->ip4 = NULL;
	dst->ip6 = NULL;
	dst->ip4_line = dst->ip6_line = NULL;	/* lines belong to the file */
	if (src->n_ip4 &&
	    (dst->ip4 = calloc(src->n_ip4, sizeof(*dst->ip4))) == NULL)
		goto err;
	if (src->n_ip6 &&
	    (dst->ip6 = calloc(src->n_ip6, sizeof(*dst->ip6))) == NULL)
		goto err;
	if (src->n_ip4)
		memcpy(dst->ip4, src->ip4, src->n_ip4 * sizeof(*dst->ip4));
	if (src->n_ip6)
		memcpy(dst->ip6, src->ip6, src->n_ip6 * sizeof(*dst->ip6));
	return 0;
err:
	guest_clear(dst);
	return -1;
}

void
config_clear(struct bg_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++) {
		struct bg_bridge *b = &cfg->bridges[i];

		for (j = 0; j < b->n_guests; j++)
			guest_clear(&b->guests[j]);
		for (j = 0; j < b->n_mirrors; j++) {
			free(b->mirrors[j].from);
			free(b->mirrors[j].excl);
		}
		free(b->mirrors);
		free(b->guests);
		free(b->trusted);
		free(b->dhcp_servers);
	}
	free(cfg->bridges);
	memset(cfg, 0, sizeof(*cfg));
}

bool
guest_learns4(const struct bg_guest *g)
{
	return (g->learn & LEARN_DHCP4) != 0;
}

bool
guest_learns6(const struct bg_guest *g)
{
	return (g->learn & (LEARN_SLAAC | LEARN_DHCP6)) != 0;
}

size_t
guest_n_ip4(const struct bg_guest *g)
{
	return g->n_ip4 + g->n_learned4;
}

const struct in_addr *
guest_ip4_at(const struct bg_guest *g, size_t k)
{
	return k < g->n_ip4 ? &g->ip4[k] : &g->learned4[k - g->n_ip4];
}

size_t
bridge_learn_cap(const struct bg_bridge *b, int af)
{
	if (af == AF_INET)
		return b->max_learned4 ? b->max_learned4 : BG_DEF_LEARNED4;
	return b->max_learned6 ? b->max_learned6 : BG_DEF_LEARNED6;
}

bool
bridge_dhcp_server_ok(const struct bg_bridge *b, const struct in_addr *a)
{
	size_t i;

	if (b->n_dhcp_servers == 0)
		return true;
	for (i = 0; i < b->n_dhcp_servers; i++)
		if (b->dhcp_servers[i].s_addr == a->s_addr)
			return true;
	return false;
}

struct bg_bridge *
config_bridge(const struct bg_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_bridges; i++)
		if (strcmp(cfg->bridges[i].name, name) == 0)
			return &cfg->bridges[i];
	return NULL;
}

struct bg_guest *
config_guest(const struct bg_config *cfg, const char *port,
    struct bg_bridge **bridgep)
{
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++) {
		struct bg_bridge *b = &cfg->bridges[i];

		for (j = 0; j < b->n_guests; j++) {
			if (strcmp(b->guests[j].port, port) != 0)
				continue;
			if (bridgep)
				*bridgep = b;
			return &b->guests[j];
		}
	}
	return NULL;
}

static bool
bridge_is_trusted(const struct bg_bridge *b, const char *port)
{
	size_t i;

	for (i = 0; i < b->n_trusted; i++)
		if (strcmp(b->trusted[i], port) == 0)
			return true;
	return false;
}

bool
bridge_is_monitor(const struct bg_bridge *b, const char *port)
{
	size_t i;

	for (i = 0; i < b->n_mirrors; i++)
		if (strcmp(b->mirrors[i].to, port) == 0)
			return true;
	return false;
}

enum bg_port_kind
bridge_port_kind(const struct bg_bridge *b, const char *port,
    const struct bg_bridge *gb)
{
	if (bridge_is_trusted(b, port))
		return PORT_TRUSTED;
	if (bridge_is_monitor(b, port))
		return PORT_MONITOR;
	return gb == b ? PORT_GUEST : PORT_UNKNOWN;
}

const char *
port_kind_name(enum bg_port_kind k)
{
	static const char *const names[] = { "unknown", "guest", "trusted",
	    "monitor" };

	return names[k];
}

bool
config_drops_port(const struct bg_config *cfg, const char *bridge,
    const char *port, const struct bg_bridge *gb)
{
	const struct bg_bridge *b = bridge ? config_bridge(cfg, bridge) : NULL;

	/* A monitor port is receive-only already. */
	return b != NULL && !b->allow_unknown &&
	    bridge_port_kind(b, port, gb) == PORT_UNKNOWN;
}

void
mirror_device(const struct bg_mirror *m, char dev[BG_IFNAMSIZ])
{
	if (m->remote)
		snprintf(dev, BG_IFNAMSIZ, "bgvx%u", m->vni);
	else
		memcpy(dev, m->to, BG_IFNAMSIZ);
}

void
mac_to_linklocal(const uint8_t mac[6], struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	a->s6_addr[8] = mac[0] ^ 0x02;	/* flip the universal/local bit */
	a->s6_addr[9] = mac[1];
	a->s6_addr[10] = mac[2];
	a->s6_addr[11] = 0xff;
	a->s6_addr[12] = 0xfe;
	a->s6_addr[13] = mac[3];
	a->s6_addr[14] = mac[4];
	a->s6_addr[15] = mac[5];
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
mac_parse(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s != (i == 5 ? '\0' : ':'))
			return -1;
		if (i < 5)
			s++;
	}
	return 0;
}

char *
mac_format(const uint8_t m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
	    m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

bool
ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= BG_IFNAMSIZ || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    !isprint((unsigned char)*s))
			return false;
	return true;
}
