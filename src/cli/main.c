/* The command line: bridgeguard [-c FILE] COMMAND [ARGS]. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "lv.h"
#include "sensor.h"
#include "probe.h"

#define BG_VERSION	"0.1.0"

static const char usage_text[] =
"usage: bridgeguard [-c FILE] [-v] COMMAND [ARGS]\n"
"\n"
"Port security for guests on Linux bridges, in one nftables transaction.\n"
"\n"
"commands:\n"
"  apply [--dry-run]      install the ruleset of the config (atomically);\n"
"                         --dry-run prints it in nft syntax instead\n"
"  check                  validate the config and print it back\n"
"  flush                  remove bridgeguard's tables, VXLAN devices and\n"
"                         tc filters\n"
"  status [--json]        bridges, ports, bindings (dhcp:, dad:, dhcpv6:\n"
"                         learned addresses), drop counters, mirrors\n"
"  demo                   build a lab in network namespaces, attack it,\n"
"                         protect it, attack again, report, clean up\n"
"  run [--events FILE] [--metrics ADDR:PORT] [--no-syslog]\n"
"                         the daemon: apply, keep ports protected as they\n"
"                         come and go, learn DHCP and DHCPv6 leases and\n"
"                         IPv6 addresses by DAD (ipv4: dhcp, ipv6: dhcpv6,\n"
"                         slaac), report attacks as JSON events\n"
"  guest add --bridge B --port P --mac M [--ipv4 A]... [--ipv6 A]... [--save]\n"
"  guest del --port P [--bridge B] [--mac M] [--save]\n"
"                         bind or unbind one guest in the running daemon\n"
"  reload                 make the daemon re-read its config (as SIGHUP)\n"
"  audit [--json] [--uri URI]\n"
"                         report what on this host is unsafe (exit 1 if\n"
"                         anything is of high severity); read-only\n"
"  libvirt-import [--uri URI]\n"
"                         print the static config of libvirt's running\n"
"                         domains (default URI " BG_LIBVIRT_URI ")\n"
"  events [--follow] [FILE]\n"
"                         print an events file for people (default\n"
"                         " BG_DEFAULT_EVENTS ")\n"
"\n"
"options:\n"
"  -c, --config FILE      config file (default " BG_DEFAULT_CONFIG ")\n"
"  -v, --verbose          more detail on stderr\n"
"  --socket PATH          the daemon's control socket (default @bridgeguard,\n"
"                         abstract, one per network namespace)\n"
"  -h, --help             this text\n"
"  -V, --version          print the version\n"
"\n"
"exit status: 0 success, 1 runtime or kernel error, 2 bad usage or config\n";

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

static int
load(const struct bg_opts *o, struct bg_config *cfg)
{
	char err[1024];

	if (config_load(o->config, cfg, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return EXIT_CONFIG;
	}
	return 0;
}

/*
 * The config with the guests of bridges with source: libvirt. Without
 * libvirt, apply must not go on (exit 1); status shows the rest.
 */
static int
load_all(const struct bg_opts *o, struct bg_config *cfg, bool strict)
{
	char err[1024];
	int rc;

	if ((rc = load(o, cfg)) != 0)
		return rc;
	if (lv_fill_config(o->config, cfg, err, sizeof(err)) == 0)
		return 0;
	if (!strict) {
		log_warnx("%s; showing the config's own guests", err);
		return 0;
	}
	log_warnx("%s", err);
	config_clear(cfg);
	return EXIT_RUNTIME;
}

/* What the probes found and chose, with -v. */
static void
log_kernel(void)
{
	const struct probe_result *pr;
	char err[256], line[256];
	int i;

	if ((pr = probe_kernel(err, sizeof(err))) == NULL)
		return;
	for (i = 0; probe_line(pr, i, line, sizeof(line)); i++)
		log_debug("kernel: %s", line);
}

