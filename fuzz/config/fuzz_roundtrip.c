/* links: src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c src/config/print.c */
/*
 * libFuzzer harness for `check`'s promise: what config_print writes of an
 * accepted config parses again (as a file would), to the same model, and
 * prints the same text. A model is compared field by field, lines aside.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define SAME(a, b, f)	(memcmp(&(a)->f, &(b)->f, sizeof((a)->f)) == 0)
#define SAME_ARR(a, b, f, n) ((a)->n == (b)->n && ((a)->n == 0 || \
	memcmp((a)->f, (b)->f, (a)->n * sizeof(*(a)->f)) == 0))

static bool
guest_same(const struct bg_guest *a, const struct bg_guest *b)
{
	return SAME(a, b, port) && SAME(a, b, mac) &&
	    SAME_ARR(a, b, ip4, n_ip4) && SAME_ARR(a, b, ip6, n_ip6) &&
	    a->learn == b->learn;
}

static bool
mirror_same(const struct bg_mirror *a, const struct bg_mirror *b)
{
	return SAME(a, b, name) && SAME(a, b, to) && SAME(a, b, from_all) &&
	    SAME_ARR(a, b, from, n_from) && SAME(a, b, direction) &&
	    SAME_ARR(a, b, excl, n_excl) && SAME(a, b, remote) &&
	    SAME(a, b, vni) && SAME(a, b, remote_ip) && SAME(a, b, local_ip) &&
	    SAME(a, b, dev) && SAME(a, b, udp_port);
}

static bool
bridge_same(const struct bg_bridge *a, const struct bg_bridge *b)
{
	size_t i;

	if (!SAME(a, b, name) || !SAME_ARR(a, b, trusted, n_trusted) ||
	    !SAME_ARR(a, b, dhcp_servers, n_dhcp_servers) ||
	    a->allow_unknown != b->allow_unknown ||
	    a->n_guests != b->n_guests || a->n_mirrors != b->n_mirrors)
		return false;
	for (i = 0; i < a->n_guests; i++)
		if (!guest_same(&a->guests[i], &b->guests[i]))
			return false;
	for (i = 0; i < a->n_mirrors; i++)
		if (!mirror_same(&a->mirrors[i], &b->mirrors[i]))
			return false;
	return true;
}

static bool
config_same(const struct bg_config *a, const struct bg_config *b)
{
	size_t i;

	if (a->nflog_group != b->nflog_group || a->n_bridges != b->n_bridges)
		return false;
	for (i = 0; i < a->n_bridges; i++)
		if (!bridge_same(&a->bridges[i], &b->bridges[i]))
			return false;
	return true;
}

static char *
print(const struct bg_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	config_print(f, cfg);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bg_config a, b;
	char err[1024], *text, *p1, *p2;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string("f", text, &a, err, sizeof(err)) == 0) {
		p1 = print(&a);
		if (config_load_string("printed", p1, &b, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "printed config refused: %s\n%s", err,
			    p1);
			abort();
		}
		p2 = print(&b);
		if (!config_same(&a, &b) || strcmp(p1, p2) != 0) {
			fprintf(stderr, "round trip differs:\n%s---\n%s", p1,
			    p2);
			abort();
		}
		free(p1);
		free(p2);
		config_clear(&b);
		config_clear(&a);
	}
	free(text);
	return 0;
}
