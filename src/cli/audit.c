/* `audit [--json] [--uri URI]`: the findings as a table or JSON. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "config.h"
#include "snoop.h"
#include "log.h"
#include "lv.h"

static json_t *
str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static void
print_json(FILE *f, const struct au_report *r)
{
	json_t *a = json_array();
	size_t k;

	for (k = 0; k < r->n; k++) {
		const struct au_finding *x = &r->v[k];

		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o, s:s, "
		    "s:s}", "check", x->check, "severity",
		    au_severity_name(x->severity), "bridge",
		    str_or_null(x->bridge), "port", str_or_null(x->port),
		    "message", x->message, "fix", x->fix));
	}
	json_dumpf(a, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(a);
}

static void
print_table(FILE *f, const struct au_report *r)
{
	size_t k, n[3] = { 0, 0, 0 };

	if (r->n)
		fprintf(f, "%-8s %-19s %-15s %-15s %s\n", "SEVERITY", "CHECK",
		    "BRIDGE", "PORT", "FINDING");
	for (k = 0; k < r->n; k++) {
		const struct au_finding *x = &r->v[k];

		n[x->severity]++;
		fprintf(f, "%-8s %-19s %-15s %-15s %s\n",
		    au_severity_name(x->severity), x->check,
		    x->bridge[0] ? x->bridge : "-", x->port[0] ? x->port : "-",
		    x->message);
		fprintf(f, "%62s fix: %s\n", "", x->fix);
	}
	if (r->n == 0)
		fprintf(f, "no findings\n");
	else
		fprintf(f, "%zu finding%s: %zu high, %zu medium, %zu low\n",
		    r->n, r->n == 1 ? "" : "s", n[AU_HIGH], n[AU_MEDIUM],
		    n[AU_LOW]);
	for (k = 0; k < r->n_notes; k++)
		fprintf(f, "note: %s\n", r->notes[k]);
}

/* The addresses learning guests have learned, from the daemon's file:
 * the kernel binds them as it binds configured ones. */
static void
fill_learned(const struct bg_opts *o, struct bg_config *cfg)
{
	struct snoop *s = snoop_new(o->config);

	if (s != NULL)
		snoop_fill(s, cfg);
	snoop_free(s);
}

/* The policy: the daemon's if one runs, else the config file's if there
 * is one (-c: there must be), with libvirt's guests (*whole: they could
 * be read) and the learned addresses. 1 if cfg was filled, 0 if none, or
 * -EXIT_*. */
static int
audit_policy(struct bg_opts *o, struct bg_config *cfg, bool *whole)
{
	char err[1024];
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	*whole = true;
	if ((rc = ctl_fetch_config(o, cfg)) == -1)
		return -EXIT_RUNTIME;
	if (rc == 1) {
		fill_learned(o, cfg);
		return 1;
	}
	if (!o->config_given && access(o->config, F_OK) == -1 &&
	    errno == ENOENT)
		return 0;
	if (config_load(o->config, cfg, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -EXIT_CONFIG;
	}
	if (lv_fill_config(o->config, cfg, err, sizeof(err)) == -1) {
		log_warnx("%s: the bindings in the kernel are not compared "
		    "with the config", err);
		*whole = false;
	}
	fill_learned(o, cfg);
	return 1;
}

static const char *
policy_uri(const struct bg_opts *o, const struct bg_config *cfg)
{
	size_t k;

	if (o->uri)
		return o->uri;
	for (k = 0; k < cfg->n_bridges; k++)
		if (cfg->bridges[k].libvirt[0])
			return cfg->bridges[k].libvirt;
	return NULL;
}

int
audit_cmd(struct bg_opts *o)
{
	struct au_opts ao = { NULL, NULL, true };
	struct au_report r;
	struct bg_config cfg;
	char err[1024];
	int rc;

	if (o->argc != 0) {
		log_warnx("usage: bridgeguard audit [--json] [--uri URI]");
		return EXIT_CONFIG;
	}
	if ((rc = audit_policy(o, &cfg, &ao.compare)) < 0)
		return -rc;
	ao.cfg = rc == 1 ? &cfg : NULL;
	ao.uri = policy_uri(o, &cfg);
	if (audit_run(&ao, &r, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		config_clear(&cfg);
		return EXIT_RUNTIME;
	}
	if (o->json)
		print_json(stdout, &r);
	else
		print_table(stdout, &r);
	rc = au_report_high(&r) ? 1 : 0;
	au_report_free(&r);
	config_clear(&cfg);
	return rc;
}