/* Guests apply could not hook: their port does not exist yet. */
static void
print_waiting(struct apply_stats *st)
{
	size_t i;

	if (st->n_waiting)
		printf("waiting for %zu guest port%s (absent; this kernel "
		    "cannot hook absent devices: `bridgeguard run` hooks each "
		    "as it appears, and until then the bridge drops what it "
		    "sends):", st->n_waiting, st->n_waiting == 1 ? "" : "s");
	for (i = 0; i < st->n_waiting && i < 20; i++)
		printf(" %s", st->waiting[i]);
	if (st->n_waiting > 20)
		printf(" and %zu more", st->n_waiting - 20);
	if (st->n_waiting)
		printf("\n");
	free(st->waiting);
}

/* Learning guests: apply installs their DHCP-only state, no more. */
static void
warn_learning(const struct bg_config *cfg)
{
	const struct bg_guest *g;
	size_t i, j, n = 0;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++) {
			g = &cfg->bridges[i].guests[j];
			if ((guest_learns4(g) || guest_learns6(g)) &&
			    n++ == 0)
				log_warnx("%s (and every guest that learns its "
				    "addresses) may do DHCP and, from its "
				    "link-local address, neighbour discovery "
				    "only: learning needs `bridgeguard run`",
				    g->port);
		}
}

