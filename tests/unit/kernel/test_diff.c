/* links: src/ruleset/diff.c src/ruleset/compare.c src/lib/hmap.c src/lib/nameset.c src/ruleset/ruleset.c src/ruleset/guest.c src/ruleset/entry.c src/ruleset/learn.c src/ruleset/drop.c src/ruleset/dhcp.c src/ruleset/frag.c src/ruleset/nd.c src/ruleset/mirror.c src/ruleset/table.c src/ruleset/ir.c src/ruleset/fields.c src/lib/reason.c src/ruleset/print.c src/kernel/nft.c src/kernel/nft_query.c src/kernel/nft_sock.c src/kernel/linearize.c src/kernel/nft_diff.c src/kernel/probe.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * Config diffs: applying the diff of A → B to A's compiled ruleset (its
 * chains deleted, created and refilled, the elements of guest_ports,
 * guest_out and unknown_ports) must give exactly B's compiled ruleset, on
 * a kernel with hooks on absent devices and on one without, and the
 * bookkeeping of hooked guests must follow. The compiled ruleset is the
 * reference: if it changes and diff.c does not follow, these tests fail.
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

static const struct rs_kernel today = { RS_COPY_NFT, true, false },
    old_kernel = { RS_COPY_NFT, false, false };

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

static const struct rs_chain *
chain_in(const struct rs_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_chains; i++)
		if (t->chains[i] && strcmp(t->chains[i]->name, name) == 0)
			return t->chains[i];
	return NULL;
}

/*
 * The guests' and unknown ports' chains of from, less rm, plus mk, with
 * re's rules, must be exactly those of to. A refilled chain keeps its hook: re may only
 * change rules.
 */
static void
check_chains(const struct rs_table *from, const struct rs_table *to,
    const struct diff *d)
{
	const struct rs_table *mk = &d->mk[from->family],
	    *re = &d->re[from->family], *rm = &d->rm[from->family];
	const struct rs_chain *c, *want, *r;
	size_t i, n = 0;

	for (i = 0; i < rm->n_chains; i++)
		assert_non_null(chain_in(from, rm->chains[i]->name));
	for (i = 0; i < from->n_chains; i++) {
		c = from->chains[i];
		if (c->role == ROLE_NONE || chain_in(rm, c->name))
			continue;
		assert_null(chain_in(mk, c->name));
		want = chain_in(to, c->name);
		if (want == NULL)
			fail_msg("chain %s is left over", c->name);
		if ((r = chain_in(re, c->name)) != NULL) {
			assert_int_equal(r->hook, c->hook);
			c = r;
		}
		if (!rs_chain_equal(c, want))
			fail_msg("chain %s differs", c->name);
		n++;
	}
	for (i = 0; i < mk->n_chains; i++) {
		want = chain_in(to, mk->chains[i]->name);
		assert_non_null(want);
		assert_true(rs_chain_equal(mk->chains[i], want));
		n++;
	}
	for (i = 0; i < to->n_chains; i++)
		n -= to->chains[i]->role != ROLE_NONE;
	assert_int_equal(n, 0);
}

static void
names_of(struct ruleset *rs, const char *set, struct nameset *s)
{
	struct rs_set *u = ruleset_set(&rs->bridge, set);
	size_t i;

	nameset_init(s);
	for (i = 0; i < u->n; i++)
		nameset_add(s, (const char *)u->elems[i].key);
}

