/* links: src/config/validate.c src/config/edit.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/model.c */
/*
 * The one validator: a guest added at run time is held to the rules a
 * config file is, in one pass, and the conflicts found only by looking at
 * all of the policy (link-local addresses, monitor ports and mirror names
 * across bridges) are found in both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "edit.h"

static const char policy[] =
"bridges:\n"
"  - name: br0\n"
"    trusted-ports: [uplink0]\n"
"    guests:\n"
"      - port: vnic-alice\n"
"        mac: 52:54:00:00:00:11\n"
"        ipv4: [192.168.122.11]\n"
"        ipv6: [\"fd00::11\"]\n"
"    mirrors:\n"
"      - { name: ids, to: vnic-ids, from: [vnic-alice] }\n"
"  - name: br1\n";

struct runtime {
	const char	*bridge, *port, *mac, *ip4, *ip6;
	const char	*msg;		/* NULL: accepted */
};

static const struct runtime cases[] = {
	{ "br0", "vnic-x", "52:54:00:00:00:99", "192.168.122.99", NULL, NULL },
	{ "br9", "vnic-x", "52:54:00:00:00:99", NULL, NULL,
	  "bridge br9 is not in the configuration" },
	{ "br0", "a/b", "52:54:00:00:00:99", NULL, NULL,
	  "port: not a valid interface name" },
	{ "br0", "vnic-x", "01:00:5e:00:00:01", NULL, NULL,
	  "mac: 01:00:5e:00:00:01 is a multicast address" },
	{ "br0", "vnic-x", "52:54:00:00:00:99", "224.0.0.1", NULL,
	  "ipv4: 224.0.0.1 cannot be a guest's address" },
	{ "br0", "vnic-x", "52:54:00:00:00:11", NULL, NULL,
	  "mac 52:54:00:00:00:11 is already bound to port vnic-alice" },
	{ "br1", "vnic-x", "52:54:00:00:00:99", "192.168.122.11", NULL,
	  "ipv4 192.168.122.11 is already bound to port vnic-alice" },
	{ "br0", "vnic-x", "52:54:00:00:00:99", NULL, "fd00::11",
	  "ipv6 fd00::11 is already bound to port vnic-alice" },
	/* alice's link-local, from her MAC, named by another guest */
	{ "br0", "vnic-x", "52:54:00:00:00:99", NULL, "fe80::5054:ff:fe00:11",
	  "ipv6 fe80::5054:ff:fe00:11 is already bound to port vnic-alice" },
	{ "br1", "uplink0", "52:54:00:00:00:99", NULL, NULL,
	  "port uplink0 is a trusted port" },
	{ "br1", "vnic-ids", "52:54:00:00:00:99", NULL, NULL,
	  "port vnic-ids is a mirror's monitor port" },
	{ "br0", "vnic-x", "00:00:00:00:00:00", NULL, NULL,
	  "mac: 00:00:00:00:00:00 cannot be a guest's address" },
	{ "br0", "vnic-x", "52:54:00:00:00:99", "0.0.0.0", NULL,
	  "ipv4: 0.0.0.0 cannot be a guest's address" },
	{ "br0", "vnic-x", "52:54:00:00:00:99", NULL, "::",
	  "ipv6: :: cannot be a guest's address" },
	{ "br0", "vnic-x", "52:54:00:00:00:99", NULL, "ff02::1",
	  "ipv6: ff02::1 cannot be a guest's address" },
	{ "br0", "br1", "52:54:00:00:00:99", NULL, NULL,
	  "port br1 is a bridge" },
	{ "br0", "lo", "52:54:00:00:00:99", NULL, NULL,
	  "port: lo is the loopback device, never a bridge port" },
	/* alice again, moved and renumbered: her old binding is replaced */
	{ "br1", "vnic-alice", "52:54:00:00:00:11", "192.168.122.12",
	  "fe80::5054:ff:fe00:11", NULL },
};

