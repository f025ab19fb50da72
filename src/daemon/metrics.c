/* The daemon's numbers in the Prometheus text format; see metrics.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror_counters.h"
#include "control.h"
#include "drops.h"
#include "events.h"
#include "heap.h"
#include "metrics.h"
#include "mon_neigh.h"
#include "nft.h"
#include "policy.h"
#include "txn.h"

/* A label value, escaped as the exposition format wants. */
static void
label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
drops(FILE *f, const struct metrics_sources *d)
{
	struct nft_counter *c;
	const struct bg_link *l, *br;
	enum rs_family fam;
	char set[32], err[256];
	size_t n, i;
	unsigned int r;

	head(f, "bridgeguard_drops_total", "counter",
	    "Frames dropped by port security, per port and reason.");
	for (r = 0; r < R_N; r++) {
		rs_drop_set(r, set, sizeof(set), &fam);
		if (nft_set_counters(fam, set, &c, &n, err, sizeof(err)) == -1)
			continue;
		for (i = 0; i < n; i++) {
			l = mon_link_byname(d->links, c[i].port);
			br = mon_link_bridge_of(d->links, l);
			fputs("bridgeguard_drops_total{bridge=\"", f);
			label(f, br ? br->name : "");
			fputs("\",port=\"", f);
			label(f, c[i].port);
			fprintf(f, "\",reason=\"%s\"} %llu\n", reason_name(r),
			    (unsigned long long)c[i].packets);
		}
		free(c);
	}
}

static void
events(FILE *f)
{
	struct ev_stats st;
	int t;

	events_stats(&st);
	head(f, "bridgeguard_events_total", "counter",
	    "Detection events emitted, by type.");
	for (t = 0; t < EV_NTYPES; t++)
		fprintf(f, "bridgeguard_events_total{type=\"%s\"} %llu\n",
		    ev_type_names[t], (unsigned long long)st.emitted[t]);
	head(f, "bridgeguard_events_dropped_total", "counter",
	    "Events lost because the writer queue was full.");
	fprintf(f, "bridgeguard_events_dropped_total %llu\n",
	    (unsigned long long)st.dropped);
	head(f, "bridgeguard_events_stdout_dropped_total", "counter",
	    "Event lines not written to stdout: nobody was reading it.");
	fprintf(f, "bridgeguard_events_stdout_dropped_total %llu\n",
	    (unsigned long long)st.stdout_dropped);
	head(f, "bridgeguard_events_write_errors_total", "counter",
	    "Failed writes or syncs of the events file.");
	fprintf(f, "bridgeguard_events_write_errors_total %llu\n",
	    (unsigned long long)st.write_errors);
}

/* Guests configured, and ports present by role, per guarded bridge. */
static void
bridges(FILE *f, const struct metrics_sources *d)
{
	const struct bg_config *cfg = policy_config(d->policy);
	struct hmap_iter it;
	const struct bg_link *br, *l;
	static const enum bg_port_kind order[] = { PORT_GUEST, PORT_TRUSTED,
	    PORT_UNKNOWN, PORT_MONITOR };
	size_t i, k, count[4];

	head(f, "bridgeguard_guests", "gauge", "Guests bound, per bridge.");
	for (i = 0; i < cfg->n_bridges; i++) {
		fputs("bridgeguard_guests{bridge=\"", f);
		label(f, cfg->bridges[i].name);
		fprintf(f, "\"} %zu\n", cfg->bridges[i].n_guests);
	}
	head(f, "bridgeguard_ports", "gauge",
	    "Ports present on a guarded bridge, by role.");
	for (i = 0; i < cfg->n_bridges; i++) {
		const struct bg_bridge *b = &cfg->bridges[i];
		struct bg_bridge *gb;

		memset(count, 0, sizeof(count));
		memset(&it, 0, sizeof(it));
		br = mon_link_byname(d->links, b->name);
		while (br && (l = mon_link_next(d->links, &it)) != NULL) {
			if (l->master != br->ifindex)
				continue;
			gb = NULL;
			config_guest(cfg, l->name, &gb);
			count[bridge_port_kind(b, l->name, gb)]++;
		}
		for (k = 0; k < 4; k++) {
			fputs("bridgeguard_ports{bridge=\"", f);
			label(f, b->name);
			fprintf(f, "\",role=\"%s\"} %zu\n", port_kind_name(
			    order[k]), count[order[k]]);
		}
	}
}