/* Runs A → B through diff_configs, nft_batch_diff and diff_done. */
static void
check_diff_on(const char *ta, const char *tb, const struct rs_kernel *k)
{
	struct bg_config a, b;
	struct ruleset ra, rb;
	char err[256];
	struct nameset u, h, want;
	struct nft_batch *nb;
	struct hmap_iter it = { 0 };
	const char *name;
	struct diff d;
	size_t i;

	load(ta, &a);
	load(tb, &b);
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, k, err,
	    sizeof(err)), 0);
	assert_int_equal(ruleset_build(&rb, &b, ports, N_PORTS, k, err,
	    sizeof(err)), 0);
	assert_true(diff_rules_equal(&ra, &rb));
	names_of(&ra, "unknown_ports", &u);
	nameset_init(&h);
	assert_int_equal(diff_hooked(&h, &ra), 0);
	diff_init(&d);
	assert_int_equal(diff_configs(&d, &a, &b, ports, N_PORTS, &u, &h, k),
	    0);
	for (i = 0; i < DS_N; i++)
		check_set(ruleset_set(&ra.bridge, diff_set_name((int)i)),
		    ruleset_set(&rb.bridge, diff_set_name((int)i)), &d.del[i],
		    &d.add[i]);
	check_chains(&ra.netdev, &rb.netdev, &d);
	check_chains(&ra.bridge, &rb.bridge, &d);
	nb = nft_batch_new();
	assert_int_equal(nft_batch_diff(nb, &d), 0);
	assert_int_equal(diff_done(&d, &h, &u), 0);
	nameset_init(&want);
	assert_int_equal(diff_hooked(&want, &rb), 0);
	while ((name = hmap_next(&want.h, &it)) != NULL)
		assert_true(nameset_has(&h, name));
	assert_int_equal(h.h.n, want.h.n);
	nameset_clear(&want);
	names_of(&rb, "unknown_ports", &want);
	assert_int_equal(u.h.n, want.h.n);
	memset(&it, 0, sizeof(it));
	while ((name = hmap_next(&want.h, &it)) != NULL)
		assert_true(nameset_has(&u, name));
	nameset_clear(&want);
	nft_batch_free(nb);
	diff_free(&d);
	nameset_clear(&h);
	nameset_clear(&u);
	ruleset_free(&ra);
	ruleset_free(&rb);
	config_clear(&a);
	config_clear(&b);
}

static void
check_diff(const char *ta, const char *tb)
{
	check_diff_on(ta, tb, &today);
	check_diff_on(ta, tb, &old_kernel);
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
	struct nameset u, h;
	struct diff d;

	(void)state;
	load(cfg_a, &a);
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, &today, err,
	    sizeof(err)), 0);
	nameset_init(&h);
	diff_hooked(&h, &ra);
	names_of(&ra, "unknown_ports", &u);
	diff_init(&d);
	assert_int_equal(diff_configs(&d, &a, &a, ports, N_PORTS, &u, &h,
	    &today), 0);
	assert_true(diff_empty(&d));
	diff_free(&d);
	nameset_clear(&h);
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

/* The log group is in the drop chains: no diff can change it. */
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
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, &today, err,
	    sizeof(err)), 0);
	assert_int_equal(ruleset_build(&rb, &b, ports, N_PORTS, &today, err,
	    sizeof(err)), 0);
	assert_false(diff_rules_equal(&ra, &rb));
	ruleset_free(&ra);
	ruleset_free(&rb);
	config_clear(&a);
	config_clear(&b);
}

/* One guest at a time, as the control socket does it; a port hooked as
 * it appears, re-hooked, unhooked. */
