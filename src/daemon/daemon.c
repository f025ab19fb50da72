/*
 * `bridgeguard run`: apply the policy, then watch and keep it.
 *
 * Start: the monitors subscribe before they dump, then the whole ruleset
 * goes in as one transaction replacing whatever a previous run left (the
 * kernel switches atomically from the old rules to the new: no window, no
 * duplicate). Then one loop waits on rtnetlink, the sensor, the control
 * socket and the metrics socket. Exit leaves the ruleset in force: only
 * `bridgeguard flush` removes it.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agg.h"
#include "clock.h"
#include "arpwatch.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "events.h"
#include "exitcode.h"
#include "log.h"
#include "metrics.h"
#include "protect.h"
#include "stats.h"
#include "vxlan.h"

#define SENSOR_RETRY_MS		1000
#define MAX_STATIONS		(1 << 16)
#define MAX_WINDOWS		(1 << 18)
#define SENSOR_BATCH		256	/* records per wakeup, then others */

static volatile sig_atomic_t quit, reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		quit = 1;
}

/* Blocks our signals; they are let in only inside epoll_pwait. */
static void
signals_setup(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGHUP);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

/* systemd's Type=notify, without libsystemd: one datagram. */
static void
sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (path == NULL || ctl_sockaddr(path, &sun, &len) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	close(fd);
}

static void
links_cb(int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)events;
	if (mon_link_read(d->links) == -1)
		log_warn("reading link notifications");
}

static void
neigh_cb(int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)events;
	if (mon_neigh_read(d->neigh) == -1)
		log_warn("reading neighbour notifications");
}

static void
sensor_lost(struct daemon *d)
{
	log_warnx("the sensor exited; restarting it");
	loop_del(d->loop, d->sensor.fd);
	sensor_stop(&d->sensor);
	loop_timer_at(&d->sensor_timer, now_ms() + SENSOR_RETRY_MS);
}

static void
sensor_cb(int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	struct sensor_rec r;
	int i, rc = 0;

	(void)fd;
	(void)events;
	/* A bounded batch: a flood must not starve the other sockets. */
	for (i = 0; i < SENSOR_BATCH && (rc = sensor_read(&d->sensor,
	    &r)) == 1; i++) {
		if (r.kind == SR_DROP)
			spoof_drop(d, &r);
		else if (r.kind == SR_ARP)
			detect_arp(d, &r);
		else if (r.kind == SR_OVERRUN)
			spoof_sweep(d);
	}
	d->st.bad_records = d->sensor.bad_records;
	if (rc == -1)
		sensor_lost(d);
}

static int
sensor_up(struct daemon *d, char *err, size_t errlen)
{
	unsigned int group = protect_config(d->prot)->nflog_group;

	if (sensor_start(&d->sensor, group, err, errlen) == -1)
		return -1;
	if (loop_add(d->loop, d->sensor.fd, EPOLLIN, sensor_cb, d) == -1) {
		snprintf(err, errlen, "watching the sensor: %s",
		    strerror(errno));
		sensor_stop(&d->sensor);
		return -1;
	}
	d->sensor_group = group;
	return 0;
}