static void
counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
	head(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, v);
}

static void
health(FILE *f, const struct metrics_sources *d)
{
	struct txn_stats ps;
	struct drops_stats ds;

	policy_stats(d->policy, &ps);
	drops_stats(d->drops, &ds);
	counter(f, "bridgeguard_commits_total",
	    "Transactions committed to nf_tables.", ps.commits);
	counter(f, "bridgeguard_commit_failures_total",
	    "Transactions the kernel refused.", ps.failures);
	head(f, "bridgeguard_last_commit_seconds", "gauge",
	    "Duration of the last change, inside the daemon.");
	fprintf(f, "bridgeguard_last_commit_seconds %.6f\n",
	    (double)ps.last_us / 1e6);
	counter(f, "bridgeguard_nflog_drops_seen_total",
	    "Dropped frames reported by NFLOG.", ds.frames);
	counter(f, "bridgeguard_nflog_overruns_total",
	    "NFLOG overruns (counters then resynced).", ds.overruns);
	counter(f, "bridgeguard_netlink_resyncs_total",
	    "Full rtnetlink resyncs after ENOBUFS.", mon_link_resyncs(d->links)
	    + mon_neigh_resyncs(d->neigh));
	counter(f, "bridgeguard_sensor_bad_records_total",
	    "Malformed records from the sensor.", d->daemon->bad_records);
	counter(f, "bridgeguard_sensor_restarts_total",
	    "Sensor restarts.", d->daemon->sensor_restarts);
	counter(f, "bridgeguard_reloads_total", "Reloads applied.",
	    d->daemon->reloads);
	counter(f, "bridgeguard_reload_failures_total",
	    "Reloads refused (the old policy stayed).",
	    d->daemon->reload_failures);
	counter(f, "bridgeguard_control_rejected_total",
	    "Control requests rejected.", control_rejected(d->control));
	head(f, "bridgeguard_heap_bytes", "gauge",
	    "Heap memory the daemon holds (allocated, not freed).");
	fprintf(f, "bridgeguard_heap_bytes %zu\n", heap_in_use());
	head(f, "bridgeguard_up", "gauge", "1 while the daemon runs.");
	fprintf(f, "bridgeguard_up 1\n");
}

/* One counter family over the installed mirrors: frames, or bytes. */
static void
mirror_metric(FILE *f, const char *name, const char *help,
    const struct mirror_count *c, size_t n, bool bytes)
{
	size_t i;

	head(f, name, "counter", help);
	for (i = 0; i < n; i++)
		if (c[i].installed) {
			fprintf(f, "%s{mirror=\"", name);
			label(f, c[i].m->name);
			fprintf(f, "\"} %llu\n", (unsigned long long)(bytes ?
			    c[i].bytes : c[i].frames));
		}
}

static void
mirrors(FILE *f, const struct metrics_sources *d)
{
	struct mirror_count c[BG_MAX_MIRRORS];
	char err[256];
	size_t n;

	if (mirror_counters(policy_config(d->policy), c, &n, err,
	    sizeof(err)) == -1)
		n = 0;
	mirror_metric(f, "bridgeguard_mirror_frames_total",
	    "Frames copied by a mirror.", c, n, false);
	mirror_metric(f, "bridgeguard_mirror_bytes_total",
	    "Bytes copied by a mirror, Ethernet headers included.", c, n, true);
}

void
metrics_render(void *arg, FILE *f)
{
	const struct metrics_sources *d = arg;

	drops(f, d);
	events(f);
	bridges(f, d);
	mirrors(f, d);
	health(f, d);
}
