/*
 * `status`: the config's bridges and guests joined with what the kernel has
 * (interfaces present, tables installed, per-port drop counters). Gathered
 * once as a JSON document; the text form is printed from it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindings.h"
#include "mirror_counters.h"
#include "probe.h"
#include "cli.h"
#include "guest.h"
#include "link.h"
#include "log.h"
#include "lv.h"
#include "nft.h"
#include "snoop.h"

struct kview {
	struct bg_link		*links;
	size_t			 n_links;
	struct nft_counter	*ctr[R_N];	/* per reason */
	size_t			 n_ctr[R_N];
	bool			 netdev, bridge;
	enum rs_backend		 backend;
	const struct probe_result *probe;
	struct mirror_count	 mirror[BG_MAX_MIRRORS];	/* in order */
	size_t			 n_mirrors;
	struct lv_list		 lv;	/* source: libvirt's interfaces */
	struct bindings		 dhcp;	/* the daemon's, from its file */
};

static json_t *
drops_of(const struct kview *ks, const char *port)
{
	json_t *d = json_object();
	size_t r, i;

	for (r = 0; r < R_N; r++)
		for (i = 0; i < ks->n_ctr[r]; i++)
			if (strcmp(ks->ctr[r][i].port, port) == 0)
				json_object_set_new(d,
				    reason_name((unsigned int)r),
				    json_integer((json_int_t)
				    ks->ctr[r][i].packets));
	return d;
}

static json_t *
port_json(const struct kview *ks, const struct bg_bridge *b, const char *port)
{
	const struct bg_link *l = link_find(ks->links, ks->n_links, port);
	const struct bg_link *br = link_find(ks->links, ks->n_links, b->name);

	const struct lv_iface *lv = lv_find_tap(&ks->lv, port);
	json_t *j = json_pack("{s:s, s:b, s:b, s:o}", "port", port,
	    "present", l != NULL,
	    "attached", l && br && l->master == br->ifindex,
	    "drops", drops_of(ks, port));

	/* libvirt filters it too: the admin chooses (bridgeguard audit). */
	if (lv && lv->filter[0])
		json_object_set_new(j, "nwfilter", json_string(lv->filter));
	return j;
}

/* Does the guest's ingress chain hook its port? (No: what it sends is
 * dropped by the bridge until the daemon hooks it.) */
static bool
guest_hooked(const struct kview *ks, const struct bg_guest *g)
{
	char chain[RS_CHAIN_NAME], err[256];

	if (!ks->netdev)
		return false;
	rs_guest_chain_name(chain, sizeof(chain), GC_IN, g->port);
	return nft_chain_hook(RS_NETDEV, chain, g->port, err, sizeof(err)) ==
	    RS_CHAIN_HOOKED;
}

/* A guest's addresses learned from src, as the daemon's bindings file
 * has them. */
static json_t *
learned_json(const struct kview *ks, const char *port, enum bind_source src)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < ks->dhcp.n; i++)
		if (strcmp(ks->dhcp.v[i].port, port) == 0 &&
		    ks->dhcp.v[i].source == src)
			json_array_append_new(a, json_string(bind_ntop(
			    &ks->dhcp.v[i].addr, buf)));
	return a;
}

/* Every binding: where, what, until when (null: an infinite lease). */
static json_t *
bindings_json(const struct kview *ks)
{
	char mac[18], ip[INET6_ADDRSTRLEN];
	const struct binding *b;
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < ks->dhcp.n; i++) {
		b = &ks->dhcp.v[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, "
		    "s:o}", "bridge", b->bridge, "port", b->port, "mac",
		    mac_format(b->mac, mac), "ip", bind_ntop(&b->addr, ip),
		    "source", bind_source_name(b->source), "expires",
		    b->expires == BIND_FOREVER ? json_null() :
		    json_integer((json_int_t)b->expires)));
	}
	return a;
}

