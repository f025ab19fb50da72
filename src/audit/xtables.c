/*
 * iptables' legacy backend (x_tables), where a host still uses it: its
 * FORWARD chains read through libiptc, in order, as nftables.c reads
 * iptables-nft's. Only a namespace that has a legacy filter table is
 * asked (/proc/net/ip*_tables_names), so reading never makes the kernel
 * load a module.
 */
#include <errno.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

static bool
has_filter(const char *names)
{
	char line[64];
	bool found = false;
	FILE *f = fopen(names, "re");

	if (f == NULL)
		return false;	/* ip_tables is not loaded: no legacy table */
	while (!found && fgets(line, sizeof(line), f))
		found = strcmp(line, "filter\n") == 0;
	fclose(f);
	return found;
}

/* One rule: its interfaces, its matches (elems, len bytes) and target. */
static void
classify(struct au_forward *f, int n, const char *in, const char *out,
    const unsigned char *elems, size_t len, const char *target)
{
	const struct xt_entry_match *m;
	bool ct = false, port = in[0] || out[0];
	size_t off;

	for (off = 0; off + sizeof(*m) <= len; off += m->u.match_size) {
		m = (const struct xt_entry_match *)(elems + off);
		if (m->u.match_size < sizeof(*m))
			break;
		if (strcmp(m->u.user.name, "physdev") == 0)
			port = true;
		if (strcmp(m->u.user.name, "conntrack") == 0 ||
		    strcmp(m->u.user.name, "state") == 0)
			ct = true;
	}
	if (ct && strcmp(target, "ACCEPT") == 0 && f->established_accept < 0)
		f->established_accept = n;
	if (port && (strcmp(target, "DROP") == 0 ||
	    strcmp(target, "REJECT") == 0) && f->port_deny < 0)
		f->port_deny = n;
}

static int
read4(struct au_forward *f, char *err, size_t errlen)
{
	const struct ipt_entry *e;
	struct xt_counters c;
	struct xtc_handle *h;
	const char *pol;
	int n = 0;

	if ((h = iptc_init("filter")) == NULL) {
		snprintf(err, errlen, "reading iptables-legacy's filter table: "
		    "%s", iptc_strerror(errno));
		return -1;
	}
	if ((pol = iptc_get_policy("FORWARD", &c, h)) != NULL) {
		f->present = true;
		f->policy_drop = strcmp(pol, "DROP") == 0;
	}
	for (e = iptc_first_rule("FORWARD", h); e; e = iptc_next_rule(e, h))
		classify(f, ++n, e->ip.iniface, e->ip.outiface, e->elems,
		    e->target_offset - sizeof(*e), iptc_get_target(e, h));
	iptc_free(h);
	return 0;
}

static int
read6(struct au_forward *f, char *err, size_t errlen)
{
	const struct ip6t_entry *e;
	struct xt_counters c;
	struct xtc_handle *h;
	const char *pol;
	int n = 0;

	if ((h = ip6tc_init("filter")) == NULL) {
		snprintf(err, errlen, "reading ip6tables-legacy's filter table: "
		    "%s", ip6tc_strerror(errno));
		return -1;
	}
	if ((pol = ip6tc_get_policy("FORWARD", &c, h)) != NULL) {
		f->present = true;
		f->policy_drop = strcmp(pol, "DROP") == 0;
	}
	for (e = ip6tc_first_rule("FORWARD", h); e;
	    e = ip6tc_next_rule(e, h))
		classify(f, ++n, e->ipv6.iniface, e->ipv6.outiface, e->elems,
		    e->target_offset - sizeof(*e), ip6tc_get_target(e, h));
	ip6tc_free(h);
	return 0;
}

int
au_read_legacy(struct au_host *h, char *err, size_t errlen)
{
	h->legacy[0].bridge_nf = h->fwd[0].bridge_nf;
	h->legacy[1].bridge_nf = h->fwd[1].bridge_nf;
	h->legacy[0].established_accept = h->legacy[0].port_deny = -1;
	h->legacy[1].established_accept = h->legacy[1].port_deny = -1;
	if (has_filter("/proc/net/ip_tables_names") &&
	    read4(&h->legacy[0], err, errlen) == -1)
		return -1;
	if (has_filter("/proc/net/ip6_tables_names") &&
	    read6(&h->legacy[1], err, errlen) == -1)
		return -1;
	return 0;
}