/* A new log group: the sensor must bind it. */
static void
sensor_restart(struct daemon *d)
{
	char err[512];

	loop_del(d->loop, d->sensor.fd);
	sensor_stop(&d->sensor);
	if (sensor_up(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		loop_timer_at(&d->sensor_timer, now_ms() + SENSOR_RETRY_MS);
	}
}

static void
sensor_retry(void *arg)
{
	struct daemon *d = arg;
	char err[512];

	if (d->sensor.fd != -1)
		return;		/* a reload started one meanwhile */
	d->st.sensor_restarts++;
	if (sensor_up(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		loop_timer_at(&d->sensor_timer, now_ms() + SENSOR_RETRY_MS);
	}
}

/* The bridge ports present now, for the unknown-port set. */
static int
ports_now(struct daemon *d, struct bg_port **ports, size_t *n, char *err,
    size_t errlen)
{
	if (mon_link_ports(d->links, ports, n) == 0)
		return 0;
	snprintf(err, errlen, "listing bridge ports: %s", strerror(errno));
	return -1;
}

/*
 * Remote mirrors' VXLAN devices, before compiling: the rules name their
 * ifindex (as `apply` does). The link table is then re-read at once.
 */
static int
mirror_devices(struct daemon *d, const struct bg_config *cfg, char *err,
    size_t errlen)
{
	if (vxlan_setup(cfg, err, errlen) == -1)
		return -1;
	if (mon_link_sync(d->links) == -1) {
		snprintf(err, errlen, "listing interfaces: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Devices of mirrors the policy in force no longer has. */
static void
mirror_prune(struct daemon *d)
{
	char err[512];

	if (vxlan_prune(protect_config(d->prot), err, sizeof(err)) == -1)
		log_warnx("%s", err);
}


/* The policy of the file, applied as a diff; the old one stays on error. */
static int
do_reload(struct daemon *d, char *err, size_t errlen)
{
	struct protect_stats before, after;
	struct bg_config cfg;
	struct bg_port *ports = NULL;
	size_t n = 0;
	int rc = -1;

	if (config_load(d->config_path, &cfg, err, errlen) == -1)
		goto out;
	protect_stats(d->prot, &before);
	if (mirror_devices(d, &cfg, err, errlen) == -1 ||
	    ports_now(d, &ports, &n, err, errlen) == -1 ||
	    protect_reload(d->prot, &cfg, ports, n, err, errlen) == -1) {
		config_clear(&cfg);
		goto out;
	}
	protect_stats(d->prot, &after);
	mirror_prune(d);
	/* Replaced sets count from zero again. */
	if (after.full_applies != before.full_applies)
		agg_reset(d->agg);
	arpwatch_seed_config(d->arp, protect_config(d->prot));
	if (protect_config(d->prot)->nflog_group != d->sensor_group)
		sensor_restart(d);
	rc = 0;
out:
	free(ports);
	/* The YAML document was tens of MiB at 10,000 guests: give it back. */
	malloc_trim(0);
	if (rc == -1)
		d->st.reload_failures++;
	else
		d->st.reloads++;
	return rc;
}

static void
reload_now(struct daemon *d)
{
	char err[1024];

	sd_notify("RELOADING=1");
	if (events_reopen() == -1)
		log_warn("reopening the events file");
	if (do_reload(d, err, sizeof(err)) == -1)
		log_warnx("reload: %s; the running policy stays in force",
		    err);
	else
		log_info("reloaded %s", d->config_path);
	sd_notify("READY=1");
}

/* --save: the policy in force, written where the next start reads it. */
static int
save_config(struct daemon *d, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->config_path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "saving %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "# Written by bridgeguard (guest add/del --save).\n");
	config_print(f, protect_config(d->prot));
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0 || !ok || rename(tmp, d->config_path) == -1) {
		snprintf(err, errlen, "saving %s: %s", d->config_path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static uint32_t __attribute__((format(printf, 4, 5)))
answer(char **out, size_t *len, uint32_t type, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*out = NULL;
		n = 0;
	}
	*len = (size_t)n;
	return type;
}

static const char *
port_bridge(struct daemon *d, const char *port)
{
	const struct bg_link *br = mon_link_bridge_of(d->links,
	    mon_link_byname(d->links, port));

	return br ? br->name : NULL;
}

static uint32_t
ctl_guest_add(struct daemon *d, struct ctl_guest *cg, char **out, size_t *len)
{
	struct protect_stats ps;
	struct bg_guest g;
	char err[512];
	uint32_t i;

	ctl_guest_model(cg, &g);
	if (protect_guest_add(d->prot, cg->bridge, &g, port_bridge(d,
	    cg->port), err, sizeof(err)) == -1)
		return answer(out, len, CTL_ERROR, "guest add: %s", err);
	for (i = 0; i < cg->n_ip4; i++)
		arpwatch_seed(d->arp, cg->bridge, (uint8_t *)&cg->ip4[i],
		    cg->mac);
	if ((cg->flags & CTL_F_SAVE) && save_config(d, err, sizeof(err)))
		return answer(out, len, CTL_ERROR, "guest bound, but %s", err);
	protect_stats(d->prot, &ps);
	log_info("guest %s bound on %s", cg->port, cg->bridge);
	return answer(out, len, CTL_OK, "guest %s bound on %s (%zu changes "
	    "committed in %llu us)", cg->port, cg->bridge, ps.last_elems,
	    (unsigned long long)ps.last_us);
}

static uint32_t
ctl_guest_del(struct daemon *d, struct ctl_guest *cg, char **out, size_t *len)
{
	struct protect_stats ps;
	char err[512];

	if (protect_guest_del(d->prot, cg->port, (cg->flags & CTL_F_MAC) ?
	    cg->mac : NULL, cg->bridge[0] ? cg->bridge : NULL,
	    port_bridge(d, cg->port), err, sizeof(err)) == -1)
		return answer(out, len, CTL_ERROR, "guest del: %s", err);
	if ((cg->flags & CTL_F_SAVE) && save_config(d, err, sizeof(err)))
		return answer(out, len, CTL_ERROR, "guest unbound, but %s",
		    err);
	protect_stats(d->prot, &ps);
	log_info("guest %s unbound", cg->port);
	return answer(out, len, CTL_OK, "guest %s unbound (%zu changes "
	    "committed in %llu us)", cg->port, ps.last_elems,
	    (unsigned long long)ps.last_us);
}

static uint32_t
ctl_config(struct daemon *d, char **out, size_t *len)
{
	FILE *f;

	if ((f = open_memstream(out, len)) == NULL)
		return answer(out, len, CTL_ERROR, "out of memory");
	config_print(f, protect_config(d->prot));
	if (fclose(f) != 0) {
		free(*out);
		return answer(out, len, CTL_ERROR, "out of memory");
	}
	return CTL_OK;
}

/* One request from the control socket; its length is checked already. */
static uint32_t
ctl_handler_cb(void *arg, uint32_t type, const void *payload, size_t plen,
    char **out, size_t *len)
{
	struct daemon *d = arg;
	struct ctl_guest cg;
	char err[1024];

	if (type == CTL_RELOAD) {
		if (do_reload(d, err, sizeof(err)) == -1) {
			log_warnx("reload: %s; the running policy stays in "
			    "force", err);
			return answer(out, len, CTL_ERROR, "reload: %s; the "
			    "running policy stays in force", err);
		}
		log_info("reloaded %s (control socket)", d->config_path);
		return answer(out, len, CTL_OK, "reloaded %s", d->config_path);
	}
	if (type == CTL_CONFIG)
		return ctl_config(d, out, len);
	if (plen != sizeof(cg))
		return answer(out, len, CTL_ERROR, "bad message length");
	memcpy(&cg, payload, sizeof(cg));	/* aligned, and ours */
	if (ctl_guest_check(&cg, type, err, sizeof(err)) == -1)
		return answer(out, len, CTL_ERROR, "bad request: %s", err);
	return type == CTL_GUEST_ADD ? ctl_guest_add(d, &cg, out, len) :
	    ctl_guest_del(d, &cg, out, len);
}

static void
daemon_free(struct daemon *d)
{
	control_close(d->ctl);
	metrics_close(d->metrics);
	if (d->sensor.fd != -1) {
		loop_del(d->loop, d->sensor.fd);
		sensor_stop(&d->sensor);
	}
	mon_link_close(d->links);
	mon_neigh_close(d->neigh);
	protect_free(d->prot);		/* the kernel's ruleset stays */
	agg_free(d->agg);
	arpwatch_free(d->arp);
	nameset_clear(&d->retry);
	loop_free(d->loop);
}

/* Monitors first, so nothing that happens while we apply is missed. */
static int
daemon_watch(struct daemon *d)
{
	if ((d->links = mon_link_open(detect_link, d)) == NULL) {
		log_warn("watching links");
		return -1;
	}
	if ((d->neigh = mon_neigh_open(detect_neigh, d)) == NULL) {
		log_warn("watching neighbours");
		return -1;
	}
	if (loop_add(d->loop, mon_link_fd(d->links), EPOLLIN, links_cb,
	    d) == -1 || loop_add(d->loop, mon_neigh_fd(d->neigh), EPOLLIN,
	    neigh_cb, d) == -1) {
		log_warn("watching netlink sockets");
		return -1;
	}
	return 0;
}

static int
daemon_apply(struct daemon *d, struct bg_config *cfg)
{
	struct bg_port *ports = NULL;
	size_t n = 0;
	char err[1024];
	int rc = -1;

	if (mirror_devices(d, cfg, err, sizeof(err)) == -1 ||
	    ports_now(d, &ports, &n, err, sizeof(err)) == -1 ||
	    protect_full(d->prot, cfg, ports, n, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	else {
		mirror_prune(d);
		rc = 0;
	}
	free(ports);
	return rc;
}

/* The sensor forks: before the event writer's thread exists. */
static int
daemon_start(struct daemon *d, const struct daemon_opts *o,
    struct bg_config *cfg)
{
	struct events_conf ec = { o->events, true, !o->no_syslog };
	char err[1024];

	d->sensor.fd = -1;
	nameset_init(&d->retry);
	if ((d->loop = loop_new()) == NULL || (d->prot = protect_new()) ==
	    NULL || (d->agg = agg_new(AGG_WINDOW_MS, MAX_WINDOWS)) == NULL ||
	    (d->arp = arpwatch_new(MAX_STATIONS)) == NULL) {
		log_warn("starting");
		return -1;
	}
	loop_timer_add(d->loop, &d->agg_timer, spoof_timer, d);
	loop_timer_add(d->loop, &d->retry_timer, detect_retry, d);
	loop_timer_add(d->loop, &d->sensor_timer, sensor_retry, d);
	loop_timer_add(d->loop, &d->refresh_timer, detect_refresh, d);
	/* The socket first: a second daemon stops before touching the kernel. */
	if ((d->ctl = control_open(o->socket ? o->socket : CTL_SOCKET,
	    d->loop, ctl_handler_cb, d, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if (daemon_watch(d) == -1 || daemon_apply(d, cfg) == -1)
		return -1;
	arpwatch_seed_config(d->arp, protect_config(d->prot));
	if (sensor_up(d, err, sizeof(err)) == -1 ||
	    events_open(&ec, err, sizeof(err)) == -1 ||
	    (o->metrics && (d->metrics = metrics_open(o->metrics, d->loop,
	    stats_render, d, err, sizeof(err))) == NULL)) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

static void
daemon_loop(struct daemon *d, const sigset_t *waitmask)
{
	while (!quit) {
		if (reload) {
			reload = 0;
			reload_now(d);
		}
		if (loop_once(d->loop, -1, waitmask) == -1)
			fatal("waiting for events");
	}
}

int
daemon_main(const struct daemon_opts *o)
{
	struct daemon d;
	struct bg_config cfg;
	sigset_t waitmask;
	char err[1024];
	int rc = EXIT_RUNTIME;

	if (config_load(o->config, &cfg, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return EXIT_CONFIG;
	}
	memset(&d, 0, sizeof(d));
	d.config_path = o->config;
	signals_setup(&waitmask);
	if (daemon_start(&d, o, &cfg) == 0) {
		log_info("protecting %zu bridge(s) of %s", protect_config(
		    d.prot)->n_bridges, o->config);
		sd_notify("READY=1");
		daemon_loop(&d, &waitmask);
		sd_notify("STOPPING=1");
		spoof_flush(&d, true);
		log_info("exiting; the ruleset stays in force");
		rc = 0;
	}
	events_close(1000);
	daemon_free(&d);
	config_clear(&cfg);
	return rc;
}
