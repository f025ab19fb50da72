/* links: src/ruleset/ir.c src/ruleset/fields.c src/ruleset/table.c src/ruleset/print.c src/ruleset/ruleset.c src/ruleset/guest.c src/ruleset/entry.c src/ruleset/learn.c src/ruleset/drop.c src/ruleset/dhcp.c src/ruleset/frag.c src/ruleset/nd.c src/ruleset/mirror.c src/lib/reason.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * The rule builder's bounds: what does not fit fails with a message naming
 * the chain, never writes past an array; and a config that once overflowed
 * a fixed array of rules now compiles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ruleset.h"

/* A ninth statement does not fit a rule: the table check says where. */
static void
test_statements_bound(void **state)
{
	struct rs_table t = { .family = RS_NETDEV };
	struct rs_chain *c;
	struct rs_rule *r;
	char err[256];
	int i;

	(void)state;
	assert_non_null(c = rs_table_chain(&t, "long", H_NONE, 0));
	assert_non_null(r = rs_chain_rule(c));
	for (i = 0; i < IR_MAX_STMTS; i++)
		ir_counter(r);
	assert_int_equal(rs_table_check(&t, err, sizeof(err)), 0);
	ir_verdict(r, NF_DROP, NULL);
	assert_int_equal(r->n, IR_MAX_STMTS);
	assert_true(r->overflow);
	assert_int_equal(rs_table_check(&t, err, sizeof(err)), -1);
	assert_int_equal(errno, E2BIG);
	assert_string_equal(err, "chain long: rule 1: more than 8 statements, "
	    "or a name or key too long");
	rs_table_free(&t);
}

/* A netdev hook names at most 255 devices; a key at most 3 fields. */
static void
test_devices_and_keys_bound(void **state)
{
	struct rs_table t = { .family = RS_NETDEV };
	struct rs_chain *c;
	struct rs_rule *r;
	char err[256], name[16];
	int i;

	(void)state;
	assert_non_null(c = rs_table_chain(&t, "in0", H_INGRESS, -500));
	for (i = 0; i < RS_DEVS_PER_CHAIN + 1; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		rs_chain_dev(c, name);
	}
	assert_int_equal(c->n_devs, RS_DEVS_PER_CHAIN);
	assert_int_equal(rs_table_check(&t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chain in0: more than"));
	rs_table_free(&t);

	t.family = RS_NETDEV;
	assert_non_null(c = rs_table_chain(&t, "keys", H_NONE, 0));
	r = rs_chain_rule(c);
	/* (IR_KEY() of four fields does not even compile.) */
	ir_lookup(r, (struct ir_key){ { FLD_IIFNAME, FLD_IP_SADDR,
	    FLD_IP_DADDR }, 4 }, "s", false);
	assert_int_equal(r->n, 0);
	assert_int_equal(rs_table_check(&t, err, sizeof(err)), -1);
	rs_table_free(&t);
	/* Builders take a NULL rule (an allocation that failed) quietly. */
	ir_counter(NULL);
	ir_lookup(NULL, IR_KEY(FLD_IIFNAME), "s", false);
}

/*
 * Seven local mirrors with one exclude each, on the tc backend: the bridge
 * table's output chain takes 22 rules (the guest check, and per mirror its
 * exclusions' jump, the host broadcasts' mark and the monitor's guard),
 * which once overflowed a fixed array of 20.
 */
static void
test_seven_tc_mirrors(void **state)
{
	char text[4096], *p = text, err[256], ports_name[7][16];
	struct bg_port ports[16];
	struct bg_config cfg;
	struct ruleset rs;
	struct rs_chain *out = NULL;
	size_t i, n = 0;

	(void)state;
	p += sprintf(p, "bridges:\n  - name: br0\n    guests:\n"
	    "      - { port: g0, mac: \"02:00:00:00:00:01\" }\n"
	    "    mirrors:\n");
	for (i = 0; i < 7; i++) {
		snprintf(ports_name[i], sizeof(ports_name[i]), "mon%zu", i);
		p += sprintf(p, "      - name: m%zu\n        to: mon%zu\n"
		    "        from: [g0]\n        exclude: [{ proto: tcp, port: "
		    "22 }]\n", i, i);
	}
	if (config_load_string("seven", text, &cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	for (i = 0; i < 7; i++, n++) {
		snprintf(ports[n].bridge, sizeof(ports[n].bridge), "br0");
		memcpy(ports[n].port, ports_name[i], sizeof(ports[n].port));
		ports[n].ifindex = (int)(10 + i);
	}
	ports[n++] = (struct bg_port){ "br0", "g0", 2 };
	ports[n++] = (struct bg_port){ "", "br0", 1 };
	assert_int_equal(ruleset_build(&rs, &cfg, ports, n,
	    &(struct rs_kernel){ RS_COPY_TC, true, false }, err,
	    sizeof(err)), 0);
	for (i = 0; i < rs.bridge.n_chains; i++)
		if (strcmp(rs.bridge.chains[i]->name, "output") == 0)
			out = rs.bridge.chains[i];
	assert_non_null(out);
	assert_int_equal(out->n_rules, 1 + 7 * 3);
	assert_int_equal(rs.n_tc, 7 * 2);
	ruleset_free(&rs);
	config_clear(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements_bound),
		cmocka_unit_test(test_devices_and_keys_bound),
		cmocka_unit_test(test_seven_tc_mirrors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
