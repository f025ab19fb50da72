/* The command line: bridgeguard [-c FILE] COMMAND [ARGS]. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "bridgeguard.h"
#include "config.h"
#include "log.h"

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
"  flush                  remove bridgeguard's tables (and nothing else)\n"
"  status [--json]        bridges, ports, bindings and drop counters\n"
"  demo                   build a lab in network namespaces, attack it,\n"
"                         protect it, attack again, report, clean up\n"
"\n"
"options:\n"
"  -c, --config FILE      config file (default " BG_DEFAULT_CONFIG ")\n"
"  -v, --verbose          more detail on stderr\n"
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

static int
cmd_apply(struct bg_opts *o)
{
	struct apply_stats st;
	struct bg_config cfg;
	struct ruleset rs;
	char err[1024];
	double t0 = apply_now_ms();
	int rc;

	if ((rc = load(o, &cfg)) != 0)
		return rc;
	log_debug("config %s read in %.1f ms", o->config, apply_now_ms() - t0);
	if (o->dry_run) {
		/* Without the kernel: no unknown ports are known. */
		if (ruleset_build(&rs, &cfg, NULL, 0) == -1) {
			log_warn("compiling the ruleset");
			config_clear(&cfg);
			return EXIT_RUNTIME;
		}
		ruleset_print(stdout, &rs);
		ruleset_free(&rs);
	} else if (apply_config(&cfg, &st, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		rc = EXIT_RUNTIME;
	} else
		log_debug("ruleset compiled in %.1f ms, %zu set elements "
		    "committed in one transaction in %.1f ms", st.compile_ms,
		    st.elements, st.commit_ms);
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

static int
cmd_status(struct bg_opts *o)
{
	struct bg_config cfg;
	int rc;

	if ((rc = load(o, &cfg)) != 0)
		return rc;
	rc = status_show(stdout, &cfg, o->json);
	config_clear(&cfg);
	return rc;
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
};

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
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, stop_at_command ? "+c:vhV" :
	    "c:vhVnj", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
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

	if (parse_opts(argc, argv, &o, true) == -1 || optind >= argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	name = argv[optind];
	/* Re-parse what follows the command with the command's options. */
	argc -= optind;
	argv += optind;
	optind = 1;
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
