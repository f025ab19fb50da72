/* links: src/ruleset/diff.c src/ruleset/compare.c src/lib/hmap.c src/lib/nameset.c src/ruleset/ruleset.c src/ruleset/guest.c src/ruleset/mirror.c src/ruleset/table.c src/ruleset/ir.c src/ruleset/fields.c src/lib/reason.c src/ruleset/print.c src/kernel/nft.c src/kernel/nft_query.c src/kernel/nft_sock.c src/kernel/linearize.c src/kernel/nft_diff.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * Config diffs: applying the diff of A → B to A's compiled sets must give
 * exactly B's compiled sets (guest_mac, guest_ip4, guest_ip6,
 * unknown_ports; the bridge table's twins and guest_ports follow), and the
 * chain layout must end up hooking exactly B's guest ports. The compiled
 * ruleset is the reference: if its sets change and diff.c does not
 * follow, these tests fail.
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
#include "diff.h"
#include "nft.h"

static const char cfg_a[] =
"bridges:\n"
"  - name: br0\n"
"    trusted-ports: [uplink0]\n"
"    guests:\n"
"      - port: vnic-alice\n"
"        mac: 52:54:00:00:00:11\n"
"        ipv4: [192.168.122.11]\n"
"        ipv6: [\"fd00:122::11\"]\n"
"      - port: vnic-bob\n"
"        mac: 52:54:00:00:00:22\n"
"        ipv4: [192.168.122.22, 192.168.122.23]\n"
"      - port: vnic-eve\n"
"        mac: 52:54:00:00:00:33\n"
"        ipv4: [192.168.122.33]\n";

/* bob's addresses change, eve goes, carol comes, uplink1 is trusted. */
static const char cfg_b[] =
"bridges:\n"
"  - name: br0\n"
"    trusted-ports: [uplink0, uplink1]\n"
"    guests:\n"
"      - port: vnic-alice\n"
"        mac: 52:54:00:00:00:11\n"
"        ipv4: [192.168.122.11]\n"
"        ipv6: [\"fd00:122::11\"]\n"
"      - port: vnic-bob\n"
"        mac: 52:54:00:00:00:22\n"
"        ipv4: [192.168.122.22, 192.168.122.24]\n"
"        ipv6: [\"fd00:122::22\"]\n"
"      - port: vnic-carol\n"
"        mac: 52:54:00:00:00:44\n";

static const struct bg_port ports[] = {
	{ "br0", "vnic-alice", 0 }, { "br0", "vnic-bob", 0 }, { "br0", "vnic-eve", 0 },
	{ "br0", "vnic-carol", 0 }, { "br0", "uplink0", 0 }, { "br0", "uplink1", 0 },
	{ "br0", "stray0", 0 }, { "br0", "vnic-ids", 0 },
};
#define N_PORTS	(sizeof(ports) / sizeof(ports[0]))

static const char *const set_names[DS_N] = { "guest_mac", "guest_ip4",
    "guest_ip6", "unknown_ports" };

static void
load(const char *text, struct bg_config *cfg)
{
	char err[512];

	if (config_load_string("test", text, cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
}

static int
elem_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rs_elem));
}

/* elems(from) - del + add, sorted, must equal elems(to), sorted. */
static void
check_set(const struct rs_set *from, const struct rs_set *to,
    const struct rs_set *del, const struct rs_set *add)
{
	struct rs_elem *r = calloc(from->n + add->n + 1, sizeof(*r));
	struct rs_elem *want = calloc(to->n + 1, sizeof(*want));
	size_t i, j, n = 0, len = rs_key_len(from);

	for (i = 0; i < from->n; i++) {
		for (j = 0; j < del->n; j++)
			if (memcmp(from->elems[i].key, del->elems[j].key,
			    len) == 0)
				break;
		if (j == del->n)
			r[n++] = from->elems[i];
	}
	for (i = 0; i < add->n; i++)
		r[n++] = add->elems[i];
	if (to->n)
		memcpy(want, to->elems, to->n * sizeof(*want));
	qsort(r, n, sizeof(*r), elem_cmp);
	qsort(want, to->n, sizeof(*want), elem_cmp);
	assert_int_equal(n, to->n);
	if (n)
		assert_memory_equal(r, want, n * sizeof(*r));
	free(r);
	free(want);
}

static struct rs_set *
set_of(struct ruleset *rs, int i)
{
	return ruleset_set(i == DS_UNKNOWN ? &rs->bridge : &rs->netdev,
	    set_names[i]);
}

