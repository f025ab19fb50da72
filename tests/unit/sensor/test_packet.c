/* links: src/sensor/packet.c */
/*
 * The parser of guest frames: what it extracts from well-formed frames,
 * and that truncated or hostile ones yield only what is really there.
 * fuzz/sensor/fuzz_packet.c covers the rest of the input space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "packet.h"

static const uint8_t eth_ip_udp[] = {
	0x52, 0x54, 0, 0, 0, 0x11,  0x52, 0x54, 0, 0, 0, 0x33,  0x08, 0x00,
	0x45, 0, 0, 29, 0, 1, 0, 0, 64, 17, 0, 0,
	192, 168, 122, 99,  192, 168, 122, 11,
	0x04, 0xd2, 0x00, 0x09, 0, 9, 0, 0, 'x',
};

static const uint8_t vlan_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  0x52, 0x54, 0, 0, 0, 0x33,
	0x81, 0x00, 0x00, 0x05,  0x08, 0x06,
	0, 1, 0x08, 0, 6, 4, 0, 1,
	0x52, 0x54, 0, 0, 0, 0x33,  192, 168, 122, 22,
	0, 0, 0, 0, 0, 0,  192, 168, 122, 11,
};

static void
test_ipv4_udp(void **state)
{
	struct pkt_info p;
	uint8_t src[4] = { 192, 168, 122, 99 };

	(void)state;
	assert_int_equal(pkt_parse_frame(eth_ip_udp, sizeof(eth_ip_udp), &p),
	    0);
	assert_true(p.has_eth);
	assert_int_equal(p.src_mac[5], 0x33);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.af, AF_INET);
	assert_memory_equal(p.src_ip, src, 4);
	assert_int_equal(p.l4proto, 17);
	assert_true(p.has_ports);
	assert_int_equal(p.sport, 1234);
	assert_int_equal(p.dport, 9);
	assert_int_equal(p.l4_off, 14 + 20);
}

static void
test_vlan_arp(void **state)
{
	struct pkt_info p;
	uint8_t spa[4] = { 192, 168, 122, 22 };

	(void)state;
	assert_int_equal(pkt_parse_frame(vlan_arp, sizeof(vlan_arp), &p), 0);
	assert_int_equal(p.n_vlans, 1);
	assert_int_equal(p.vlan[0], 5);
	assert_true(p.is_arp);
	assert_int_equal(p.arp_op, 1);
	assert_memory_equal(p.arp_spa, spa, 4);
	assert_int_equal(p.af, 0);
}

/* Every prefix of a frame parses, and reports nothing it lacks. */
static void
test_truncation(void **state)
{
	struct pkt_info p;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(eth_ip_udp); n++) {
		int rc = pkt_parse_frame(eth_ip_udp, n, &p);

		assert_int_equal(rc, n < 14 ? -1 : 0);
		assert_int_equal(p.af != 0, n >= 14 + 20);
		assert_int_equal(p.has_ports, n >= 14 + 20 + 4);
	}
	for (n = 0; n < sizeof(vlan_arp); n++) {
		pkt_parse_frame(vlan_arp, n, &p);
		assert_int_equal(p.is_arp, n >= 18 + 28);
	}
	assert_int_equal(pkt_parse_frame(NULL, 100, &p), -1);
}

static void
test_deep_tags(void **state)
{
	uint8_t f[14 + 4 * 3 + 20];
	struct pkt_info p;
	int i;

	(void)state;
	memset(f, 0, sizeof(f));
	f[12] = 0x88, f[13] = 0xa8;
	for (i = 0; i < 3; i++) {
		f[14 + 4 * i + 2] = 0x81;
		f[14 + 4 * i + 3] = 0x00;
	}
	pkt_parse_frame(f, sizeof(f), &p);
	assert_int_equal(p.n_vlans, PKT_MAX_VLANS);
	assert_true(p.more_vlans);
	assert_int_equal(p.af, 0);
}

