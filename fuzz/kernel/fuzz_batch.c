/* links: src/kernel/nft.c src/kernel/nft_query.c src/kernel/nft_sock.c src/kernel/nft_dump.c src/kernel/linearize.c src/ruleset/ruleset.c src/ruleset/guest.c src/ruleset/entry.c src/ruleset/learn.c src/ruleset/drop.c src/ruleset/dhcp.c src/ruleset/frag.c src/ruleset/nd.c src/ruleset/mirror.c src/ruleset/table.c src/ruleset/ir.c src/ruleset/fields.c src/ruleset/print.c src/lib/reason.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * libFuzzer harness for config → ruleset → netlink batch, on both mirror
 * backends (nft dup and tc), on kernels with and without hooks on absent
 * devices and meta ibrname, with every port the config names present and
 * with none: an accepted config compiles or fails with a message (a
 * bound), never writes past a builder's array; what it compiles to prints,
 * and becomes a batch (the whole-ruleset and the replacing one) of
 * well-formed messages. Nothing is asked of the kernel.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "config.h"
#include "nft.h"
#include "ruleset.h"

#define MAX_PORTS	512

static size_t
port_add(struct bg_port *p, size_t n, const char *bridge, const char *name)
{
	if (n == MAX_PORTS || name[0] == '\0')
		return n;
	memset(&p[n], 0, sizeof(p[n]));
	snprintf(p[n].bridge, sizeof(p[n].bridge), "%s", bridge);
	snprintf(p[n].port, sizeof(p[n].port), "%s", name);
	p[n].ifindex = (int)n + 2;
	return n + 1;
}

/* Every bridge, guest, trusted and monitor port of cfg, as if present. */
static size_t
ports_of(const struct bg_config *cfg, struct bg_port *p)
{
	const struct bg_bridge *b;
	size_t i, j, n = 0;

	for (i = 0; i < cfg->n_bridges; i++) {
		b = &cfg->bridges[i];
		n = port_add(p, n, "", b->name);
		for (j = 0; j < b->n_guests; j++)
			n = port_add(p, n, b->name, b->guests[j].port);
		for (j = 0; j < b->n_trusted; j++)
			n = port_add(p, n, b->name, b->trusted[j]);
		for (j = 0; j < b->n_mirrors; j++)
			n = port_add(p, n, b->name, b->mirrors[j].to);
	}
	return n;
}

static int
msg_ok(const struct nlmsghdr *nlh, const char *what, void *arg)
{
	(void)what;
	(void)arg;
	if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > (1U << 20))
		abort();
	return 0;
}

/* The batch apply sends: a fresh install, or one replacing our tables. */
static void
batch(const struct ruleset *rs, bool replace)
{
	struct nft_batch *nb;

	if ((nb = nft_batch_new()) == NULL)
		return;
	if (nft_batch_ruleset(nb, rs, replace, replace) == 0)
		nft_batch_foreach(nb, msg_ok, NULL);
	nft_batch_free(nb);
}

static void
build(const struct bg_config *cfg, const struct bg_port *p, size_t n,
    const struct rs_kernel *k)
{
	struct ruleset rs;
	char err[512];
	FILE *f;

	err[0] = '\0';
	if (ruleset_build(&rs, cfg, p, n, k, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if ((f = fopen("/dev/null", "w")) != NULL) {
		ruleset_print(f, &rs);
		fclose(f);
	}
	batch(&rs, false);
	batch(&rs, true);
	ruleset_free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bg_port ports[MAX_PORTS];
	struct bg_config cfg;
	static const struct rs_kernel kernels[] = {
		{ RS_COPY_NFT, true, true }, { RS_COPY_TC, true, false },
		{ RS_COPY_NFT, false, false }, { RS_COPY_TC, false, true },
	};
	char err[1024], *text;
	size_t n, i;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string("f", text, &cfg, err, sizeof(err)) == 0) {
		n = ports_of(&cfg, ports);
		for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
			build(&cfg, ports, n, &kernels[i]);
			build(&cfg, NULL, 0, &kernels[i]);
		}
		config_clear(&cfg);
	}
	free(text);
	return 0;
}
