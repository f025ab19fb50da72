/*
 * Dropped frames, whatever the reason → spoof_drop events, aggregated per
 * port and reason (dropwin.c). When a window closes, the kernel's per-port
 * counters of that reason are read once and the event carries the exact
 * number dropped since the last event; the first frame of the window
 * describes it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropwin.h"
#include "clock.h"
#include "drops.h"
#include "events.h"
#include "log.h"
#include "nft.h"

#define FLUSH_MAX	1024		/* windows closed per round */
#define MAX_WINDOWS	(1 << 18)

struct drops {
	struct loop		*loop;
	const struct mon_link	*links;
	struct dropwin		*win;
	struct loop_timer	 timer;		/* the next window due */
	struct drops_stats	 st;
};

static void
arm(struct drops *d)
{
	uint64_t due = dropwin_next_due(d->win);

	if (due && (d->timer.when == 0 || due < d->timer.when))
		loop_timer_at(&d->timer, due);
}

void
drops_frame(struct drops *d, const struct sensor_rec *r)
{
	const struct bg_link *l = mon_link_get(d->links, r->ifindex);
	struct drop_win *w;
	char name[BG_IFNAMSIZ];
	bool opened;

	d->st.frames++;
	if (l)
		snprintf(name, sizeof(name), "%s", l->name);
	else
		snprintf(name, sizeof(name), "if%d", r->ifindex);
	if ((w = dropwin_drop(d->win, name, r->reason, now_ms(),
	    &opened)) == NULL)
		return;
	if (opened) {
		w->has_pkt = true;
		w->pkt = r->pkt;
		w->outgoing = r->outgoing;
		w->ifindex = r->ifindex;
		arm(d);
	}
}

/*
 * The kernel strips a VLAN tag into the skb before the ingress hook and
 * NFLOG does not report it in the netdev family: an IPv4, IPv6 or ARP
 * frame dropped for its ethertype can only have been tagged.
 */
static bool
tagged(const struct drop_win *w)
{
	uint16_t t = w->pkt.ethertype;

	return w->has_pkt && w->reason == R_ETHERTYPE &&
	    (w->pkt.n_vlans || t == 0x0800 || t == 0x86dd || t == 0x0806);
}

/* What was dropped, in words, from the first frame of the window. */
static void
describe(struct event *e, const struct drop_win *w, uint64_t n)
{
	const struct pkt_info *p = &w->pkt;
	char a[INET6_ADDRSTRLEN] = "?", mac[18] = "?";

	if (w->has_pkt && p->af)
		inet_ntop(p->af, w->outgoing ? p->dst_ip : p->src_ip, a,
		    sizeof(a));
	if (w->has_pkt && p->has_eth)
		mac_format(p->src_mac, mac);
	if (w->reason == R_MAC)
		ev_msg(e, "%s: %llu frame(s) from MAC %s, not bound to the "
		    "port, dropped", w->port, (unsigned long long)n, mac);
	else if (w->reason == R_IPV4 || w->reason == R_IPV6)
		ev_msg(e, "%s: %llu %s packet(s) from %s, not bound to the "
		    "port, dropped", w->port, (unsigned long long)n,
		    w->reason == R_IPV4 ? "IPv4" : "IPv6", a);
	else if (w->reason == R_ARP && w->has_pkt && p->is_arp) {
		inet_ntop(AF_INET, p->arp_spa, a, sizeof(a));
		ev_msg(e, "%s: %llu ARP frame(s) claiming %s is at %s dropped",
		    w->port, (unsigned long long)n, a,
		    mac_format(p->arp_sha, mac));
	} else if (w->reason == R_ETHERTYPE && tagged(w))
		ev_msg(e, "%s: %llu VLAN-tagged frame(s) dropped (a tag could "
		    "carry a spoofed packet past the checks)", w->port,
		    (unsigned long long)n);
	else if (w->reason == R_EGRESS)
		ev_msg(e, "%s: %llu packet(s) to %s, not bound to the port, "
		    "kept from it", w->port, (unsigned long long)n, a);
	else if (w->reason == R_ND)
		ev_msg(e, "%s: %llu neighbour discovery message(s) from %s "
		    "not about the port's own addresses and MAC dropped",
		    w->port, (unsigned long long)n, a);
	else if (w->reason == R_FRAGMENT)
		ev_msg(e, "%s: %llu fragment(s) hiding a header from the "
		    "checks dropped", w->port, (unsigned long long)n);
	else if (w->reason == R_DHCP_CLIENT)
		ev_msg(e, "%s: %llu DHCP request(s) for another hardware "
		    "address dropped", w->port, (unsigned long long)n);
	else
		ev_msg(e, "%s: %llu frame(s) dropped (%s)", w->port,
		    (unsigned long long)n, reason_name(w->reason));
}