static void
test_ipv4_bad_ihl_and_fragment(void **state)
{
	uint8_t f[sizeof(eth_ip_udp)];
	struct pkt_info p;

	(void)state;
	memcpy(f, eth_ip_udp, sizeof(f));
	f[14] = 0x4f;		/* IHL 60 > what was captured */
	pkt_parse_frame(f, sizeof(f), &p);
	assert_int_equal(p.af, AF_INET);
	assert_false(p.has_ports);
	memcpy(f, eth_ip_udp, sizeof(f));
	f[14 + 7] = 5;		/* a later fragment: no UDP header */
	pkt_parse_frame(f, sizeof(f), &p);
	assert_false(p.has_ports);
	memcpy(f, eth_ip_udp, sizeof(f));
	f[14] = 0x42;		/* IHL 8 < 20 */
	pkt_parse_frame(f, sizeof(f), &p);
	assert_false(p.has_ports);
}

static void
test_ipv6_ext_headers(void **state)
{
	uint8_t f[40 + 8 + 8 + 4];
	struct pkt_info p;
	int i;

	(void)state;
	memset(f, 0, sizeof(f));
	f[0] = 0x60;
	f[6] = 0;		/* hop-by-hop */
	f[40] = 44;		/* → fragment */
	f[40 + 1] = 0;		/* 8 bytes */
	f[48] = 17;		/* → UDP, first fragment */
	f[56] = 0x02, f[57] = 0x23;
	pkt_parse_l3(0x86dd, f, sizeof(f), &p);
	assert_int_equal(p.af, AF_INET6);
	assert_int_equal(p.l4proto, 17);
	assert_true(p.has_ports);
	assert_int_equal(p.sport, 547);
	/* A chain of hop-by-hop headers longer than the walk: no L4. */
	for (i = 0; i < 2; i++)
		f[40 + 8 * i] = 0;
	pkt_parse_l3(0x86dd, f, sizeof(f), &p);
	assert_false(p.has_ports);
}

/* An NS's or NA's target, after any extension headers; none from a
 * message cut short of it, nor from other ICMPv6 types. */
static void
test_nd_target(void **state)
{
	uint8_t f[40 + 8 + 24];
	struct pkt_info p;
	size_t i;

	(void)state;
	memset(f, 0, sizeof(f));
	f[0] = 0x60;
	f[6] = 60;		/* destination options → ICMPv6 */
	f[40] = 58;
	f[48] = 135;		/* NS */
	for (i = 0; i < 16; i++)
		f[56 + i] = (uint8_t)(0xf0 + i);
	pkt_parse_l3(0x86dd, f, sizeof(f), &p);
	assert_true(p.has_icmp);
	assert_int_equal(p.icmp_type, 135);
	assert_true(p.has_nd_target);
	assert_int_equal(p.nd_target[0], 0xf0);
	assert_int_equal(p.nd_target[15], 0xff);
	pkt_parse_l3(0x86dd, f, sizeof(f) - 1, &p);
	assert_true(p.has_icmp);
	assert_false(p.has_nd_target);
	f[48] = 134;		/* an RA has no target */
	pkt_parse_l3(0x86dd, f, sizeof(f), &p);
	assert_false(p.has_nd_target);
}

static void
test_l3_entry(void **state)
{
	struct pkt_info p;

	(void)state;
	assert_int_equal(pkt_parse_l3(0x0800, eth_ip_udp + 14,
	    sizeof(eth_ip_udp) - 14, &p), 0);
	assert_false(p.has_eth);
	assert_int_equal(p.af, AF_INET);
	assert_int_equal(pkt_parse_l3(0x0806, eth_ip_udp + 14, 10, &p), 0);
	assert_false(p.is_arp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_vlan_arp),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_deep_tags),
		cmocka_unit_test(test_ipv4_bad_ihl_and_fragment),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_nd_target),
		cmocka_unit_test(test_l3_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
