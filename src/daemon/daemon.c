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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "detect.h"
#include "drops.h"
#include "events.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"
#include "lv.h"
#include "metrics.h"
#include "metrics_http.h"
#include "mon_libvirt.h"
#include "policy.h"
#include "ports.h"
#include "probe.h"
#include "requests.h"
#include "snoop.h"
#include "stations.h"
#include "txn.h"
#include "vxlan.h"

#define SENSOR_RETRY_MS		1000
#define MAX_STATIONS		(1 << 16)
#define SENSOR_BATCH		256	/* records per wakeup, then others */
#define SNOOP_TICK_MS		1000	/* lease expiry */

/* The parts, and how they are wired; no part sees this. */
struct daemon {
	const char		*config_path;
	struct loop		*loop;
	struct policy		*pol;
	struct mon_link		*links;
	struct mon_neigh	*neigh;
	struct ports		*ports;
	struct drops		*drops;
	struct stations		*stations;
	struct snoop		*snoop;
	struct loop_timer	 snoop_timer;
	uint64_t		 snoop_tick_ms;	/* when the next tick is due */
	struct sensor		 sensor;
	unsigned int		 sensor_group;
	struct loop_timer	 sensor_timer;	/* restart a dead sensor */
	struct control		*ctl;
	struct mon_libvirt	*lv;		/* source: libvirt */
	struct requests		 req;
	struct metrics_http	*metrics;
	struct metrics_sources	 msrc;
	struct daemon_counters	 st;
};

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
	loop_del(d->loop, d->sensor.fd);
	sensor_stop(&d->sensor);
	/* SIGSYS: its seccomp filter stopped a call it never makes. */
	if (WIFSIGNALED(d->sensor.status) &&
	    WTERMSIG(d->sensor.status) == SIGSYS)
		log_warnx("the sensor was killed for a system call it may not "
		    "make (seccomp): a frame may have subverted its parser; "
		    "restarting it");
	else
		log_warnx("the sensor exited; restarting it");
	loop_timer_at(&d->sensor_timer, now_ms() + SENSOR_RETRY_MS);
}

/* The timer, at the next tick or the end of a DAD period if sooner. */
static void
snoop_arm(struct daemon *d)
{
	uint64_t dad = snoop_next_ms(d->snoop);

	loop_timer_at(&d->snoop_timer, dad < d->snoop_tick_ms ? dad :
	    d->snoop_tick_ms);
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
			drops_frame(d->drops, &r);
		else if (r.kind == SR_ARP)
			stations_arp(d->stations, d->links,
			    policy_config(d->pol), &r);
		else if (r.kind == SR_OVERRUN)
			drops_overrun(d->drops);
		else if (r.kind == SR_DHCP)
			snoop_dhcp(d->snoop, d->pol, d->links, &r);
		else if (r.kind == SR_ND)
			snoop_nd(d->snoop, d->pol, d->links, &r);
		else if (r.kind == SR_DHCP6)
			snoop_dhcp6(d->snoop, d->pol, d->links, &r);
	}
	snoop_arm(d);
	d->st.bad_records = d->sensor.bad_records;
	if (rc == -1)
		sensor_lost(d);
}

static void
snoop_cb(void *arg)
{
	struct daemon *d = arg;
	uint64_t now = now_ms();

	if (now >= d->snoop_tick_ms) {
		snoop_tick(d->snoop, d->pol);
		d->snoop_tick_ms = now + SNOOP_TICK_MS;
	}
	snoop_dad_tick(d->snoop, d->pol);
	snoop_arm(d);
}

static int
sensor_up(struct daemon *d, char *err, size_t errlen)
{
	unsigned int group = policy_config(d->pol)->nflog_group;

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

	if (vxlan_prune(policy_config(d->pol), err, sizeof(err)) == -1)
		log_warnx("%s", err);
}