static void
test_runtime(void **state)
{
	struct bg_config cfg;
	struct bg_guest g;
	struct in_addr a4;
	struct in6_addr a6;
	char err[256];
	size_t i;

	(void)state;
	if (config_load_string("t", policy, &cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct runtime *c = &cases[i];

		memset(&g, 0, sizeof(g));
		snprintf(g.port, sizeof(g.port), "%s", c->port);
		assert_int_equal(mac_parse(c->mac, g.mac), 0);
		if (c->ip4) {
			assert_int_equal(inet_pton(AF_INET, c->ip4, &a4), 1);
			g.ip4 = &a4;
			g.n_ip4 = 1;
		}
		if (c->ip6) {
			assert_int_equal(inet_pton(AF_INET6, c->ip6, &a6), 1);
			g.ip6 = &a6;
			g.n_ip6 = 1;
		}
		err[0] = '\0';
		if (config_check_guest(&cfg, c->bridge, &g, err,
		    sizeof(err)) != (c->msg ? -1 : 0) ||
		    (c->msg && strcmp(err, c->msg) != 0))
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    c->msg ? c->msg : "(accepted)");
	}
	/* A lease alice learned is hers as a listed address is. */
	inet_pton(AF_INET, "192.168.122.77", &a4);
	config_guest(&cfg, "vnic-alice", NULL)->learned4[0] = a4;
	config_guest(&cfg, "vnic-alice", NULL)->n_learned4 = 1;
	memset(&g, 0, sizeof(g));
	snprintf(g.port, sizeof(g.port), "vnic-x");
	mac_parse("52:54:00:00:00:99", g.mac);
	g.ip4 = &a4;
	g.n_ip4 = 1;
	assert_int_equal(config_check_guest(&cfg, "br0", &g, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "ipv4 192.168.122.77 is already bound to port "
	    "vnic-alice");
	config_clear(&cfg);
}

static void
test_given_twice(void **state)
{
	struct bg_guest g;
	struct in_addr a[2];
	char err[256];

	(void)state;
	memset(&g, 0, sizeof(g));
	strcpy(g.port, "vnic-x");
	g.mac[0] = 0x52;
	inet_pton(AF_INET, "10.0.0.1", &a[0]);
	a[1] = a[0];
	g.ip4 = a;
	g.n_ip4 = 2;
	assert_int_equal(guest_check(&g, err, sizeof(err)), -1);
	assert_string_equal(err, "ipv4: 10.0.0.1 is given twice");
}

/* A guest that did not come from a file (libvirt's, at load) is held to
 * guest_check() as one added at run time is. */
static void
test_whole_config_fields(void **state)
{
	struct bg_config cfg;
	struct bg_guest g;
	struct in_addr a4;
	char err[256];

	(void)state;
	if (config_load_string("t", policy, &cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	memset(&g, 0, sizeof(g));
	strcpy(g.port, "vnet0");
	assert_int_equal(mac_parse("52:54:00:00:00:99", g.mac), 0);
	assert_int_equal(config_bind(&cfg, config_bridge(&cfg, "br1"), &g), 0);
	assert_int_equal(config_validate("t", &cfg, err, sizeof(err)), 0);
	inet_pton(AF_INET, "127.0.0.1", &a4);
	g.ip4 = &a4;
	g.n_ip4 = 1;
	assert_int_equal(config_bind(&cfg, config_bridge(&cfg, "br1"), &g), 0);
	assert_int_equal(config_validate("t", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "t: guest vnet0 of bridge br1: ipv4: "
	    "127.0.0.1 cannot be a guest's address");
	config_clear(&cfg);
}

/* Conflicts only the whole policy shows, in a file. */
static const struct {
	const char	*yaml, *msg;
} files[] = {
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n      - port: b\n"
	  "        mac: 52:54:00:00:00:12\n"
	  "        ipv6: [\"fe80::5054:ff:fe00:11\"]\n",
	  "t:8: ipv6: fe80::5054:ff:fe00:11 of b is already bound to a "
	  "(line 5)" },
	{ "bridges:\n  - name: br0\n    mirrors:\n"
	  "      - { name: a, to: up1, from: all }\n"
	  "  - name: br1\n    trusted-ports: [up1]\n",
	  "t:4: mirrors[a].to: up1 is a trusted port; a monitor port must be "
	  "neither guest nor trusted" },
	{ "bridges:\n  - name: br0\n    mirrors:\n"
	  "      - { name: a, to: m0, from: all }\n"
	  "  - name: br1\n    mirrors:\n"
	  "      - { name: a, to: m1, from: all }\n",
	  "t:7: mirrors[a].name: mirror a is defined twice (line 4)" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: \"a\\x00b\"\n"
	  "        mac: 52:54:00:00:00:11\n",
	  "t:4: bridges[0].guests[0].port: must be an interface name (text, "
	  "with no NUL byte)" },
	{ "bridges:\n  - name: br0\n    mirrors:\n"
	  "      - { name: a, to: lo, from: all }\n",
	  "t:4: mirrors[a].to: lo is the loopback device, never a bridge "
	  "port" },
	{ "bridges:\n  - name: br0\n    trusted-ports: [up0, br0]\n",
	  "t:2: trusted-ports: br0 is a bridge (line 2), not a port" },
	{ "bridges:\n  - name: br0\n    trusted-ports: [up0]\n"
	  "  - name: br1\n    guests:\n      - port: br0\n"
	  "        mac: 52:54:00:00:00:11\n",
	  "t:6: port: br0 is a bridge (line 2), not a port" },
	{ "bridges:\n  - name: br0\n    mirrors:\n"
	  "      - { name: a, to: br0, from: all }\n",
	  "t:4: mirrors[a].to: br0 is a bridge (line 2), not a port" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: *x\n"
	  "        mac: 52:54:00:00:00:11\n",
	  "t:4: yaml: invalid alias" },
	/* Not UTF-8: libfyaml 0.7 would loop forever on this directive. */
	{ "# x\n%eeEee\xa5\x9a\x9a\x9b\x9d" "9::\n", "t:2: yaml: not UTF-8 text" },
	/* Overlong '/', a UTF-16 surrogate, beyond U+10FFFF, a cut sequence;
	 * and UTF-8 that is fine where a name is not. */
	{ "bridges:\n  - name: \xc0\xaf\n", "t:2: yaml: not UTF-8 text" },
	{ "bridges:\n  - name: \xed\xa0\x80\n", "t:2: yaml: not UTF-8 text" },
	{ "bridges:\n  - name: \xf4\x90\x80\x80\n", "t:2: yaml: not UTF-8 text" },
	{ "bridges:\n  - name: br\xe2\x82\n", "t:2: yaml: not UTF-8 text" },
	{ "# caf\xc3\xa9\nbridges:\n  - name: br\xc3\xa9\n",
	  "t:3: bridges[0].name: 'br\xc3\xa9' is not a valid interface name "
	  "(1-15 characters, no '/', ':' or spaces)" },
	/* An alias with its anchor is what the anchor says. */
	{ "bridges:\n  - name: br0\n    trusted-ports: [&up up0]\n"
	  "  - name: br1\n    trusted-ports: [up1]\n"
	  "    mirrors:\n      - { name: a, to: m1, from: [*up] }\n", NULL },
	/* Learning: dhcp alone, or with static addresses; a pinned server. */
	{ "bridges:\n  - name: br0\n    dhcp-servers: [10.0.0.1]\n"
	  "    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv4: dhcp\n"
	  "      - port: b\n        mac: 52:54:00:00:00:12\n"
	  "        ipv4: [10.0.0.5, dhcp]\n", NULL },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv4: [dhcp, dhcp]\n",
	  "t:6: bridges[0].guests[0].ipv4[1]: dhcp is given twice" },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv4: [dhcp]\n"
	  "        ipv6: [\"fd00::1\", slaac]\n", NULL },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv6: dhcpv6\n", NULL },
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n        ipv6: dhcp\n",
	  "t:6: bridges[0].guests[0].ipv6[0]: 'dhcp' is not an IPv6 address" },
	{ "bridges:\n  - name: br0\n    dhcp-servers: [10.0.0.1, 0.0.0.0]\n",
	  "t:3: bridges[0].dhcp-servers[1]: 0.0.0.0 cannot be a DHCP "
	  "server's address" },
	/* The caps of learning: within what a guest can hold. */
	{ "bridges:\n  - name: br0\n    max-learned-ipv4: 0\n",
	  "t:3: bridges[0].max-learned-ipv4: must be a number from 1 to 16" },
	{ "bridges:\n  - name: br0\n    max-learned-ipv6: 33\n",
	  "t:3: bridges[0].max-learned-ipv6: must be a number from 1 to 32" },
	{ "bridges:\n  - name: br0\n    max-learned-ipv4: 2\n"
	  "    max-learned-ipv6: 32\n", NULL },
	/* A guest may name its own link-local address. */
	{ "bridges:\n  - name: br0\n    guests:\n      - port: a\n"
	  "        mac: 52:54:00:00:00:11\n"
	  "        ipv6: [\"fe80::5054:ff:fe00:11\"]\n", NULL },
};

static void
test_files(void **state)
{
	struct bg_config cfg;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		err[0] = '\0';
		rc = config_load_string("t", files[i].yaml, &cfg, err,
		    sizeof(err));
		if (rc != (files[i].msg ? -1 : 0) || (files[i].msg &&
		    strcmp(err, files[i].msg) != 0))
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    files[i].msg ? files[i].msg : "(accepted)");
		config_clear(&cfg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime),
		cmocka_unit_test(test_given_twice),
		cmocka_unit_test(test_whole_config_fields),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
