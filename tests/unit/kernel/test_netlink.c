/* links: src/kernel/nft.c src/kernel/nft_query.c src/kernel/nft_sock.c src/kernel/nft_dump.c src/kernel/linearize.c src/ruleset/ruleset.c src/ruleset/guest.c src/ruleset/mirror.c src/ruleset/table.c src/ruleset/ir.c src/ruleset/fields.c src/lib/reason.c src/ruleset/print.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * What `apply` sends the kernel, for every golden config, against golden
 * files (tests/golden/<config>.nl), without privilege: the batch is built, decoded
 * back from its bytes and printed, never sent. With the .nft golden files
 * of test_ruleset this pins both forms of each rule. UPDATE_GOLDEN=1
 * regenerates them; review the diff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "nft.h"
#include "ruleset.h"

#ifndef GOLDEN_DIR
#define GOLDEN_DIR "tests/golden"
#endif

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	if (f == NULL)
		return NULL;
	if (getdelim(&text, &len, '\0', f) == -1) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static void
check_golden(const char *config, const char *golden,
    const struct bg_port *ports, size_t n_ports, enum rs_backend backend)
{
	struct bg_config cfg;
	struct ruleset rs;
	struct nft_batch *nb;
	char err[512], path[256], *out = NULL, *want;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, config);
	if (config_load(path, &cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(ruleset_build(&rs, &cfg, ports, n_ports, backend, err,
	    sizeof(err)), 0);
	assert_non_null(nb = nft_batch_new());
	/* As a replacement of tables that exist: their deletion included. */
	assert_int_equal(nft_batch_ruleset(nb, &rs, true, true), 0);
	assert_non_null(f = open_memstream(&out, &len));
	assert_int_equal(nft_batch_dump(nb, f), 0);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, golden);
	if (getenv("UPDATE_GOLDEN")) {
		assert_non_null(f = fopen(path, "w"));
		fputs(out, f);
		fclose(f);
	}
	if ((want = slurp(path)) == NULL)
		fail_msg("cannot read %s", path);
	if (strcmp(out, want) != 0)
		fail_msg("netlink form differs from %s; got:\n%s", path, out);
	free(want);
	free(out);
	nft_batch_free(nb);
	ruleset_free(&rs);
	config_clear(&cfg);
}

static void
test_example(void **state)
{
	static const struct bg_port ports[] = {
		{ "br0", "uplink0", 0 }, { "br0", "vnic-alice", 0 },
		{ "br0", "vnic-x", 0 }, { "br9", "other0", 0 },
	};

	(void)state;
	check_golden("example.yaml", "example.nl", ports, 4, RS_COPY_NFT);
}

static void
test_mirrors(void **state)
{
	static const struct bg_port ports[] = {
		{ "br0", "uplink0", 2 }, { "br0", "vnic-alice", 3 },
		{ "br0", "vnic-ids", 5 }, { "br0", "vnic-new", 6 },
		{ "", "bgvx4242", 7 },
	};

	(void)state;
	check_golden("mirrors.yaml", "mirrors.nl", ports, 5, RS_COPY_NFT);
}

static void
test_mirrors_tc(void **state)
{
	static const struct bg_port ports[] = {
		{ "br0", "uplink0", 2 }, { "br0", "vnic-alice", 3 },
		{ "br0", "vnic-ids", 5 }, { "br0", "vnic-new", 6 },
		{ "", "bgvx4242", 7 }, { "", "br0", 1 },
	};

	(void)state;
	check_golden("mirrors.yaml", "mirrors-tc.nl", ports, 6, RS_COPY_TC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_mirrors),
		cmocka_unit_test(test_mirrors_tc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
