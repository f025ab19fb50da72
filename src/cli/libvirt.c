/* `libvirt-import`: libvirt's running domains as a static config. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "lv.h"

/* Which domain each port is, as YAML comments above the config. */
static void
print_origin(FILE *f, const char *uri, const struct lv_list *l)
{
	size_t k;

	fprintf(f, "# bridgeguard libvirt-import: the running domains of %s\n",
	    uri);
	for (k = 0; k < l->n; k++)
		fprintf(f, "# %-15s domain %s (%s)%s%s\n", l->v[k].tap,
		    l->v[k].domain, l->v[k].uuid, l->v[k].stable_name ? "" :
		    ", tap name not persistent: libvirt may rename it",
		    l->v[k].filter[0] ? ", has an nwfilter" : "");
}

int
libvirt_import_cmd(struct bg_opts *o)
{
	struct lv_list l = { 0 };
	struct bg_config cfg;
	struct lv_conn *c;
	char err[1024];
	int rc = EXIT_RUNTIME;

	if (o->argc != 0) {
		log_warnx("usage: bridgeguard libvirt-import [--uri URI]");
		return EXIT_CONFIG;
	}
	if ((c = lv_open(o->uri, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return EXIT_RUNTIME;
	}
	if (lv_interfaces(c, &l, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (lv_import(&cfg, &l) == -1) {
		log_warn("libvirt-import");
		goto out;
	}
	if (config_validate("libvirt", &cfg, err, sizeof(err)) == -1)
		log_warnx("the domains' bindings do not validate, fix "
		    "before use: %s", err);
	print_origin(stdout, lv_uri(c), &l);
	config_print(stdout, &cfg);
	config_clear(&cfg);
	rc = 0;
out:
	lv_list_clear(&l);
	lv_close(c);
	return rc;
}
