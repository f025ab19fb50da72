/* links: src/ruleset/ruleset.c src/ruleset/guest.c src/ruleset/entry.c src/ruleset/learn.c src/ruleset/drop.c src/ruleset/dhcp.c src/ruleset/frag.c src/ruleset/nd.c src/ruleset/mirror.c src/ruleset/table.c src/ruleset/ir.c src/ruleset/fields.c src/lib/reason.c src/ruleset/print.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c tests/unit/golden.c */
/*
 * Compilation to the ruleset, against golden nft text. Regenerate the
 * golden files with UPDATE_GOLDEN=1 after an intended change, and review
 * the diff: it is the ruleset users will run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../golden.h"
#include "config.h"
#include "ruleset.h"

/* Every golden config's ruleset, as nft text. */
static void
test_golden(void **state)
{
	struct bg_config cfg;
	struct ruleset rs;
	char name[64], *out = NULL;
	size_t i, len = 0;
	FILE *f;

	(void)state;
	for (i = 0; i < golden_n_cases; i++) {
		golden_build(&golden_cases[i], &cfg, &rs);
		assert_non_null(f = open_memstream(&out, &len));
		ruleset_print(f, &rs);
		fclose(f);
		snprintf(name, sizeof(name), "%s.nft", golden_cases[i].name);
		golden_check(name, out);
		free(out);
		out = NULL;
		ruleset_free(&rs);
		config_clear(&cfg);
	}
}

/*
 * What a packet costs does not grow with guests: 600 guests give the same
 * shared chains, and each guest its own seven chains (one of them a base
 * chain hooking only its port) whose rules do not depend on the others.
 * Without hooks on absent devices, absent ports get no base chain and
 * are listed as waiting.
 */
static void
test_scaling(void **state)
{
	struct rs_kernel k = { RS_COPY_NFT, true, false };
	struct bg_config cfg = { 0 };
	struct bg_bridge br = { 0 };
	struct bg_port present = { "br0", "g7", 0 };
	struct ruleset rs;
	struct in_addr a;
	char err[256];
	size_t i, shared_small = 0, shared_big = 0, base = 0, own = 0;

	(void)state;
	strcpy(br.name, "br0");
	br.n_guests = 600;
	br.guests = calloc(br.n_guests, sizeof(*br.guests));
	for (i = 0; i < br.n_guests; i++) {
		struct bg_guest *g = &br.guests[i];

		snprintf(g->port, sizeof(g->port), "g%zu", i);
		g->mac[0] = 0x52;
		g->mac[4] = (uint8_t)(i >> 8);
		g->mac[5] = (uint8_t)i;
		a.s_addr = htonl(0x0a000000 + (uint32_t)i + 1);
		g->ip4 = malloc(sizeof(a));
		*g->ip4 = a;
		g->n_ip4 = 1;
	}
	cfg.bridges = &br;
	cfg.n_bridges = 1;
	cfg.nflog_group = 7;
	assert_int_equal(ruleset_build(&rs, &cfg, NULL, 0, &k, err,
	    sizeof(err)), 0);
	for (i = 0; i < rs.netdev.n_chains; i++) {
		const struct rs_chain *c = rs.netdev.chains[i];

		if (c->role != ROLE_GUEST)
			shared_big += c->n_rules;
		else if (c->hook == H_INGRESS) {
			assert_int_equal(c->n_devs, 1);
			assert_string_equal(c->devs[0], c->port);
			base++;
		} else
			own++;
	}
	assert_int_equal(base, 600);
	assert_int_equal(own, 5 * 600);
	assert_int_equal(ruleset_set(&rs.bridge, "guest_ports")->n, 600);
	assert_int_equal(ruleset_set(&rs.bridge, "guest_out")->n, 600);
	assert_int_equal(rs.n_waiting, 0);
	ruleset_free(&rs);

	k.absent_hooks = false;
	assert_int_equal(ruleset_build(&rs, &cfg, &present, 1, &k, err,
	    sizeof(err)), 0);
	for (i = base = 0; i < rs.netdev.n_chains; i++)
		if (rs.netdev.chains[i]->hook == H_INGRESS) {
			assert_string_equal(rs.netdev.chains[i]->port, "g7");
			base++;
		}
	assert_int_equal(base, 1);
	assert_int_equal(rs.n_waiting, 599);
	ruleset_free(&rs);

	k.absent_hooks = true;
	cfg.bridges[0].n_guests = 1;
	assert_int_equal(ruleset_build(&rs, &cfg, NULL, 0, &k, err,
	    sizeof(err)), 0);
	for (i = 0; i < rs.netdev.n_chains; i++)
		if (rs.netdev.chains[i]->role != ROLE_GUEST)
			shared_small += rs.netdev.chains[i]->n_rules;
	assert_int_equal(shared_small, shared_big);
	ruleset_free(&rs);
	cfg.bridges[0].n_guests = 600;
	for (i = 0; i < br.n_guests; i++)
		guest_clear(&br.guests[i]);
	free(br.guests);
}

/*
 * A learned address is bound exactly like a configured one: constants in
 * the guest's own chains (source, ARP, ND targets, what it may receive).
 */
static void
test_learned(void **state)
{
	static const char *const want[] = {
		"udp sport 68 udp dport 67 jump learn_log\n"
		"\t\tip saddr 192.168.122.44 meta mark",
		"arp saddr ip 192.168.122.44 meta mark",
		"meta protocol ip udp sport 67 udp dport 68 @th,288,48 "
		"0x525400000044 goto learn_log\n",
		/* NS and NA from it, multicast NAs to it: DAD. */
		"icmpv6 type 135-136 jump learn_log",
		"icmpv6 type nd-neighbor-solicit ip6 saddr :: return",
		"meta protocol ip6 @ll,0,8 & 0x1 == 0x1 meta l4proto ipv6-icmp "
		"icmpv6 type nd-neighbor-advert goto learn_log\n"
		"\t\t@ll,0,8 & 0x1 == 0x1 return\n"
		"\t\tmeta protocol ip ip daddr 192.168.122.44 return",
		"ip6 saddr 2001:db8:122::44 meta mark",
		"@th,64,128 0x20010db8012200000000000000000044 return",
		"meta protocol ip6 ip6 daddr 2001:db8:122::44 return",
	};
	struct bg_config cfg;
	struct bg_guest *g;
	struct ruleset rs;
	char *out = NULL, err[256];
	size_t len = 0, i;
	FILE *f;

	(void)state;
	assert_int_equal(config_load(GOLDEN_DIR "/learning.yaml", &cfg, err,
	    sizeof(err)), 0);
	assert_non_null(g = config_guest(&cfg, "vnic-carol", NULL));
	assert_true(guest_learns4(g));
	inet_pton(AF_INET, "192.168.122.44", &g->learned4[0]);
	g->n_learned4 = 1;
	assert_true(guest_learns6(g));
	inet_pton(AF_INET6, "2001:db8:122::44", &g->learned6[0]);
	g->n_learned6 = 1;
	assert_int_equal(ruleset_build(&rs, &cfg, NULL, 0, &golden_cases[0].
	    kernel, err, sizeof(err)), 0);
	assert_non_null(f = open_memstream(&out, &len));
	ruleset_print(f, &rs);
	fclose(f);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(out, want[i]) == NULL)
			fail_msg("no '%s' in:\n%s", want[i], out);
	free(out);
	ruleset_free(&rs);
	config_clear(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_learned),
		cmocka_unit_test(test_scaling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
