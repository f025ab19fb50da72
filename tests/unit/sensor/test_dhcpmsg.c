/* links: src/sensor/dhcpmsg.c src/sensor/packet.c */
/*
 * The DHCPv4 parser: what it extracts from the messages snooping acts on
 * (ACK, NAK, RELEASE, DECLINE), and that truncated, overloaded or hostile
 * ones yield only what is really there. fuzz/sensor/fuzz_dhcpmsg.c covers
 * the rest of the input space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dhcpmsg.h"

#define IP_UDP		28

static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0x44 };

/* An IPv4/UDP 67→68 DHCP message with these options, into buf. */
static size_t
build(uint8_t *buf, size_t cap, uint8_t op, const uint8_t *opts,
    size_t olen)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	uint8_t *b = buf + IP_UDP;
	size_t ulen = 8 + DHCP_MIN + olen;

	assert_true(IP_UDP + DHCP_MIN + olen <= cap);
	memset(buf, 0, cap);
	buf[0] = 0x45;
	buf[9] = 17;
	buf[20] = 0, buf[21] = op == 2 ? 67 : 68;	/* sport */
	buf[22] = 0, buf[23] = op == 2 ? 68 : 67;	/* dport */
	buf[24] = (uint8_t)(ulen >> 8), buf[25] = (uint8_t)ulen;
	b[0] = op, b[1] = 1, b[2] = 6;
	b[4] = 0xde, b[5] = 0xad, b[6] = 0xbe, b[7] = 0xef;
	b[12] = 10, b[13] = 0, b[14] = 0, b[15] = 7;	/* ciaddr */
	b[16] = 10, b[17] = 0, b[18] = 0, b[19] = 9;	/* yiaddr */
	memcpy(b + 28, mac, 6);
	memcpy(b + BOOTP_FIXED, cookie, 4);
	memcpy(b + DHCP_MIN, opts, olen);
	return IP_UDP + DHCP_MIN + olen;
}

static int
parse(const uint8_t *buf, size_t len, struct dhcp_info *d)
{
	struct pkt_info pi;

	pkt_parse_l3(0x0800, buf, len, &pi);
	return dhcp_parse_pkt(buf, len, &pi, d);
}

static void
test_ack(void **state)
{
	static const uint8_t opts[] = { 53, 1, DHCPACK, 54, 4, 10, 0, 0, 1,
	    51, 4, 0, 0, 0x0e, 0x10, 255 };
	uint8_t buf[512], yi[4] = { 10, 0, 0, 9 }, sid[4] = { 10, 0, 0, 1 };
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 2, opts, sizeof(opts));

	(void)state;
	assert_int_equal(parse(buf, n, &d), 0);
	assert_int_equal(d.op, 2);
	assert_int_equal(d.type, DHCPACK);
	assert_true(d.eth);
	assert_memory_equal(d.chaddr, mac, 6);
	assert_memory_equal(d.yiaddr, yi, 4);
	assert_true(d.has_server);
	assert_memory_equal(d.server_id, sid, 4);
	assert_true(d.has_lease);
	assert_int_equal(d.lease, 3600);
	assert_int_equal(d.xid, 0xdeadbeef);
}

static void
test_decline(void **state)
{
	static const uint8_t opts[] = { 53, 1, DHCPDECLINE, 50, 4, 10, 0, 0,
	    9, 255 };
	uint8_t buf[512], rq[4] = { 10, 0, 0, 9 };
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 1, opts, sizeof(opts));

	(void)state;
	assert_int_equal(parse(buf, n, &d), 0);
	assert_int_equal(d.type, DHCPDECLINE);
	assert_true(d.has_requested);
	assert_memory_equal(d.requested, rq, 4);
}

static void
test_release(void **state)
{
	static const uint8_t opts[] = { 0, 0, 53, 1, DHCPRELEASE, 255 };
	uint8_t buf[512], ci[4] = { 10, 0, 0, 7 };
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 1, opts, sizeof(opts));

	(void)state;
	assert_int_equal(parse(buf, n, &d), 0);
	assert_int_equal(d.op, 1);
	assert_int_equal(d.type, DHCPRELEASE);
	assert_memory_equal(d.ciaddr, ci, 4);
	assert_false(d.has_lease);
	assert_false(d.has_server);
}