static void
unknown_of(struct ruleset *rs, struct nameset *s)
{
	struct rs_set *u = ruleset_set(&rs->bridge, "unknown_ports");
	size_t i;

	nameset_init(s);
	for (i = 0; i < u->n; i++)
		nameset_add(s, (const char *)u->elems[i].key);
}

/* Runs A → B through diff_configs, nft_batch_diff and diff_done. */
static void
check_diff(const char *ta, const char *tb)
{
	struct bg_config a, b;
	struct ruleset ra, rb;
	char err[256];
	struct rs_set none = { 0 };
	struct layout l;
	struct nameset u;
	struct nft_batch *nb;
	struct diff d;
	size_t i, j, n = 0;

	load(ta, &a);
	load(tb, &b);
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, RS_COPY_NFT, err,
	    sizeof(err)), 0);
	assert_int_equal(ruleset_build(&rb, &b, ports, N_PORTS, RS_COPY_NFT, err,
	    sizeof(err)), 0);
	assert_true(diff_rules_equal(&ra, &rb));
	assert_int_equal(layout_from_ruleset(&l, &ra), 0);
	unknown_of(&ra, &u);
	diff_init(&d);
	assert_int_equal(diff_configs(&d, &a, &b, ports, N_PORTS, &u, &l), 0);
	for (i = 0; i < DS_N; i++)
		check_set(set_of(&ra, (int)i), set_of(&rb, (int)i), &d.del[i],
		    &d.add[i]);
	nb = nft_batch_new();
	assert_int_equal(nft_batch_diff(nb, &d, &l), 0);
	assert_int_equal(diff_done(&d, &l, &u), 0);
	for (i = 0; i < b.n_bridges; i++)
		for (j = 0; j < b.bridges[i].n_guests; j++, n++)
			assert_true(layout_chain(&l,
			    b.bridges[i].guests[j].port) >= 0);
	assert_int_equal(l.where.n, n);
	for (i = 0; i < l.n_chains; i++)
		assert_true(l.count[i] <= RS_DEVS_PER_CHAIN);
	/* The bridge table's IP sets are the netdev table's twins, and its
	 * guest_ports the hooked ports: nft_batch_diff() relies on both. */
	for (i = DS_IP4; i <= DS_IP6; i++)
		check_set(set_of(&rb, (int)i), ruleset_set(&rb.bridge,
		    set_names[i]), &none, &none);
	assert_int_equal(ruleset_set(&rb.bridge, "guest_ports")->n, n);
	for (i = 0; i < set_of(&rb, DS_UNKNOWN)->n; i++)
		assert_true(nameset_has(&u,
		    (char *)set_of(&rb, DS_UNKNOWN)->elems[i].key));
	assert_int_equal(u.h.n, set_of(&rb, DS_UNKNOWN)->n);
	nft_batch_free(nb);
	diff_free(&d);
	layout_clear(&l);
	nameset_clear(&u);
	ruleset_free(&ra);
	ruleset_free(&rb);
	config_clear(&a);
	config_clear(&b);
}

static void
test_a_to_b(void **state)
{
	(void)state;
	check_diff(cfg_a, cfg_b);
}

static void
test_b_to_a(void **state)
{
	(void)state;
	check_diff(cfg_b, cfg_a);
}

static void
test_same_is_empty(void **state)
{
	struct bg_config a;
	struct ruleset ra;
	char err[256];
	struct layout l;
	struct nameset u;
	struct diff d;

	(void)state;
	load(cfg_a, &a);
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, RS_COPY_NFT, err,
	    sizeof(err)), 0);
	layout_from_ruleset(&l, &ra);
	unknown_of(&ra, &u);
	diff_init(&d);
	assert_int_equal(diff_configs(&d, &a, &a, ports, N_PORTS, &u, &l), 0);
	assert_true(diff_empty(&d));
	diff_free(&d);
	layout_clear(&l);
	nameset_clear(&u);
	ruleset_free(&ra);
	config_clear(&a);
}

/* unknown-ports: allow empties unknown_ports; drop fills it again. */
static void
test_unknown_policy(void **state)
{
	char allow[sizeof(cfg_a) + 64];

	(void)state;
	snprintf(allow, sizeof(allow), "bridges:\n  - name: br0\n"
	    "    unknown-ports: allow\n%s", strstr(cfg_a, "    trusted-ports"));
	check_diff(cfg_a, allow);
	check_diff(allow, cfg_a);
}

