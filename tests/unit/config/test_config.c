/* links: src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c src/config/print.c */
/* Config parsing: the example, and one message per kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char example[] =
"bridges:\n"
"  - name: br0\n"
"    trusted-ports: [uplink0]        # not filtered: uplinks, host side\n"
"    unknown-ports: drop\n"
"    guests:\n"
"      - port: vnic-alice            # bridge port (tap/veth) name\n"
"        mac: 52:54:00:00:00:11\n"
"        ipv4: [192.168.122.11]\n"
"        ipv6: [\"fd00:122::11\"]\n"
"      - port: vnic-bob\n"
"        mac: 52:54:00:00:00:22\n"
"        ipv4: [192.168.122.22, 192.168.122.23]\n";

static void
test_example(void **state)
{
	struct bg_config cfg;
	struct bg_guest *g;
	char err[512] = "";
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(config_load_string("t.yaml", example, &cfg, err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.n_bridges, 1);
	assert_string_equal(cfg.bridges[0].name, "br0");
	assert_int_equal(cfg.bridges[0].n_trusted, 1);
	assert_string_equal(cfg.bridges[0].trusted[0], "uplink0");
	assert_false(cfg.bridges[0].allow_unknown);
	assert_int_equal(cfg.bridges[0].n_guests, 2);
	g = &cfg.bridges[0].guests[1];
	assert_string_equal(g->port, "vnic-bob");
	assert_string_equal(mac_format(g->mac, buf), "52:54:00:00:00:22");
	assert_int_equal(g->n_ip4, 2);
	assert_string_equal(inet_ntop(AF_INET, &g->ip4[1], buf, sizeof(buf)),
	    "192.168.122.23");
	g = &cfg.bridges[0].guests[0];
	assert_int_equal(g->n_ip6, 1);
	assert_string_equal(inet_ntop(AF_INET6, &g->ip6[0], buf, sizeof(buf)),
	    "fd00:122::11");
	assert_int_equal(g->line, 6);
	assert_int_equal(cfg.nflog_group, BG_NFLOG_GROUP);
	config_clear(&cfg);
}

/* parse → print → parse gives the same model. */
static void
test_roundtrip(void **state)
{
	struct bg_config a, b;
	char err[512], *text = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	assert_int_equal(config_load_string("t.yaml", example, &a, err,
	    sizeof(err)), 0);
	assert_non_null(f = open_memstream(&text, &len));
	config_print(f, &a);
	fclose(f);
	assert_int_equal(config_load_string("printed", text, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(a.n_bridges, b.n_bridges);
	assert_int_equal(a.bridges[0].n_guests, b.bridges[0].n_guests);
	for (i = 0; i < a.bridges[0].n_guests; i++) {
		struct bg_guest *x = &a.bridges[0].guests[i];
		struct bg_guest *y = &b.bridges[0].guests[i];

		assert_string_equal(x->port, y->port);
		assert_memory_equal(x->mac, y->mac, 6);
		assert_int_equal(x->n_ip4, y->n_ip4);
		assert_int_equal(x->n_ip6, y->n_ip6);
		assert_memory_equal(x->ip4, y->ip4, x->n_ip4 * 4);
		if (x->n_ip6)
			assert_memory_equal(x->ip6, y->ip6, x->n_ip6 * 16);
	}
	config_clear(&a);
	config_clear(&b);
	free(text);
}

/* Interface names YAML would read as something else unquoted: printed so
 * that they read back as themselves. */
static void
test_roundtrip_odd_names(void **state)
{
	static const char *const names[] = { "#x", "-", "*x", "&x", "!x",
	    "[x", "x,y", "'x", "\"x", "%x", "@x", "|", "?", "x]", "a\\b" };
	char text[1024], err[512], *out = NULL;
	struct bg_config a, b;
	size_t i, len = 0;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		FILE *t = fmemopen(text, sizeof(text), "w");

		assert_non_null(t);
		fprintf(t, "bridges:\n  - name: br0\n    trusted-ports: [up0]\n"
		    "    guests:\n      - port: \"");
		for (const char *p = names[i]; *p; p++)
			fprintf(t, "%s%c", *p == '"' || *p == '\\' ? "\\" :
			    "", *p);
		fprintf(t, "\"\n        mac: 52:54:00:00:00:11\n");
		fputc('\0', t);
		fclose(t);
		if (config_load_string("t", text, &a, err, sizeof(err)) == -1)
			fail_msg("%s: %s", names[i], err);
		assert_non_null(f = open_memstream(&out, &len));
		config_print(f, &a);
		fclose(f);
		if (config_load_string("printed", out, &b, err,
		    sizeof(err)) == -1)
			fail_msg("%s: printed %s: %s", names[i], out, err);
		assert_string_equal(b.bridges[0].guests[0].port, names[i]);
		config_clear(&a);
		config_clear(&b);
		free(out);
		out = NULL;
	}
}

/* Printing and parsing again gives the same mirrors. */
static void
roundtrip_mirrors(const struct bg_config *a)
{
	struct bg_config b;
	char err[512], *text = NULL;
	size_t len = 0, i, j;
	FILE *f;

	assert_non_null(f = open_memstream(&text, &len));
	config_print(f, a);
	fclose(f);
	if (config_load_string("printed", text, &b, err, sizeof(err)) != 0)
		fail_msg("%s\n%s", err, text);
	assert_int_equal(b.bridges[0].n_mirrors, a->bridges[0].n_mirrors);
	for (i = 0; i < a->bridges[0].n_mirrors; i++) {
		struct bg_mirror *x = &a->bridges[0].mirrors[i];
		struct bg_mirror *y = &b.bridges[0].mirrors[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->to, y->to);
		assert_int_equal(x->from_all, y->from_all);
		assert_int_equal(x->n_from, y->n_from);
		for (j = 0; j < x->n_from; j++)
			assert_string_equal(x->from[j], y->from[j]);
		assert_int_equal(x->direction, y->direction);
		assert_int_equal(x->n_excl, y->n_excl);
		if (x->n_excl)
			assert_memory_equal(x->excl, y->excl,
			    x->n_excl * sizeof(*x->excl));
		assert_int_equal(x->remote, y->remote);
		assert_int_equal(x->vni, y->vni);
		assert_int_equal(x->remote_ip.s_addr, y->remote_ip.s_addr);
		assert_int_equal(x->local_ip.s_addr, y->local_ip.s_addr);
		assert_string_equal(x->dev, y->dev);
		assert_int_equal(x->udp_port, y->udp_port);
	}
	config_clear(&b);
	free(text);
}

/* The mirror example parses into what it says. */
static void
test_mirrors(void **state)
{
	static const char yaml[] =
	"bridges:\n"
	"  - name: br0\n"
	"    mirrors:\n"
	"      - name: ids\n"
	"        to: vnic-ids\n"
	"        from: [vnic-alice, vnic-bob]\n"
	"        direction: both\n"
	"        exclude:\n"
	"          - { proto: tcp, port: 7788 }\n"
	"          - { net: 10.10.0.0/16 }\n"
	"      - name: collector\n"
	"        from: all\n"
	"        remote: { vxlan-id: 4242, remote-ip: 10.1.0.2, local-ip: "
	"10.1.0.1, dev: eth1, port: 4789 }\n";
	struct bg_config cfg;
	struct bg_mirror *m;
	char err[512] = "";

	(void)state;
	if (config_load_string("t.yaml", yaml, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.bridges[0].n_mirrors, 2);
	m = &cfg.bridges[0].mirrors[0];
	assert_string_equal(m->name, "ids");
	assert_string_equal(m->to, "vnic-ids");
	assert_int_equal(m->n_from, 2);
	assert_string_equal(m->from[1], "vnic-bob");
	assert_int_equal(m->direction, DIR_BOTH);
	assert_int_equal(m->n_excl, 2);
	assert_int_equal(m->excl[0].proto, 6);
	assert_int_equal(m->excl[0].port, 7788);
	assert_int_equal(m->excl[1].family, AF_INET);
	assert_int_equal(m->excl[1].plen, 16);
	roundtrip_mirrors(&cfg);
	m = &cfg.bridges[0].mirrors[1];
	assert_true(m->from_all);
	assert_true(m->remote);
	assert_int_equal(m->vni, 4242);
	assert_int_equal(m->udp_port, 4789);
	assert_string_equal(m->dev, "eth1");
	assert_int_equal(ntohl(m->remote_ip.s_addr), 0x0a010002);
	config_clear(&cfg);
}

static const struct bad {
	const char	*yaml;
	const char	*msg;		/* expected message, exactly */
} bad[] = {
	{ "bridges:\n  - name: br0\n    guests: [a\n  b: ]\n",
	  "t.yaml:4: yaml: wrongly indented mapping value in flow mode" },
	{ "bridges:\n  - name: br0\n    name: br1\n",
	  "t.yaml:3: yaml: duplicate key" },
	{ "bridges:\n  - name: br0\n    colour: blue\n",
	  "t.yaml:3: bridges[0].colour: unknown key (expected name, "
	  "trusted-ports, dhcp-servers, unknown-ports, max-learned-ipv4, "
	  "max-learned-ipv6, source, libvirt-uri, guests, mirrors)" },
	{ "bridges:\n  - name: br0\n    source: xen\n",
	  "t.yaml:3: bridges[0].source: must be 'static' or 'libvirt'" },
	{ "bridges:\n  - name: br0\n    libvirt-uri: test:///default\n",
	  "t.yaml:3: bridges[0]: libvirt-uri: needs 'source: libvirt'" },
	{ "bridges:\n  - name: br0\n    source: libvirt\n    libvirt-uri: x\n",
	  "t.yaml:4: bridges[0].libvirt-uri: must be a libvirt URI" },
	{ "bridges:\n  - name: br0\n    mirrors:\n      - name: ids\n"
	  "        to: mon0\n        from: [a, mon0]\n",
	  "t.yaml:4: mirrors[ids].to: mon0 is also in 'from': a mirror "
	  "cannot copy its own monitor port" },
	{ "bridges:\n  - name: br0\n    mirrors:\n      - name: a\n"
	  "        to: mon0\n        from: all\n      - name: b\n"
	  "        to: mon0\n        from: [x]\n",
	  "t.yaml:7: mirrors[b].to: mon0 is already the monitor port of "
	  "mirror a" },
	{ "bridges:\n  - name: br0\n    mirrors:\n      - name: a\n"
	  "        from: all\n        remote: { vxlan-id: 16777216, "
	  "remote-ip: 10.1.0.2 }\n",
	  "t.yaml:6: bridges[0].mirrors[0].remote.vxlan-id: must be a number "
	  "from 1 to 16777215" },
	{ "bridges:\n  - name: br0\n    mirrors:\n      - name: a\n"
	  "        from: all\n        remote: { vxlan-id: 5, "
	  "remote-ip: 10.1.0.300 }\n",
	  "t.yaml:6: bridges[0].mirrors[0].remote.remote-ip: '10.1.0.300' is "
	  "not an IPv4 address" },
	{ "bridges:\n  - name: br0\n    mirrors:\n      - name: a\n"
	  "        from: all\n        direction: sideways\n        to: m\n",
	  "t.yaml:6: bridges[0].mirrors[0].direction: must be in, out or "
	  "both" },
	{ "bridges:\n  - name: br0\n    mirrors:\n      - name: a\n"
	  "        from: all\n",
	  "t.yaml:4: bridges[0].mirrors[0]: needs either 'to' (a monitor "
	  "port) or 'remote'" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: g\n"
	  "        mac: 52:54:00:00:00:11\n    mirrors:\n      - name: a\n"
	  "        to: g\n        from: all\n",
	  "t.yaml:7: mirrors[a].to: g is a guest port; a monitor port must "
	  "be neither guest nor trusted" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:1\n",
	  "t.yaml:5: bridges[0].guests[0].mac: '52:54:00:00:00:1' is not a "
	  "MAC address (aa:bb:cc:dd:ee:ff)" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv4: [10.0.0.300]\n",
	  "t.yaml:6: bridges[0].guests[0].ipv4[0]: '10.0.0.300' is not an "
	  "IPv4 address" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv6: [\"fd00::zz\"]\n",
	  "t.yaml:6: bridges[0].guests[0].ipv6[0]: 'fd00::zz' is not an "
	  "IPv6 address" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n      - port: b\n"
	  "        mac: 52:54:00:00:00:11\n",
	  "t.yaml:7: mac: 52:54:00:00:00:11 of b is already bound to a "
	  "(line 5)" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv4: [10.0.0.1]\n"
	  "      - port: b\n        mac: 52:54:00:00:00:12\n"
	  "        ipv4: [10.0.0.1]\n",
	  "t.yaml:9: ipv4: 10.0.0.1 of b is already bound to a (line 6)" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n      - port: a\n"
	  "        mac: 52:54:00:00:00:12\n",
	  "t.yaml:6: port: port a is listed twice (first at line 4)" },
	{ "bridges:\n  - name: br0\n    trusted-ports: [a]\n    guests:\n"
	  "      - port: a\n        mac: 52:54:00:00:00:11\n",
	  "t.yaml:5: port: port a is both trusted and a guest port (line 2)" },
	{ "bridges:\n  - name: br0\n    unknown-ports: maybe\n",
	  "t.yaml:3: bridges[0].unknown-ports: must be 'drop' or 'allow'" },
	{ "bridges:\n  - name: br0\n    guests:\n      - mac: 52:54:00:00:00:11\n",
	  "t.yaml:4: bridges[0].guests[0]: missing 'port'" },
	{ "bridges:\n  - name: this-name-is-too-long\n",
	  "t.yaml:2: bridges[0].name: 'this-name-is-too-long' is not a valid "
	  "interface name (1-15 characters, no '/', ':' or spaces)" },
	{ "bridges:\n  - name: br0\n  - name: br0\n",
	  "t.yaml:3: bridges.name: bridge br0 is configured twice (first at "
	  "line 2)" },
	{ "bridge: []\n",
	  "t.yaml:1: bridge: unknown key (expected bridges, nflog-group)" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 01:00:5e:00:00:01\n",
	  "t.yaml:5: bridges[0].guests[0].mac: 01:00:5e:00:00:01 is a "
	  "multicast address" },
	{ "",
	  "t.yaml:1: bridges: the file is empty" },
};

static void
test_bad(void **state)
{
	struct bg_config cfg;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(config_load_string("t.yaml", bad[i].yaml,
		    &cfg, err, sizeof(err)), -1);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %zu:\n got: %s\nwant: %s", i, err,
			    bad[i].msg);
		assert_int_equal(cfg.n_bridges, 0);
	}
}

/* source: libvirt, its default URI, and the printed form read back. */
static void
test_source(void **state)
{
	static const char *const yaml[] = {
		"bridges:\n  - name: br0\n    source: libvirt\n",
		"bridges:\n  - name: br0\n    libvirt-uri: lxc:///system\n"
		"    source: libvirt\n",
		"bridges:\n  - name: br0\n    source: static\n",
	};
	static const char *const uri[] = { "qemu:///system", "lxc:///system",
	    "" };
	struct bg_config a, b;
	char err[512], *text;
	size_t len, i;
	FILE *f;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(config_load_string("t.yaml", yaml[i], &a, err,
		    sizeof(err)), 0);
		assert_string_equal(a.bridges[0].libvirt, uri[i]);
		text = NULL;
		assert_non_null(f = open_memstream(&text, &len));
		config_print(f, &a);
		fclose(f);
		assert_int_equal(config_load_string("printed", text, &b, err,
		    sizeof(err)), 0);
		assert_string_equal(b.bridges[0].libvirt, uri[i]);
		free(text);
		config_clear(&a);
		config_clear(&b);
	}
}

static void
test_missing_file(void **state)
{
	struct bg_config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_load("/nonexistent/bg.yaml", &cfg, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/bg.yaml: cannot open: "
	    "No such file or directory");
}

static void
test_linklocal(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0x11 };
	struct in6_addr a;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	mac_to_linklocal(mac, &a);
	assert_string_equal(inet_ntop(AF_INET6, &a, buf, sizeof(buf)),
	    "fe80::5054:ff:fe00:11");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_odd_names),
		cmocka_unit_test(test_mirrors),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_linklocal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