static void
test_single_guest(void **state)
{
	struct bg_config a;
	struct ruleset ra;
	char err[256];
	struct nameset u, h;
	struct nft_batch *nb;
	struct bg_guest g;
	struct diff d;

	(void)state;
	load(cfg_a, &a);
	assert_int_equal(ruleset_build(&ra, &a, ports, N_PORTS, &old_kernel,
	    err, sizeof(err)), 0);
	nameset_init(&h);
	diff_hooked(&h, &ra);
	names_of(&ra, "unknown_ports", &u);
	assert_true(nameset_has(&u, "stray0"));
	memset(&g, 0, sizeof(g));
	snprintf(g.port, sizeof(g.port), "stray0");
	g.mac[0] = 0x52, g.mac[5] = 0x55;
	/* Bound while its port is absent: all but the base chain. */
	diff_init(&d);
	assert_int_equal(diff_guest(&d, NULL, &g, false, false), 0);
	assert_int_equal(diff_unknown(&d, &u, "stray0", false, RS_CHAIN_HOOKED),
	    0);
	/* As an unknown port it had its own chain, which goes. */
	assert_int_equal(d.rm[RS_NETDEV].n_chains, 1);
	assert_string_equal(d.rm[RS_NETDEV].chains[0]->name, "unk_stray0");
	assert_int_equal(d.mk[RS_NETDEV].n_chains, 5);
	assert_int_equal(d.mk[RS_BRIDGE].n_chains, 1);
	assert_int_equal(d.add[DS_PORTS].n, 1);
	assert_int_equal(d.add[DS_OUT].n, 1);
	assert_string_equal(d.add[DS_OUT].elems[0].jump, "out_stray0");
	assert_int_equal(d.del[DS_UNKNOWN].n, 1);
	assert_int_equal(d.hook.n, 0);
	nb = nft_batch_new();
	assert_int_equal(nft_batch_diff(nb, &d), 0);
	assert_int_equal(diff_done(&d, &h, &u), 0);
	assert_false(nameset_has(&h, "stray0"));
	assert_false(nameset_has(&u, "stray0"));
	nft_batch_free(nb);
	diff_free(&d);
	/* Its port appears: the base chain alone. */
	diff_init(&d);
	assert_int_equal(diff_guest(&d, &g, &g, false, true), 0);
	assert_int_equal(d.mk[RS_NETDEV].n_chains, 1);
	assert_int_equal(d.mk[RS_NETDEV].chains[0]->hook, H_INGRESS);
	assert_string_equal(d.mk[RS_NETDEV].chains[0]->devs[0], "stray0");
	assert_int_equal(d.re[RS_NETDEV].n_chains + d.rm[RS_NETDEV].n_chains +
	    d.mk[RS_BRIDGE].n_chains + d.add[DS_PORTS].n, 0);
	assert_int_equal(diff_done(&d, &h, &u), 0);
	assert_true(nameset_has(&h, "stray0"));
	diff_free(&d);
	/* Re-created: deleted and created again in one diff. */
	diff_init(&d);
	assert_int_equal(diff_rehook(&d, &g), 0);
	assert_int_equal(d.rm[RS_NETDEV].n_chains, 1);
	assert_int_equal(d.mk[RS_NETDEV].n_chains, 1);
	assert_int_equal(diff_done(&d, &h, &u), 0);
	assert_true(nameset_has(&h, "stray0"));
	diff_free(&d);
	/* A change of address: rules replaced, no chain deleted. */
	diff_init(&d);
	g.mac[5] = 0x56;
	assert_int_equal(diff_guest(&d, &(struct bg_guest){ .port = "stray0",
	    .mac = { 0x52, 0, 0, 0, 0, 0x55 } }, &g, true, true), 0);
	assert_int_equal(d.rm[RS_NETDEV].n_chains + d.mk[RS_NETDEV].n_chains,
	    0);
	assert_int_equal(d.re[RS_NETDEV].n_chains, 6);
	assert_int_equal(d.re[RS_BRIDGE].n_chains, 1);
	diff_free(&d);
	/* Unbound: every chain deleted, the base chain first. */
	diff_init(&d);
	assert_int_equal(diff_guest(&d, &g, NULL, true, false), 0);
	assert_int_equal(d.rm[RS_NETDEV].n_chains, 6);
	assert_int_equal(d.rm[RS_NETDEV].chains[0]->hook, H_INGRESS);
	assert_int_equal(d.del[DS_OUT].n, 1);
	assert_int_equal(diff_done(&d, &h, &u), 0);
	assert_false(nameset_has(&h, "stray0"));
	diff_free(&d);
	nameset_clear(&h);
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

/* 300 guests, each its own chains. */
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