/* The first well-formed occurrence wins; a wrong length is no option. */
static void
test_duplicates_and_lengths(void **state)
{
	static const uint8_t opts[] = { 53, 2, DHCPNAK, 0, 53, 1, DHCPACK,
	    53, 1, DHCPNAK, 51, 3, 1, 2, 3, 255 };
	uint8_t buf[512];
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 2, opts, sizeof(opts));

	(void)state;
	assert_int_equal(parse(buf, n, &d), 0);
	assert_int_equal(d.type, DHCPACK);
	assert_false(d.has_lease);
}

/* Option 52: the options go on in file (1) and sname (2), no deeper. */
static void
test_overload(void **state)
{
	static const uint8_t opts[] = { 52, 1, 3, 255 };
	static const uint8_t file[] = { 53, 1, DHCPACK, 52, 1, 3, 255 };
	static const uint8_t sname[] = { 51, 4, 0, 0, 0, 60, 255 };
	uint8_t buf[512];
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 2, opts, sizeof(opts));

	(void)state;
	memcpy(buf + IP_UDP + 108, file, sizeof(file));
	memcpy(buf + IP_UDP + 44, sname, sizeof(sname));
	assert_int_equal(parse(buf, n, &d), 0);
	assert_int_equal(d.type, DHCPACK);
	assert_true(d.has_lease);
	assert_int_equal(d.lease, 60);
	/* Without the overload option the same fields are names, not
	 * options. */
	buf[IP_UDP + DHCP_MIN] = 0;
	assert_int_equal(parse(buf, n, &d), 0);
	assert_int_equal(d.type, 0);
	assert_false(d.has_lease);
}

/* Every prefix: a DHCP message only once the cookie is there, and an
 * option only once all of it is. */
static void
test_truncation(void **state)
{
	static const uint8_t opts[] = { 53, 1, DHCPACK, 51, 4, 0, 0, 0, 60 };
	uint8_t buf[512];
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 2, opts, sizeof(opts)), k;
	int rc;

	(void)state;
	for (k = 0; k <= n; k++) {
		rc = parse(buf, k, &d);
		assert_int_equal(rc, k >= IP_UDP + DHCP_MIN ? 0 : -1);
		assert_int_equal(d.type != 0, k >= IP_UDP + DHCP_MIN + 3);
		assert_int_equal(d.has_lease, k >= n);
	}
	/* An option whose length runs past the end ends the walk. */
	buf[IP_UDP + DHCP_MIN + 4] = 200;
	assert_int_equal(parse(buf, n, &d), 0);
	assert_int_equal(d.type, DHCPACK);
	assert_false(d.has_lease);
}

static void
test_not_dhcp(void **state)
{
	static const uint8_t opts[] = { 53, 1, DHCPACK, 255 };
	uint8_t buf[512];
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 2, opts, sizeof(opts));

	(void)state;
	buf[IP_UDP + BOOTP_FIXED] = 0;		/* no cookie: plain BOOTP */
	assert_int_equal(parse(buf, n, &d), -1);
	n = build(buf, sizeof(buf), 2, opts, sizeof(opts));
	buf[23] = 69;				/* not DHCP's ports */
	assert_int_equal(parse(buf, n, &d), -1);
	n = build(buf, sizeof(buf), 2, opts, sizeof(opts));
	buf[24] = 0, buf[25] = 4;		/* UDP length < header */
	assert_int_equal(parse(buf, n, &d), -1);
	n = build(buf, sizeof(buf), 3, opts, sizeof(opts));
	assert_int_equal(parse(buf, n, &d), -1);	/* op 3 */
	n = build(buf, sizeof(buf), 2, opts, sizeof(opts));
	buf[IP_UDP + 1] = 6;			/* token ring: no MAC */
	assert_int_equal(parse(buf, n, &d), 0);
	assert_false(d.eth);
	assert_int_equal(dhcp_parse(NULL, 300, &d), -1);
}

/* The UDP length, not the capture, ends the message: trailing bytes
 * (Ethernet padding) are not options. */
static void
test_udp_length(void **state)
{
	static const uint8_t opts[] = { 53, 1, DHCPACK };
	uint8_t buf[512];
	struct dhcp_info d;
	size_t n = build(buf, sizeof(buf), 2, opts, sizeof(opts) - 3);

	(void)state;
	memcpy(buf + n, opts, sizeof(opts));
	assert_int_equal(parse(buf, n + sizeof(opts), &d), 0);
	assert_int_equal(d.type, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_decline),
		cmocka_unit_test(test_duplicates_and_lengths),
		cmocka_unit_test(test_overload),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_not_dhcp),
		cmocka_unit_test(test_udp_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
