/* links: src/ruleset/guest.c src/ruleset/entry.c src/ruleset/learn.c src/ruleset/drop.c src/ruleset/dhcp.c src/ruleset/frag.c src/ruleset/nd.c src/ruleset/ir.c src/ruleset/fields.c src/ruleset/table.c src/ruleset/print.c src/lib/reason.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * The facts the rules are built on, asked one question at a time: which
 * ARP frames they let through, and the role of each port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config.h"
#include "guest.h"

static const char cfg_text[] =
"bridges:\n"
"  - name: br0\n"
"    trusted-ports: [uplink0]\n"
"    guests:\n"
"      - port: vnic-alice\n"
"        mac: 52:54:00:00:00:11\n"
"        ipv4: [192.168.122.11]\n"
"    mirrors:\n"
"      - { name: ids, to: vnic-ids, from: [vnic-alice] }\n"
"  - name: br1\n"
"    unknown-ports: allow\n"
"    guests:\n"
"      - port: vnic-bob\n"
"        mac: 52:54:00:00:00:22\n";

static void
test_arp(void **state)
{
	static const uint8_t alice[6] = { 0x52, 0x54, 0, 0, 0, 0x11 },
	    eve[6] = { 0x52, 0x54, 0, 0, 0, 0x33 }, ip[4] = { 192, 168, 122, 11 },
	    other[4] = { 192, 168, 122, 99 }, zero[4] = { 0 };
	struct bg_config cfg;
	char err[256];

	(void)state;
	if (config_load_string("t", cfg_text, &cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	/* A guest: its MAC in the frame and in ARP, its address or none. */
	assert_true(rs_arp_passes(&cfg, "br0", "vnic-alice", alice, alice, ip));
	assert_true(rs_arp_passes(&cfg, "br0", "vnic-alice", alice, alice,
	    zero));
	assert_false(rs_arp_passes(&cfg, "br0", "vnic-alice", alice, alice,
	    other));
	assert_false(rs_arp_passes(&cfg, "br0", "vnic-alice", alice, eve, ip));
	assert_false(rs_arp_passes(&cfg, "br0", "vnic-alice", eve, alice, ip));
	/* Trusted: anything. Unknown, on a dropping bridge: nothing, and a
	 * guest of another bridge is unknown there. A monitor: nothing. */
	assert_true(rs_arp_passes(&cfg, "br0", "uplink0", eve, eve, other));
	assert_false(rs_arp_passes(&cfg, "br0", "vnic-x", eve, eve, other));
	assert_false(rs_arp_passes(&cfg, "br0", "vnic-bob", eve, eve, other));
	assert_false(rs_arp_passes(&cfg, "br0", "vnic-ids", eve, eve, other));
	/* unknown-ports: allow lets unknown ports through; guests are still
	 * checked wherever they are. */
	assert_true(rs_arp_passes(&cfg, "br1", "vnic-x", eve, eve, other));
	assert_false(rs_arp_passes(&cfg, "br1", "vnic-alice", alice, alice,
	    other));
	config_clear(&cfg);
}

static void
test_port_kinds(void **state)
{
	struct bg_config cfg;
	struct bg_bridge *gb;
	char err[256];

	(void)state;
	if (config_load_string("t", cfg_text, &cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(bridge_port_kind(&cfg.bridges[0], "uplink0", NULL),
	    PORT_TRUSTED);
	assert_int_equal(bridge_port_kind(&cfg.bridges[0], "vnic-ids", NULL),
	    PORT_MONITOR);
	assert_non_null(config_guest(&cfg, "vnic-alice", &gb));
	assert_int_equal(bridge_port_kind(&cfg.bridges[0], "vnic-alice", gb),
	    PORT_GUEST);
	assert_non_null(config_guest(&cfg, "vnic-bob", &gb));
	assert_int_equal(bridge_port_kind(&cfg.bridges[0], "vnic-bob", gb),
	    PORT_UNKNOWN);
	assert_true(config_drops_port(&cfg, "br0", "vnic-bob", gb));
	assert_false(config_drops_port(&cfg, "br0", "vnic-ids", NULL));
	assert_false(config_drops_port(&cfg, "br1", "vnic-x", NULL));
	assert_false(config_drops_port(&cfg, NULL, "vnic-x", NULL));
	assert_false(config_drops_port(&cfg, "br9", "vnic-x", NULL));
	config_clear(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_port_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