/* The policy of the file, applied as a diff; the old one stays on error. */
static int
do_reload(struct daemon *d, char *err, size_t errlen)
{
	struct txn_stats before, after;
	struct bg_config cfg;
	struct bg_port *ports = NULL;
	size_t n = 0;
	int rc = -1;

	if (config_load(d->config_path, &cfg, err, errlen) == -1)
		goto out;
	if (lv_fill_config(d->config_path, &cfg, err, errlen) == -1) {
		config_clear(&cfg);
		goto out;
	}
	policy_stats(d->pol, &before);
	snoop_fill(d->snoop, &cfg);
	if (mirror_devices(d, &cfg, err, errlen) == -1 ||
	    ports_now(d, &ports, &n, err, errlen) == -1 ||
	    policy_reload(d->pol, &cfg, ports, n, err, errlen) == -1) {
		config_clear(&cfg);
		goto out;
	}
	policy_stats(d->pol, &after);
	snoop_prune(d->snoop, d->pol);
	mirror_prune(d);
	/* Replaced sets count from zero again. */
	if (after.full_applies != before.full_applies)
		drops_reset(d->drops);
	stations_seed(d->stations, policy_config(d->pol));
	if (policy_config(d->pol)->nflog_group != d->sensor_group)
		sensor_restart(d);
	mon_libvirt_reload(d->lv);
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

/* The reload of a control request: as SIGHUP's. */
static int
reload_cb(void *arg, char *err, size_t errlen)
{
	return do_reload(arg, err, errlen);
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

static void
daemon_free(struct daemon *d)
{
	mon_libvirt_close(d->lv);
	control_close(d->ctl);
	metrics_http_close(d->metrics);
	if (d->sensor.fd != -1) {
		loop_del(d->loop, d->sensor.fd);
		sensor_stop(&d->sensor);
	}
	ports_free(d->ports);
	mon_link_close(d->links);
	mon_neigh_close(d->neigh);
	policy_free(d->pol);		/* the kernel's ruleset stays */
	snoop_free(d->snoop);
	drops_free(d->drops);
	stations_free(d->stations);
	loop_free(d->loop);
}

/* What the monitors saw, to those who act on it. */
static void
on_link(void *arg, const struct bg_link *old, const struct bg_link *new)
{
	struct daemon *d = arg;

	detect_link(d->links, policy_config(d->pol), old, new);
	if (d->ports)
		ports_link(d->ports, old, new);
}

static void
on_neigh(void *arg, const struct neigh_change *c)
{
	struct daemon *d = arg;

	detect_neigh(d->links, policy_config(d->pol), c);
}

/* A full replacement: the drop counters start from zero. */
static void
on_replaced(void *arg)
{
	struct daemon *d = arg;

	drops_reset(d->drops);
}

/* Monitors first, so nothing that happens while we apply is missed. */
static int
daemon_watch(struct daemon *d)
{
	if ((d->links = mon_link_open(on_link, d)) == NULL) {
		log_warn("watching links");
		return -1;
	}
	if ((d->neigh = mon_neigh_open(on_neigh, d)) == NULL) {
		log_warn("watching neighbours");
		return -1;
	}
	if (loop_add(d->loop, mon_link_fd(d->links), EPOLLIN, links_cb,
	    d) == -1 || loop_add(d->loop, mon_neigh_fd(d->neigh), EPOLLIN,
	    neigh_cb, d) == -1) {
		log_warn("watching netlink sockets");
		return -1;
	}
	if ((d->ports = ports_new(d->loop, d->pol, d->links, on_replaced,
	    d)) == NULL || (d->drops = drops_new(d->loop, d->links)) == NULL) {
		log_warn("starting");
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
	    policy_full(d->pol, cfg, ports, n, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	else {
		mirror_prune(d);
		rc = 0;
	}
	free(ports);
	return rc;
}

/* Who reads and changes what, for the control socket and /metrics. */
static void
daemon_wire(struct daemon *d)
{
	d->req = (struct requests){ d->pol, d->stations, d->links,
	    d->config_path, reload_cb, d };
	d->msrc = (struct metrics_sources){ d->pol, d->links, d->neigh,
	    d->drops, d->ctl, &d->st };
}

/* The sensor forks: before the event writer's thread exists. */
static int
daemon_start(struct daemon *d, const struct daemon_opts *o,
    struct bg_config *cfg)
{
	struct events_conf ec = { o->events, true, !o->no_syslog };
	char err[1024];

	d->sensor.fd = -1;
	if ((d->loop = loop_new()) == NULL || (d->pol = policy_new()) ==
	    NULL || (d->stations = stations_new(MAX_STATIONS)) == NULL ||
	    (d->snoop = snoop_new(d->config_path)) == NULL) {
		log_warn("starting");
		return -1;
	}
	loop_timer_add(d->loop, &d->sensor_timer, sensor_retry, d);
	loop_timer_add(d->loop, &d->snoop_timer, snoop_cb, d);
	/* The socket first: a second daemon stops before touching the kernel. */
	if ((d->ctl = control_open(o->socket ? o->socket : CTL_SOCKET,
	    d->loop, requests_handle, &d->req, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if (daemon_watch(d) == -1)
		return -1;
	daemon_wire(d);
	/* Persisted bindings go in with the ruleset, in its transaction. */
	snoop_fill(d->snoop, cfg);
	if (daemon_apply(d, cfg) == -1)
		return -1;
	snoop_prune(d->snoop, d->pol);
	d->snoop_tick_ms = now_ms() + SNOOP_TICK_MS;
	snoop_arm(d);
	stations_seed(d->stations, policy_config(d->pol));
	if (sensor_up(d, err, sizeof(err)) == -1 ||
	    events_open(&ec, err, sizeof(err)) == -1 ||
	    (o->metrics && (d->metrics = metrics_http_open(o->metrics,
	    d->loop, metrics_render, &d->msrc, err, sizeof(err))) == NULL)) {
		log_warnx("%s", err);
		return -1;
	}
	/* After the sensor's fork: libvirt's event loop is a thread. */
	if ((d->lv = mon_libvirt_open(d->loop, d->pol, d->links,
	    d->stations)) == NULL) {
		log_warn("following libvirt");
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


/* What the kernel offers and what was chosen, and who waits for a port. */
static void
log_kernel(const struct policy *pol)
{
	char (*w)[BG_IFNAMSIZ], line[256], err[256];
	const struct probe_result *pr;
	size_t i, n;

	if ((pr = probe_kernel(err, sizeof(err))) != NULL)
		for (i = 0; probe_line(pr, (int)i, line, sizeof(line)); i++)
			log_info("kernel: %s", line);
	if (pr == NULL || pr->k.absent_hooks ||
	    (w = calloc(8, sizeof(*w))) == NULL)
		return;
	if ((n = policy_waiting(pol, w, 8)) > 0)
		log_info("%zu or more guest port(s) absent, hooked as they "
		    "appear: %s%s%s%s", n, w[0], n > 1 ? " " : "",
		    n > 1 ? w[1] : "", n > 2 ? " ..." : "");
	free(w);
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
	/* libvirt down: start with the static guests; the monitor retries. */
	if (lv_fill_config(o->config, &cfg, err, sizeof(err)) == -1)
		log_warnx("%s; starting without libvirt's guests", err);
	memset(&d, 0, sizeof(d));
	d.config_path = o->config;
	signals_setup(&waitmask);
	if (daemon_start(&d, o, &cfg) == 0) {
		log_kernel(d.pol);
		log_info("protecting %zu bridge(s) of %s", policy_config(
		    d.pol)->n_bridges, o->config);
		sd_notify("READY=1");
		daemon_loop(&d, &waitmask);
		sd_notify("STOPPING=1");
		drops_flush(d.drops, true);
		log_info("exiting; the ruleset stays in force");
		rc = 0;
	}
	events_close(1000);
	daemon_free(&d);
	config_clear(&cfg);
	return rc;
}