static json_t *
guest_json(const struct kview *ks, const struct bg_bridge *b,
    const struct bg_guest *g)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *j = port_json(ks, b, g->port), *a4 = json_array(),
	    *a6 = json_array();
	struct in6_addr ll;
	size_t i;

	json_object_set_new(j, "hooked", json_boolean(guest_hooked(ks, g)));
	json_object_set_new(j, "mac", json_string(mac_format(g->mac, buf)));
	for (i = 0; i < g->n_ip4; i++)
		json_array_append_new(a4, json_string(inet_ntop(AF_INET,
		    &g->ip4[i], buf, sizeof(buf))));
	mac_to_linklocal(g->mac, &ll);
	json_array_append_new(a6, json_string(inet_ntop(AF_INET6, &ll, buf,
	    sizeof(buf))));
	for (i = 0; i < g->n_ip6; i++)
		json_array_append_new(a6, json_string(inet_ntop(AF_INET6,
		    &g->ip6[i], buf, sizeof(buf))));
	json_object_set_new(j, "ipv4", a4);
	json_object_set_new(j, "ipv6", a6);
	/* What it learns, by source: "dhcp", "dad", "dhcpv6". */
	if (guest_learns4(g))
		json_object_set_new(j, bind_source_name(BS_DHCP),
		    learned_json(ks, g->port, BS_DHCP));
	if (guest_learns6(g))
		json_object_set_new(j, bind_source_name(BS_DAD),
		    learned_json(ks, g->port, BS_DAD));
	if (g->learn & LEARN_DHCP6)
		json_object_set_new(j, bind_source_name(BS_DHCP6),
		    learned_json(ks, g->port, BS_DHCP6));
	if (g->libvirt_uuid[0])
		json_object_set_new(j, "libvirt-uuid",
		    json_string(g->libvirt_uuid));
	return j;
}

/* Ports on the bridge now that the config does not name. */
static json_t *
unknown_json(const struct kview *ks, const struct bg_config *cfg,
    const struct bg_bridge *b)
{
	const struct bg_link *br = link_find(ks->links, ks->n_links, b->name);
	json_t *a = json_array();
	size_t i;

	for (i = 0; br && i < ks->n_links; i++) {
		const struct bg_link *l = &ks->links[i];
		struct bg_bridge *gb = NULL;

		config_guest(cfg, l->name, &gb);
		if (l->master != br->ifindex ||
		    bridge_port_kind(b, l->name, gb) != PORT_UNKNOWN)
			continue;
		json_array_append_new(a, port_json(ks, b, l->name));
	}
	return a;
}

/*
 * A mirror: where its copies go, whether installed, what copies frames
 * leaving ports (nftables or tc), what it copied.
 */
static json_t *
mirror_json(const struct kview *ks, const struct mirror_count *c)
{
	const struct bg_mirror *m = c->m;
	char dev[BG_IFNAMSIZ];
	bool active;

	mirror_device(m, dev);
	active = c->installed && link_find(ks->links, ks->n_links, dev);
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:I, s:I}", "name",
	    m->name, "to", dev, "kind", m->remote ? "vxlan" : "port",
	    "active", active, "backend", backend_name(ks->backend),
	    "frames", (json_int_t)(active ? c->frames : 0),
	    "bytes", (json_int_t)(active ? c->bytes : 0));
}

static json_t *
bridge_json(const struct kview *ks, const struct bg_config *cfg,
    const struct bg_bridge *b, size_t *slot)
{
	const struct bg_link *br = link_find(ks->links, ks->n_links, b->name);
	json_t *guests = json_array(), *trusted = json_array();
	size_t i;

	for (i = 0; i < b->n_guests; i++)
		json_array_append_new(guests, guest_json(ks, b, &b->guests[i]));
	json_t *mirrors = json_array();

	for (i = 0; i < b->n_trusted; i++)
		json_array_append_new(trusted, port_json(ks, b, b->trusted[i]));
	for (i = 0; i < b->n_mirrors && *slot < ks->n_mirrors; i++)
		json_array_append_new(mirrors, mirror_json(ks,
		    &ks->mirror[(*slot)++]));
	return json_pack("{s:s, s:b, s:s, s:o, s:o, s:o, s:o}", "name",
	    b->name, "present", br && br->is_bridge,
	    "unknown-ports", b->allow_unknown ? "allow" : "drop",
	    "guests", guests, "trusted", trusted,
	    "unknown", unknown_json(ks, cfg, b), "mirrors", mirrors);
}

