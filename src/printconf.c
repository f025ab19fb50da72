/* Model → YAML, for `check`: parse → print → parse gives the same model. */
#include <arpa/inet.h>
#include <stdio.h>

#include "bridgeguard.h"

static void
print_guest(FILE *f, const struct bg_guest *g)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	fprintf(f, "      - port: %s\n        mac: %s\n", g->port,
	    mac_format(g->mac, buf));
	if (g->n_ip4) {
		fprintf(f, "        ipv4: [");
		for (i = 0; i < g->n_ip4; i++)
			fprintf(f, "%s%s", i ? ", " : "",
			    inet_ntop(AF_INET, &g->ip4[i], buf, sizeof(buf)));
		fprintf(f, "]\n");
	}
	if (g->n_ip6) {
		fprintf(f, "        ipv6: [");
		for (i = 0; i < g->n_ip6; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "",
			    inet_ntop(AF_INET6, &g->ip6[i], buf, sizeof(buf)));
		fprintf(f, "]\n");
	}
}

void
config_print(FILE *f, const struct bg_config *cfg)
{
	size_t i, j;

	if (cfg->nflog_group != BG_NFLOG_GROUP)
		fprintf(f, "nflog-group: %u\n", cfg->nflog_group);
	fprintf(f, "bridges:\n");
	for (i = 0; i < cfg->n_bridges; i++) {
		const struct bg_bridge *b = &cfg->bridges[i];

		fprintf(f, "  - name: %s\n", b->name);
		fprintf(f, "    trusted-ports: [");
		for (j = 0; j < b->n_trusted; j++)
			fprintf(f, "%s%s", j ? ", " : "", b->trusted[j]);
		fprintf(f, "]\n    unknown-ports: %s\n",
		    b->allow_unknown ? "allow" : "drop");
		fprintf(f, "    guests:%s\n", b->n_guests ? "" : " []");
		for (j = 0; j < b->n_guests; j++)
			print_guest(f, &b->guests[j]);
	}
}