static void
frame_fields(struct event *e, const struct drop_win *w)
{
	const struct pkt_info *p = &w->pkt;
	char buf[8];

	if (!w->has_pkt)
		return;
	if (p->has_eth) {
		ev_mac(e, "src_mac", p->src_mac);
		ev_mac(e, "dst_mac", p->dst_mac);
	}
	snprintf(buf, sizeof(buf), "0x%04x", p->ethertype);
	ev_str(e, "ethertype", buf);
	if (p->n_vlans)
		ev_int(e, "vlan", p->vlan[0]);
	if (tagged(w))
		ev_bool(e, "tagged", true);
	if (p->af) {
		ev_ip(e, "src_ip", p->af, p->src_ip);
		ev_ip(e, "dst_ip", p->af, p->dst_ip);
		ev_int(e, "protocol", p->l4proto);
	}
	if (p->is_arp) {
		ev_int(e, "arp_op", p->arp_op);
		ev_mac(e, "arp_sha", p->arp_sha);
		ev_ip(e, "arp_spa", AF_INET, p->arp_spa);
		ev_ip(e, "arp_tpa", AF_INET, p->arp_tpa);
	}
}

static void
emit(struct drops *d, const struct drop_win *w, uint64_t n, uint64_t now)
{
	const struct bg_link *l = mon_link_byname(d->links, w->port);
	const struct bg_link *br = mon_link_bridge_of(d->links, l);
	struct event *e = event_new(EV_SPOOF_DROP, SEV_WARNING);

	ev_str(e, "bridge", br ? br->name : NULL);
	ev_str(e, "port", w->port);
	ev_str(e, "reason", reason_name(w->reason));
	ev_str(e, "direction", w->outgoing ? "out" : "in");
	ev_int(e, "count", (long long)n);
	/* NFLOG is rate-limited per port and reason: the rest of the count
	 * was dropped without a message. */
	ev_int(e, "not_logged", (long long)(n > w->seen ? n - w->seen : 0));
	ev_int(e, "window_ms", (long long)(now - w->opened));
	frame_fields(e, w);
	describe(e, w, n);
	event_emit(e);
}

static uint64_t
counter_of(const struct nft_counter *c, size_t n, const char *port,
    bool *found)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(c[i].port, port, BG_IFNAMSIZ) == 0) {
			*found = true;
			return c[i].packets;
		}
	return 0;
}

/* Closes the due windows of one reason against its counters. */
static void
flush_reason(struct drops *d, unsigned int reason, struct drop_win **w,
    size_t n, uint64_t now)
{
	struct nft_counter *c = NULL;
	enum rs_family fam;
	char set[32], err[256];
	size_t nc = 0, i;
	bool have = true, found;
	uint64_t v, count;

	rs_drop_set(reason, set, sizeof(set), &fam);
	if (nft_set_counters(fam, set, &c, &nc, err, sizeof(err)) == -1) {
		log_debug("%s", err);
		have = false;
	}
	for (i = 0; i < n; i++) {
		if (w[i]->reason != reason)
			continue;
		found = false;
		v = have ? counter_of(c, nc, w[i]->port, &found) : 0;
		/* A port we cannot find a counter for: trust NFLOG's count. */
		count = dropwin_close(d->win, w[i], v, have && found);
		if (count)
			emit(d, w[i], count, now);
	}
	free(c);
}

void
drops_flush(struct drops *d, bool all)
{
	struct drop_win *w[FLUSH_MAX];
	uint64_t now = now_ms();
	bool seen[32] = { false };
	size_t n, i;

	n = dropwin_due(d->win, now, all, w, FLUSH_MAX);
	for (i = 0; i < n; i++)
		if (w[i]->reason < R_N && !seen[w[i]->reason]) {
			seen[w[i]->reason] = true;
			flush_reason(d, w[i]->reason, w, n, now);
		}
	arm(d);
}

static void
timer_cb(void *arg)
{
	drops_flush(arg, false);
}

void
drops_overrun(struct drops *d)
{
	struct nft_counter *c;
	struct drop_win *w;
	enum rs_family fam;
	char set[32], err[256];
	size_t nc, i;
	unsigned int r;
	bool opened;

	d->st.overruns++;
	for (r = 0; r < R_N; r++) {
		rs_drop_set(r, set, sizeof(set), &fam);
		if (nft_set_counters(fam, set, &c, &nc, err, sizeof(err)) == -1)
			continue;
		for (i = 0; i < nc; i++)
			if (c[i].packets > dropwin_baseline(d->win, c[i].port,
			    r) &&
			    (w = dropwin_drop(d->win, c[i].port, r, now_ms(),
			    &opened)) != NULL)
				w->seen = 0;
		free(c);
	}
	arm(d);
}

void
drops_reset(struct drops *d)
{
	dropwin_reset(d->win);
}

void
drops_stats(const struct drops *d, struct drops_stats *st)
{
	*st = d->st;
}

struct drops *
drops_new(struct loop *loop, const struct mon_link *links)
{
	struct drops *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->win = dropwin_new(DROPWIN_MS, MAX_WINDOWS)) == NULL) {
		free(d);
		return NULL;
	}
	d->loop = loop;
	d->links = links;
	loop_timer_add(loop, &d->timer, timer_cb, d);
	return d;
}

void
drops_free(struct drops *d)
{
	if (d == NULL)
		return;
	loop_timer_del(d->loop, &d->timer);
	dropwin_free(d->win);
	free(d);
}