/* The interfaces of the first libvirt the config names, for nwfilter:
 * without them status still says the rest. */
static void
libvirt_read(struct kview *ks, const struct bg_config *cfg)
{
	struct lv_conn *c = NULL;
	char err[512];
	size_t k;

	for (k = 0; k < cfg->n_bridges && c == NULL; k++)
		if (cfg->bridges[k].libvirt[0] &&
		    (c = lv_open(cfg->bridges[k].libvirt, err,
		    sizeof(err))) == NULL)
			log_warnx("%s", err);
	if (c && lv_interfaces(c, &ks->lv, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	lv_close(c);
}

static int
kstate_read(struct kview *ks, const struct bg_config *cfg, char *err,
    size_t errlen)
{
	char set[32];
	size_t r;
	int rc;

	if ((ks->probe = probe_kernel(err, errlen)) == NULL)
		return -1;
	ks->backend = ks->probe->k.backend;
	if (link_dump(&ks->links, &ks->n_links) == -1) {
		snprintf(err, errlen, "listing interfaces: %s",
		    strerror(errno));
		return -1;
	}
	if ((rc = nft_table_exists(RS_NETDEV, err, errlen)) == -1)
		return -1;
	ks->netdev = rc;
	if ((rc = nft_table_exists(RS_BRIDGE, err, errlen)) == -1)
		return -1;
	ks->bridge = rc;
	for (r = 0; r < R_N; r++) {
		enum rs_family fam;

		rs_drop_set((unsigned int)r, set, sizeof(set), &fam);
		if (!(fam == RS_NETDEV ? ks->netdev : ks->bridge))
			continue;
		if (nft_set_counters(fam, set, &ks->ctr[r], &ks->n_ctr[r],
		    err, errlen) == -1)
			return -1;
	}
	if (mirror_counters(cfg, ks->mirror, &ks->n_mirrors, err,
	    errlen) == -1)
		return -1;
	libvirt_read(ks, cfg);
	return 0;
}

static void
kstate_free(struct kview *ks)
{
	size_t r;

	bindings_clear(&ks->dhcp);
	for (r = 0; r < R_N; r++)
		free(ks->ctr[r]);
	free(ks->links);
	lv_list_clear(&ks->lv);
}

static void
print_port(FILE *f, json_t *p, const char *role)
{
	json_t *drops = json_object_get(p, "drops"), *v;
	const char *k;
	size_t i;

	fprintf(f, "  %-8s %-15s %-8s", role,
	    json_string_value(json_object_get(p, "port")),
	    !json_is_true(json_object_get(p, "present")) ? "absent" :
	    json_is_true(json_object_get(p, "attached")) ? "attached" :
	    "detached");
	if ((v = json_object_get(p, "hooked")) != NULL && !json_is_true(v))
		fprintf(f, " waiting");
	if ((v = json_object_get(p, "mac")) != NULL)
		fprintf(f, " %s", json_string_value(v));
	json_array_foreach(json_object_get(p, "ipv4"), i, v)
		fprintf(f, " %s", json_string_value(v));
	json_array_foreach(json_object_get(p, "dhcp"), i, v)
		fprintf(f, " dhcp:%s", json_string_value(v));
	json_array_foreach(json_object_get(p, "ipv6"), i, v)
		fprintf(f, " %s", json_string_value(v));
	json_array_foreach(json_object_get(p, "dad"), i, v)
		fprintf(f, " dad:%s", json_string_value(v));
	json_array_foreach(json_object_get(p, "dhcpv6"), i, v)
		fprintf(f, " dhcpv6:%s", json_string_value(v));
	json_object_foreach(drops, k, v)
		fprintf(f, " drop:%s=%lld", k, (long long)json_integer_value(v));
	if ((v = json_object_get(p, "libvirt-uuid")) != NULL)
		fprintf(f, " libvirt:%s", json_string_value(v));
	if ((v = json_object_get(p, "nwfilter")) != NULL)
		fprintf(f, " nwfilter:%s", json_string_value(v));
	fprintf(f, "\n");
}

static void
print_mirror(FILE *f, json_t *m)
{
	fprintf(f, "  mirror   %-15s -> %s (%s, %s, %s) frames=%lld "
	    "bytes=%lld\n",
	    json_string_value(json_object_get(m, "name")),
	    json_string_value(json_object_get(m, "to")),
	    json_string_value(json_object_get(m, "kind")),
	    json_is_true(json_object_get(m, "active")) ? "active" :
	    "INACTIVE: no such device",
	    json_string_value(json_object_get(m, "backend")),
	    (long long)json_integer_value(json_object_get(m, "frames")),
	    (long long)json_integer_value(json_object_get(m, "bytes")));
}

static void
print_text(FILE *f, json_t *st)
{
	json_t *b, *p;
	size_t i, j;

	json_array_foreach(json_object_get(st, "kernel"), i, p)
		fprintf(f, "kernel: %s\n", json_string_value(p));
	fprintf(f, "tables: netdev %s, bridge %s\n",
	    json_is_true(json_object_get(st, "netdev-table")) ?
	    "installed" : "absent",
	    json_is_true(json_object_get(st, "bridge-table")) ?
	    "installed" : "absent");
	json_array_foreach(json_object_get(st, "bridges"), i, b) {
		fprintf(f, "bridge %s (%s, unknown ports: %s)\n",
		    json_string_value(json_object_get(b, "name")),
		    json_is_true(json_object_get(b, "present")) ? "present" :
		    "absent",
		    json_string_value(json_object_get(b, "unknown-ports")));
		json_array_foreach(json_object_get(b, "guests"), j, p)
			print_port(f, p, "guest");
		json_array_foreach(json_object_get(b, "trusted"), j, p)
			print_port(f, p, "trusted");
		json_array_foreach(json_object_get(b, "unknown"), j, p)
			print_port(f, p, "unknown");
		json_array_foreach(json_object_get(b, "mirrors"), j, p)
			print_mirror(f, p);
	}
}

int
status_show(FILE *f, const struct bg_config *cfg, const char *config_path,
    bool json)
{
	struct kview ks;
	char err[512], path[4096];
	json_t *st, *bridges, *kern;
	size_t bad;
	char line[256];
	size_t slot = 0;
	size_t i;

	memset(&ks, 0, sizeof(ks));
	bindings_init(&ks.dhcp);
	if (bindings_load(&ks.dhcp, snoop_path(config_path, path,
	    sizeof(path)), (int64_t)time(NULL), &bad) == -1)
		log_warn("status: reading %s", path);
	if (kstate_read(&ks, cfg, err, sizeof(err)) == -1) {
		log_warnx("status: %s", err);
		kstate_free(&ks);
		return EXIT_RUNTIME;
	}
	bridges = json_array();
	for (i = 0; i < cfg->n_bridges; i++)
		json_array_append_new(bridges, bridge_json(&ks, cfg,
		    &cfg->bridges[i], &slot));
	kern = json_array();
	for (i = 0; probe_line(ks.probe, (int)i, line, sizeof(line)); i++)
		json_array_append_new(kern, json_string(line));
	st = json_pack("{s:o, s:b, s:b, s:s, s:o, s:o}", "kernel", kern,
	    "netdev-table", ks.netdev, "bridge-table", ks.bridge,
	    "mirror-backend", backend_name(ks.backend), "bridges", bridges,
	    "bindings", bindings_json(&ks));
	if (json)
		json_dumpf(st, f, JSON_INDENT(2)), fputc('\n', f);
	else
		print_text(f, st);
	json_decref(st);
	kstate_free(&ks);
	return 0;
}
