/* links: src/kernel/nft.c src/kernel/nft_query.c src/kernel/nft_sock.c src/kernel/nft_dump.c src/kernel/linearize.c src/ruleset/ruleset.c src/ruleset/guest.c src/ruleset/entry.c src/ruleset/learn.c src/ruleset/drop.c src/ruleset/dhcp.c src/ruleset/frag.c src/ruleset/nd.c src/ruleset/mirror.c src/ruleset/table.c src/ruleset/ir.c src/ruleset/fields.c src/lib/reason.c src/ruleset/print.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c tests/unit/golden.c */
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

#include "../golden.h"
#include "config.h"
#include "nft.h"
#include "ruleset.h"

/* Every golden config's batch, as apply would send it. */
static void
test_golden(void **state)
{
	struct bg_config cfg;
	struct ruleset rs;
	struct nft_batch *nb;
	char name[64], *out = NULL;
	size_t i, len = 0;
	FILE *f;

	(void)state;
	for (i = 0; i < golden_n_cases; i++) {
		golden_build(&golden_cases[i], &cfg, &rs);
		assert_non_null(nb = nft_batch_new());
		/* As a replacement of tables that exist: deletion included. */
		assert_int_equal(nft_batch_ruleset(nb, &rs, true, true), 0);
		assert_non_null(f = open_memstream(&out, &len));
		assert_int_equal(nft_batch_dump(nb, f), 0);
		fclose(f);
		snprintf(name, sizeof(name), "%s.nl", golden_cases[i].name);
		golden_check(name, out);
		free(out);
		out = NULL;
		nft_batch_free(nb);
		ruleset_free(&rs);
		config_clear(&cfg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
