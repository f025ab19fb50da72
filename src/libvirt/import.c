/*
 * Interfaces → bindings: each interface is a guest of its bridge, bound
 * by tap name to its MAC and addresses. One that libvirt gives no IPv4
 * address learns it by DHCP snooping (ipv4: dhcp); one it gives no IPv6
 * address learns those it claims by DAD (ipv6: slaac: SLAAC's, privacy
 * and stable-privacy ones alike).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv.h"
#include "validate.h"

int
lv_guest(struct bg_guest *g, const struct lv_iface *i)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->port, sizeof(g->port), "%s", i->tap);
	memcpy(g->mac, i->mac, sizeof(g->mac));
	snprintf(g->libvirt_uuid, sizeof(g->libvirt_uuid), "%s", i->uuid);
	if (i->n_ip4 && (g->ip4 = calloc(i->n_ip4, sizeof(*g->ip4))) == NULL)
		return -1;
	if (i->n_ip6 && (g->ip6 = calloc(i->n_ip6, sizeof(*g->ip6))) == NULL) {
		free(g->ip4);
		return -1;
	}
	if (i->n_ip4)
		memcpy(g->ip4, i->ip4, i->n_ip4 * sizeof(*g->ip4));
	if (i->n_ip6)
		memcpy(g->ip6, i->ip6, i->n_ip6 * sizeof(*g->ip6));
	g->n_ip4 = i->n_ip4;
	g->n_ip6 = i->n_ip6;
	if (g->n_ip4 == 0)
		g->learn |= LEARN_DHCP4;
	if (g->n_ip6 == 0)
		g->learn |= LEARN_SLAAC;
	return 0;
}

static int
add_guest(struct bg_bridge *b, const struct lv_iface *i)
{
	struct bg_guest *v;

	if ((v = reallocarray(b->guests, b->n_guests + 1, sizeof(*v))) == NULL)
		return -1;
	b->guests = v;
	if (lv_guest(&v[b->n_guests], i) == -1)
		return -1;
	b->n_guests++;
	return 0;
}

/* Adds every interface on b's bridge to b as a guest. */
static int
lv_bind_bridge(struct bg_bridge *b, const struct lv_list *l)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		if (strcmp(l->v[k].bridge, b->name) == 0 &&
		    add_guest(b, &l->v[k]) == -1)
			return -1;
	return 0;
}

static struct bg_bridge *
bridge_of(struct bg_config *cfg, const char *name)
{
	struct bg_bridge *b = config_bridge(cfg, name), *v;

	if (b)
		return b;
	v = reallocarray(cfg->bridges, cfg->n_bridges + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	cfg->bridges = v;
	b = &v[cfg->n_bridges++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	return b;
}

int
lv_import(struct bg_config *cfg, const struct lv_list *l)
{
	struct bg_bridge *b;
	size_t k;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nflog_group = BG_NFLOG_GROUP;
	for (k = 0; k < l->n; k++) {
		if ((b = bridge_of(cfg, l->v[k].bridge)) == NULL ||
		    add_guest(b, &l->v[k]) == -1) {
			config_clear(cfg);
			errno = ENOMEM;
			return -1;
		}
		/* A static config: its bindings follow names, not domains. */
		b->guests[b->n_guests - 1].libvirt_uuid[0] = '\0';
	}
	return 0;
}

const struct lv_iface *
lv_find_tap(const struct lv_list *l, const char *port)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		if (strcmp(l->v[k].tap, port) == 0)
			return &l->v[k];
	return NULL;
}

/* Guests bound from libvirt before (a saved policy): read afresh. */
static void
drop_libvirt_guests(struct bg_bridge *b)
{
	size_t k, n = 0;

	for (k = 0; k < b->n_guests; k++) {
		if (b->guests[k].libvirt_uuid[0])
			guest_clear(&b->guests[k]);
		else
			b->guests[n++] = b->guests[k];
	}
	b->n_guests = n;
}

/* One bridge's libvirt guests, read now. */
static int
fill_bridge(struct bg_bridge *b, char *err, size_t errlen)
{
	struct lv_list l = { 0 };
	struct lv_conn *c;
	int rc = -1;

	drop_libvirt_guests(b);
	if ((c = lv_open(b->libvirt, err, errlen)) == NULL)
		return -1;
	if (lv_interfaces(c, &l, err, errlen) == -1)
		goto out;
	if (lv_bind_bridge(b, &l) == -1) {
		snprintf(err, errlen, "libvirt: bridge %s: %s", b->name,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	lv_list_clear(&l);
	lv_close(c);
	return rc;
}

int
lv_fill_config(const char *name, struct bg_config *cfg, char *err,
    size_t errlen)
{
	bool any = false;
	size_t k;

	for (k = 0; k < cfg->n_bridges; k++) {
		if (cfg->bridges[k].libvirt[0] == '\0')
			continue;
		if (fill_bridge(&cfg->bridges[k], err, errlen) == -1)
			return -1;
		any = true;
	}
	return any ? config_validate(name, cfg, err, errlen) : 0;
}