/* The log group is in every drop rule: no diff can change it. */
static void
test_rules_differ(void **state)
{
	char other[sizeof(cfg_a) + 32];
	struct bg_config a, b;
	struct ruleset ra, rb;
	char err[256];

	(void)state;
	snprintf(other, sizeof(other), "nflog-group: 9\n%s", cfg_a);
	load(cfg_a, &a);
	load(other, &b);
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, RS_COPY_NFT, err,
	    sizeof(err)), 0);
	assert_int_equal(ruleset_build(&rb, &b, ports, N_PORTS, RS_COPY_NFT, err,
	    sizeof(err)), 0);
	assert_false(diff_rules_equal(&ra, &rb));
	ruleset_free(&ra);
	ruleset_free(&rb);
	config_clear(&a);
	config_clear(&b);
}

/* One guest at a time, as the control socket does it. */
static void
test_single_guest(void **state)
{
	struct bg_config a;
	struct ruleset ra;
	char err[256];
	struct layout l;
	struct nameset u;
	struct nft_batch *nb;
	struct bg_guest g;
	struct diff d;

	(void)state;
	load(cfg_a, &a);
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, RS_COPY_NFT, err,
	    sizeof(err)), 0);
	layout_from_ruleset(&l, &ra);
	unknown_of(&ra, &u);
	assert_true(nameset_has(&u, "stray0"));
	memset(&g, 0, sizeof(g));
	snprintf(g.port, sizeof(g.port), "stray0");
	g.mac[0] = 0x52, g.mac[5] = 0x55;
	diff_init(&d);
	assert_int_equal(diff_guest(&d, NULL, &g), 0);
	assert_int_equal(diff_hook(&d, &l, "stray0", true), 0);
	assert_int_equal(diff_unknown(&d, &u, "stray0", false), 0);
	assert_int_equal(d.add[DS_MAC].n, 1);
	assert_int_equal(d.add[DS_IP6].n, 1);	/* its link-local */
	assert_int_equal(d.del[DS_UNKNOWN].n, 1);
	assert_int_equal(d.hook.n, 1);
	nb = nft_batch_new();
	assert_int_equal(nft_batch_diff(nb, &d, &l), 0);
	/* A fresh chain: the kernel will not add a device to an existing
	 * chain in the same transaction as it hooks it elsewhere. */
	assert_int_equal(d.hook_chain[0], 1);
	assert_int_equal(diff_done(&d, &l, &u), 0);
	assert_int_equal(layout_chain(&l, "stray0"), 1);
	assert_false(nameset_has(&u, "stray0"));
	nft_batch_free(nb);
	diff_free(&d);
	/* Unhooking the only port of chain 1 empties it. */
	diff_init(&d);
	assert_int_equal(diff_hook(&d, &l, "stray0", false), 0);
	nb = nft_batch_new();
	assert_int_equal(nft_batch_diff(nb, &d, &l), 0);
	assert_int_equal(diff_done(&d, &l, &u), 0);
	assert_int_equal(l.count[1], 0);
	assert_int_equal(layout_chain(&l, "stray0"), -1);
	nft_batch_free(nb);
	diff_free(&d);
	layout_clear(&l);
	nameset_clear(&u);
	ruleset_free(&ra);
	config_clear(&a);
}

/*
 * A mirror's monitor port on the bridge is not unknown (it is receive-only
 * already): the diff must agree with the ruleset, which once it did not.
 */
static void
test_monitor_port(void **state)
{
	static const char mirror[] = "    mirrors:\n      - name: ids\n"
	    "        to: vnic-ids\n        from: [vnic-alice]\n";
	char a[sizeof(cfg_a) + sizeof(mirror)], b[sizeof(cfg_b) +
	    sizeof(mirror)];

	(void)state;
	snprintf(a, sizeof(a), "%s%s", cfg_a, mirror);
	snprintf(b, sizeof(b), "%s%s", cfg_b, mirror);
	check_diff(cfg_a, a);
	check_diff(a, b);
	check_diff(b, cfg_a);
}

/* 300 guests: two chains (255 + 45), as ruleset.c lays them out. */
static void
test_many(void **state)
{
	char *text, *p;
	size_t i, cap = 400 * 96;

	(void)state;
	p = text = malloc(cap);
	p += sprintf(p, "bridges:\n  - name: br0\n    guests:\n");
	for (i = 0; i < 300; i++)
		p += sprintf(p, "      - port: g%zu\n        mac: "
		    "02:00:00:00:%02zx:%02zx\n", i, i >> 8, i & 0xff);
	check_diff(cfg_a, text);
	check_diff(text, cfg_a);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_to_b),
		cmocka_unit_test(test_b_to_a),
		cmocka_unit_test(test_same_is_empty),
		cmocka_unit_test(test_unknown_policy),
		cmocka_unit_test(test_rules_differ),
		cmocka_unit_test(test_single_guest),
		cmocka_unit_test(test_monitor_port),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