static int
cmd_apply(struct bg_opts *o)
{
	struct apply_stats st;
	struct bg_config cfg;
	struct ruleset rs;
	char err[1024];
	uint64_t t0 = now_us();
	int rc;

	if ((rc = load_all(o, &cfg, true)) != 0)
		return rc;
	log_debug("config %s read in %.1f ms", o->config,
	    (double)(now_us() - t0) / 1e3);
	if (o->verbose)
		log_kernel();
	if (o->dry_run) {
		/* Reads the bridge ports (unprivileged) and changes nothing. */
		if (apply_compile(&cfg, &rs, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			config_clear(&cfg);
			return EXIT_RUNTIME;
		}
		ruleset_print(stdout, &rs);
		ruleset_free(&rs);
	} else if (apply_config(&cfg, &st, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		rc = EXIT_RUNTIME;
	} else {
		for (size_t i = 0; i < st.n_inactive; i++)
			log_warnx("mirror %s is inactive: its monitor port does "
			    "not exist (apply again once it does)",
			    st.inactive[i]);
		print_waiting(&st);
		warn_learning(&cfg);
		log_debug("ruleset compiled in %.1f ms, %zu set elements "
		    "committed in one transaction in %.1f ms", st.compile_ms,
		    st.elements, st.commit_ms);
	}
	config_clear(&cfg);
	return rc;
}

static int
cmd_check(struct bg_opts *o)
{
	struct bg_config cfg;
	int rc;

	if ((rc = load(o, &cfg)) != 0)
		return rc;
	config_print(stdout, &cfg);
	config_clear(&cfg);
	return 0;
}

static int
cmd_flush(struct bg_opts *o)
{
	char err[1024];

	(void)o;
	if (apply_flush(err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* With a daemon running, its policy (runtime guests included) is shown. */
static int
cmd_status(struct bg_opts *o)
{
	struct bg_config cfg;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	if ((rc = ctl_fetch_config(o, &cfg)) == -1)
		return EXIT_RUNTIME;
	if (rc == 0 && (rc = load_all(o, &cfg, false)) != 0)
		return rc;
	rc = status_show(stdout, &cfg, o->config, o->json);
	config_clear(&cfg);
	return rc;
}

static int
cmd_run(struct bg_opts *o)
{
	struct daemon_opts d = { o->config, o->events, o->metrics, o->socket,
	    o->no_syslog };

	if (o->argc != 0) {
		log_warnx("usage: bridgeguard [-c FILE] run [--events FILE] "
		    "[--metrics ADDR:PORT] [--socket PATH] [--no-syslog]");
		return EXIT_CONFIG;
	}
	return daemon_main(&d);
}

static const struct command {
	const char	*name;
	int		(*fn)(struct bg_opts *);
} commands[] = {
	{ "apply", cmd_apply },
	{ "check", cmd_check },
	{ "flush", cmd_flush },
	{ "status", cmd_status },
	{ "demo", demo_run },
	{ "run", cmd_run },
	{ "guest", ctl_guest_cmd },
	{ "reload", ctl_reload_cmd },
	{ "events", events_print_cmd },
	{ "audit", audit_cmd },
	{ "libvirt-import", libvirt_import_cmd },
};

enum { O_EVENTS = 256, O_METRICS, O_SOCKET, O_NOSYSLOG, O_SAVE, O_FOLLOW,
    O_BRIDGE, O_PORT, O_MAC, O_IPV4, O_IPV6, O_URI };

static int
opt_addr(const char **list, size_t *n, const char *arg)
{
	if (*n == BG_MAX_OPT_ADDRS) {
		log_warnx("at most %d addresses of a kind", BG_MAX_OPT_ADDRS);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

/* The daemon's and the control commands' long options. */
static int
long_opt(struct bg_opts *o, int ch)
{
	switch (ch) {
	case O_EVENTS:
		o->events = optarg;
		break;
	case O_METRICS:
		o->metrics = optarg;
		break;
	case O_SOCKET:
		o->socket = optarg;
		break;
	case O_NOSYSLOG:
		o->no_syslog = true;
		break;
	case O_SAVE:
		o->save = true;
		break;
	case O_FOLLOW:
		o->follow = true;
		break;
	case O_BRIDGE:
		o->bridge = optarg;
		break;
	case O_PORT:
		o->port = optarg;
		break;
	case O_MAC:
		o->mac = optarg;
		break;
	case O_IPV4:
		return opt_addr(o->ipv4, &o->n_ipv4, optarg);
	case O_IPV6:
		return opt_addr(o->ipv6, &o->n_ipv6, optarg);
	case O_URI:
		o->uri = optarg;
		break;
	default:
		return -1;
	}
	return 0;
}

/* Options are accepted before and after the command, as iproute2 does. */
static int
parse_opts(int argc, char **argv, struct bg_opts *o, bool stop_at_command)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "no-syslog", no_argument, NULL, O_NOSYSLOG },
		{ "save", no_argument, NULL, O_SAVE },
		{ "follow", no_argument, NULL, O_FOLLOW },
		{ "bridge", required_argument, NULL, O_BRIDGE },
		{ "port", required_argument, NULL, O_PORT },
		{ "mac", required_argument, NULL, O_MAC },
		{ "ipv4", required_argument, NULL, O_IPV4 },
		{ "ipv6", required_argument, NULL, O_IPV6 },
		{ "uri", required_argument, NULL, O_URI },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, stop_at_command ? "+c:vhV" :
	    "c:vhVnj", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			o->config_given = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("bridgeguard %s\n", BG_VERSION);
			exit(0);
		case 'n':
			o->dry_run = true;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			if (ch < O_EVENTS || long_opt(o, ch) == -1)
				return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bg_opts o = { .config = BG_DEFAULT_CONFIG };
	const char *name;
	size_t i;

	/* The daemon starts its sensor as this binary under another name. */
	if (argc > 0 && strcmp(argv[0], SENSOR_ARGV0) == 0)
		sensor_main(argc, argv);
	if (parse_opts(argc, argv, &o, true) == -1 || optind >= argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	name = argv[optind];
	/* Re-parse what follows the command with the command's options. */
	argc -= optind;
	argv += optind;
	optind = 0;	/* 0: glibc starts afresh (and permutes, not stops) */
	if (parse_opts(argc, argv, &o, false) == -1)
		return EXIT_CONFIG;
	o.argc = argc - optind;
	o.argv = argv + optind;
	log_init(1, o.verbose);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].fn(&o);
	log_warnx("unknown command '%s' (see bridgeguard --help)", name);
	return EXIT_CONFIG;
}
