/* links: src/sensor/dhcp6msg.c src/sensor/packet.c */
/*
 * The DHCPv6 parser: what it extracts from the messages snooping acts on
 * (Reply, Release, Decline), which addresses count (the status codes of
 * the IA and of the IAADDR), and that truncated or overlong options yield
 * only what is really there. Every message is parsed from an exact-size
 * heap copy, so ASan sees any read past its end.
 * fuzz/sensor/fuzz_dhcp6msg.c covers the rest of the input space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dhcp6msg.h"

enum { CLIENTID = 1, SERVERID, IA_NA, IA_TA, IAADDR, STATUS = 13 };
enum { NO_ADDRS_AVAIL = 2 };

#define ETH_IP6_UDP	(14 + 40 + 8)
#define MSG_MAX		600

static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0x44 };

/* A message, or the body of an option being built. */
struct msg {
	uint8_t		 b[MSG_MAX];
	size_t		 n;
};

static void
raw(struct msg *m, const void *v, size_t l)
{
	assert_true(m->n + l <= sizeof(m->b));
	memcpy(m->b + m->n, v, l);
	m->n += l;
}

static void
raw32(struct msg *m, uint32_t x)
{
	uint8_t v[4] = { x >> 24, x >> 16, x >> 8, x };

	raw(m, v, 4);
}

static void
put(struct msg *m, uint16_t code, const void *v, size_t l)
{
	uint8_t h[4] = { code >> 8, code, l >> 8, l };

	raw(m, h, 4);
	raw(m, v, l);
}

static void
start(struct msg *m, uint8_t type)
{
	uint8_t h[4] = { type, 0x12, 0x34, 0x56 };

	memset(m, 0, sizeof(*m));
	raw(m, h, 4);
}

static void
status(struct msg *m, uint16_t st)
{
	uint8_t v[] = { st >> 8, st, 'n', 'o' };

	put(m, STATUS, v, sizeof(v));
}

/* An IAADDR of 2001:db8::last into the IA's body ia; a status code st in
 * it unless st < 0. */
static void
iaaddr(struct msg *ia, uint8_t last, uint32_t pref, uint32_t valid, int st)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct msg o = { .n = 0 };

	a[15] = last;
	raw(&o, a, 16);
	raw32(&o, pref);
	raw32(&o, valid);
	if (st >= 0)
		status(&o, (uint16_t)st);
	put(ia, IAADDR, o.b, o.n);
}

/* An IA_NA (IAID, T1, T2) or IA_TA (IAID) around the options in ia. */
static void
ia(struct msg *m, uint16_t code, const struct msg *body)
{
	struct msg o = { .n = 0 };

	raw32(&o, 1);
	if (code == IA_NA) {
		raw32(&o, 1800);
		raw32(&o, 2880);
	}
	raw(&o, body->b, body->n);
	put(m, code, o.b, o.n);
}

/* A DUID-LLT of mac. */
static void
duid_llt(struct msg *m, uint16_t code)
{
	uint8_t v[14] = { 0, 1, 0, 1, 0x2f, 0x00, 0x12, 0x34 };

	memcpy(v + 8, mac, 6);
	put(m, code, v, sizeof(v));
}

static int
parse(const struct msg *m, size_t len, struct dhcp6_info *d)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, m->b, len);
	rc = dhcp6_parse(copy, len, d);
	free(copy);
	return rc;
}

static void
assert_addr(const struct dhcp6_addr *a, uint8_t last, uint32_t pref,
    uint32_t valid)
{
	uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	want[15] = last;
	assert_memory_equal(a->addr, want, 16);
	assert_int_equal(a->preferred, pref);
	assert_int_equal(a->valid, valid);
}

/* A Reply: the client, the server, the addresses with their lifetimes;
 * one with valid lifetime 0 is kept (the caller unbinds it). An IA_TA
 * (RFC 8415 21.5) has only an IAID before its options. */
static void
test_reply(void **state)
{
	struct msg m, b = { .n = 0 }, t = { .n = 0 };
	struct dhcp6_info d;

	(void)state;
	start(&m, DHCP6_REPLY);
	duid_llt(&m, CLIENTID);
	duid_llt(&m, SERVERID);
	iaaddr(&b, 9, 3600, 7200, -1);
	iaaddr(&b, 10, 0, 0, 0);
	ia(&m, IA_NA, &b);
	iaaddr(&t, 7, 0xffffffff, 0xffffffff, -1);
	ia(&m, IA_TA, &t);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_int_equal(d.type, DHCP6_REPLY);
	assert_int_equal(d.xid, 0x123456);
	assert_true(d.has_client);
	assert_true(d.client_ll);
	assert_memory_equal(d.client_mac, mac, 6);
	assert_true(d.has_server);
	assert_int_equal(d.status, 0);
	assert_int_equal(d.n_addrs, 3);
	assert_false(d.more_addrs);
	assert_addr(&d.addrs[0], 9, 3600, 7200);
	assert_addr(&d.addrs[1], 10, 0, 0);
	assert_addr(&d.addrs[2], 7, 0xffffffff, 0xffffffff);
}

static void
one_duid(const uint8_t *v, size_t l, int ll)
{
	struct msg m;
	struct dhcp6_info d;

	start(&m, DHCP6_SOLICIT);
	put(&m, CLIENTID, v, l);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_true(d.has_client);
	assert_int_equal(d.client_ll, ll);
	if (ll)
		assert_memory_equal(d.client_mac, mac, 6);
}

/* RFC 8415 11: only an Ethernet DUID-LLT or DUID-LL is a MAC. */
static void
test_duid(void **state)
{
	uint8_t llt[14] = { 0, 1, 0, 1, 1, 2, 3, 4 };
	uint8_t ll[10] = { 0, 3, 0, 1 };
	uint8_t en[14] = { 0, 2, 0, 0, 0x01, 0x37 };
	uint8_t v[16];
	struct msg m;
	struct dhcp6_info d;

	(void)state;
	memcpy(llt + 8, mac, 6);
	memcpy(ll + 4, mac, 6);
	memcpy(en + 8, mac, 6);		/* a MAC-looking tail: not one */
	one_duid(llt, sizeof(llt), 1);
	one_duid(ll, sizeof(ll), 1);
	one_duid(en, sizeof(en), 0);
	memcpy(v, ll, sizeof(ll));
	v[3] = 6;			/* IEEE 802 (token ring) */
	one_duid(v, sizeof(ll), 0);
	memcpy(v, ll, sizeof(ll));	/* an 8-byte EUI-64 */
	one_duid(v, sizeof(ll) + 2, 0);
	one_duid(ll, 9, 0);
	one_duid(ll, 0, 0);
	/* The first client id wins. */
	start(&m, DHCP6_SOLICIT);
	put(&m, CLIENTID, en, sizeof(en));
	put(&m, CLIENTID, ll, sizeof(ll));
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_false(d.client_ll);
}

/* RFC 8415 21.13: a status code in an IAADDR drops it, one in the IA (before
 * or after its addresses) drops them all; the top level's is reported. */
static void
test_status(void **state)
{
	struct msg m, b = { .n = 0 }, bad = { .n = 0 };
	struct dhcp6_info d;

	(void)state;
	start(&m, DHCP6_REPLY);
	status(&m, 300);
	status(&m, 0);
	iaaddr(&b, 1, 60, 120, NO_ADDRS_AVAIL);
	iaaddr(&b, 2, 60, 120, 0);
	ia(&m, IA_NA, &b);
	iaaddr(&bad, 3, 60, 120, -1);
	status(&bad, NO_ADDRS_AVAIL);
	ia(&m, IA_NA, &bad);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_int_equal(d.status, 255);
	assert_int_equal(d.n_addrs, 1);
	assert_addr(&d.addrs[0], 2, 60, 120);
	/* A status code inside an IA is not the message's. */
	start(&m, DHCP6_REPLY);
	ia(&m, IA_NA, &bad);
	status(&m, NO_ADDRS_AVAIL);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_int_equal(d.status, NO_ADDRS_AVAIL);
	assert_int_equal(d.n_addrs, 0);
	start(&m, DHCP6_REPLY);
	ia(&m, IA_NA, &bad);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_int_equal(d.status, 0);
}

/* DHCP6_MAX_ADDRS kept; more_addrs if another usable one follows. */
static void
test_more_addrs(void **state)
{
	struct msg m, b = { .n = 0 };
	struct dhcp6_info d;
	uint8_t i;

	(void)state;
	for (i = 1; i <= DHCP6_MAX_ADDRS; i++)
		iaaddr(&b, i, 60, 120, -1);
	iaaddr(&b, 9, 60, 120, NO_ADDRS_AVAIL);
	start(&m, DHCP6_REPLY);
	ia(&m, IA_NA, &b);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_int_equal(d.n_addrs, DHCP6_MAX_ADDRS);
	assert_false(d.more_addrs);
	b.n = 0;
	iaaddr(&b, 5, 60, 120, -1);
	ia(&m, IA_NA, &b);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_int_equal(d.n_addrs, DHCP6_MAX_ADDRS);
	assert_true(d.more_addrs);
	assert_addr(&d.addrs[DHCP6_MAX_ADDRS - 1], DHCP6_MAX_ADDRS, 60, 120);
}

/* What a client gives back: the IA_NA addresses of a Release, a Decline. */
static void
test_release_decline(void **state)
{
	static const uint8_t types[] = { DHCP6_RELEASE, DHCP6_DECLINE };
	struct msg m, b = { .n = 0 };
	struct dhcp6_info d;
	size_t i;

	(void)state;
	iaaddr(&b, 9, 0, 0, -1);
	for (i = 0; i < sizeof(types); i++) {
		start(&m, types[i]);
		duid_llt(&m, CLIENTID);
		duid_llt(&m, SERVERID);
		ia(&m, IA_NA, &b);
		assert_int_equal(parse(&m, m.n, &d), 0);
		assert_int_equal(d.type, types[i]);
		assert_true(d.client_ll);
		assert_true(d.has_server);
		assert_int_equal(d.n_addrs, 1);
		assert_addr(&d.addrs[0], 9, 0, 0);
	}
}

/* Every prefix: a message once its header is there, an option once all
 * of it is; a truncated option ends the walk, keeping what came before. */
static void
test_truncation(void **state)
{
	struct msg m, b = { .n = 0 };
	struct dhcp6_info d;
	size_t k, ia_end;

	(void)state;
	start(&m, DHCP6_REPLY);
	duid_llt(&m, CLIENTID);
	iaaddr(&b, 9, 60, 120, 0);
	ia(&m, IA_NA, &b);
	ia_end = m.n;
	duid_llt(&m, SERVERID);
	for (k = 0; k <= m.n; k++) {
		assert_int_equal(parse(&m, k, &d), k >= DHCP6_HLEN ? 0 : -1);
		assert_int_equal(d.client_ll, k >= DHCP6_HLEN + 18);
		assert_int_equal(d.n_addrs, k >= ia_end);
		assert_int_equal(d.has_server, k == m.n);
	}
}

/* An option longer than what encloses it, at every level: it and the
 * rest of its walk are gone, the enclosing walks go on. */
static void
test_overlong(void **state)
{
	/* Offsets of the length fields: the IA_NA, the IAADDR, its status. */
	static const size_t at[] = { 2, 4 + 12 + 2, 4 + 12 + 4 + 24 + 2 };
	struct msg m, b = { .n = 0 }, o;
	struct dhcp6_info d;
	size_t i, l;

	(void)state;
	start(&m, DHCP6_REPLY);
	iaaddr(&b, 9, 60, 120, NO_ADDRS_AVAIL);
	ia(&m, IA_NA, &b);
	duid_llt(&m, SERVERID);
	for (i = 0; i < 3; i++) {
		for (l = 0; l <= 0xffff; l += l < 128 ? 1 : 251) {
			o = m;
			o.b[DHCP6_HLEN + at[i]] = (uint8_t)(l >> 8);
			o.b[DHCP6_HLEN + at[i] + 1] = (uint8_t)l;
			assert_int_equal(parse(&o, o.n, &d), 0);
			assert_true(d.n_addrs <= 1);
		}
	}
	/* An overlong status in the IAADDR: no status, the address counts. */
	o = m;
	o.b[DHCP6_HLEN + at[2] + 1] = 200;
	assert_int_equal(parse(&o, o.n, &d), 0);
	assert_int_equal(d.n_addrs, 1);
	assert_true(d.has_server);
	/* An overlong IAADDR: no address; the top level goes on. */
	o = m;
	o.b[DHCP6_HLEN + at[1] + 1] = 200;
	assert_int_equal(parse(&o, o.n, &d), 0);
	assert_int_equal(d.n_addrs, 0);
	assert_true(d.has_server);
	/* An overlong IA_NA: the top-level walk ends there. */
	o = m;
	o.b[DHCP6_HLEN + at[0] + 1] = 200;
	assert_int_equal(parse(&o, o.n, &d), 0);
	assert_false(d.has_server);
}

/* Relay messages, type 0 and unknown types are not for this parser. */
static void
test_not_dhcp6(void **state)
{
	static const uint8_t types[] = { 0, DHCP6_RELAY_FORW, DHCP6_RELAY_REPL,
	    14, 255 };
	struct msg m;
	struct dhcp6_info d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		start(&m, types[i]);
		duid_llt(&m, CLIENTID);
		assert_int_equal(parse(&m, m.n, &d), -1);
		assert_false(d.has_client);
	}
	start(&m, DHCP6_INFORMATION_REQUEST);
	assert_int_equal(parse(&m, m.n, &d), 0);
	assert_int_equal(dhcp6_parse(NULL, 100, &d), -1);
}

/* Ethernet, IPv6 fe80::1 -> fe80::5054:ff:fe00:44, UDP sport -> dport
 * with UDP length ulen (0: the right one), then the message. */
static size_t
frame6(uint8_t *f, const struct msg *m, uint16_t sport, uint16_t dport,
    size_t ulen)
{
	uint8_t *ip = f + 14, *u = ip + 40;
	size_t pl = 8 + m->n;

	memset(f, 0, ETH_IP6_UDP);
	memcpy(f, mac, 6);
	f[6] = 0x02, f[11] = 0x01;
	f[12] = 0x86, f[13] = 0xdd;
	ip[0] = 0x60;
	ip[4] = (uint8_t)(pl >> 8), ip[5] = (uint8_t)pl;
	ip[6] = 17, ip[7] = 1;
	ip[8] = 0xfe, ip[9] = 0x80, ip[23] = 1;
	ip[24] = 0xfe, ip[25] = 0x80, ip[32] = 0x50, ip[33] = 0x54;
	ip[35] = 0xff, ip[36] = 0xfe, ip[39] = 0x44;
	ulen = ulen ? ulen : pl;
	u[0] = (uint8_t)(sport >> 8), u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8), u[3] = (uint8_t)dport;
	u[4] = (uint8_t)(ulen >> 8), u[5] = (uint8_t)ulen;
	memcpy(u + 8, m->b, m->n);
	return ETH_IP6_UDP + m->n;
}

static int
parse_frame(const uint8_t *f, size_t len, struct dhcp6_info *d)
{
	struct pkt_info pi;

	assert_int_equal(pkt_parse_frame(f, len, &pi), 0);
	return dhcp6_parse_pkt(f, len, &pi, d);
}

static void
reply(struct msg *m)
{
	struct msg b = { .n = 0 };

	start(m, DHCP6_REPLY);
	duid_llt(m, CLIENTID);
	iaaddr(&b, 9, 60, 120, -1);
	ia(m, IA_NA, &b);
}

static void
test_pkt(void **state)
{
	uint8_t f[ETH_IP6_UDP + MSG_MAX + 8];
	struct msg m;
	struct dhcp6_info d;
	size_t n;

	(void)state;
	reply(&m);
	n = frame6(f, &m, 547, 546, 0);
	assert_int_equal(parse_frame(f, n, &d), 0);
	assert_int_equal(d.type, DHCP6_REPLY);
	assert_true(d.client_ll);
	assert_int_equal(d.n_addrs, 1);
	assert_addr(&d.addrs[0], 9, 60, 120);
	n = frame6(f, &m, 546, 547, 0);
	assert_int_equal(parse_frame(f, n, &d), 0);
	/* Trailing bytes past the UDP length (padding) are not options. */
	memset(f + n, 0, 8);
	f[n + 1] = SERVERID;
	assert_int_equal(parse_frame(f, n + 8, &d), 0);
	assert_false(d.has_server);
}

static void
test_pkt_ports(void **state)
{
	static const uint16_t ports[][2] = { { 547, 547 }, { 546, 546 },
	    { 547, 53 }, { 67, 68 }, { 546, 548 } };
	uint8_t f[ETH_IP6_UDP + MSG_MAX];
	struct msg m;
	struct dhcp6_info d;
	size_t i, n;

	(void)state;
	reply(&m);
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		n = frame6(f, &m, ports[i][0], ports[i][1], 0);
		assert_int_equal(parse_frame(f, n, &d), -1);
		assert_int_equal(d.type, 0);
	}
	n = frame6(f, &m, 547, 546, 0);
	f[14 + 6] = 6;				/* TCP */
	assert_int_equal(parse_frame(f, n, &d), -1);
}

/* The UDP length against the capture: longer parses what is there,
 * shorter than a UDP header is no datagram. */
static void
test_pkt_udp_length(void **state)
{
	uint8_t f[ETH_IP6_UDP + MSG_MAX];
	struct msg m;
	struct dhcp6_info d;
	size_t n;

	(void)state;
	reply(&m);
	n = frame6(f, &m, 547, 546, 8 + m.n + 300);
	assert_int_equal(parse_frame(f, n, &d), 0);
	assert_int_equal(d.n_addrs, 1);
	assert_int_equal(parse_frame(f, n - 1, &d), 0);
	assert_true(d.client_ll);
	assert_int_equal(d.n_addrs, 0);
	assert_int_equal(parse_frame(f, ETH_IP6_UDP - 1, &d), -1);
	n = frame6(f, &m, 547, 546, 4);
	assert_int_equal(parse_frame(f, n, &d), -1);
	n = frame6(f, &m, 547, 546, 8 + 3);	/* no whole DHCPv6 header */
	assert_int_equal(parse_frame(f, n, &d), -1);
}

/* The same UDP datagram over IPv4 is not DHCPv6. */
static void
test_pkt_ipv4(void **state)
{
	uint8_t f[14 + 20 + 8 + MSG_MAX], *ip = f + 14;
	struct msg m;
	struct dhcp6_info d;
	size_t ulen;

	(void)state;
	reply(&m);
	ulen = 8 + m.n;
	memset(f, 0, 14 + 28);
	f[12] = 0x08;
	ip[0] = 0x45, ip[9] = 17;
	ip[20] = 547 >> 8, ip[21] = 547 & 0xff;
	ip[22] = 546 >> 8, ip[23] = 546 & 0xff;
	ip[24] = (uint8_t)(ulen >> 8), ip[25] = (uint8_t)ulen;
	memcpy(ip + 28, m.b, m.n);
	assert_int_equal(parse_frame(f, 14 + 28 + m.n, &d), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_duid),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_more_addrs),
		cmocka_unit_test(test_release_decline),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_not_dhcp6),
		cmocka_unit_test(test_pkt),
		cmocka_unit_test(test_pkt_ports),
		cmocka_unit_test(test_pkt_udp_length),
		cmocka_unit_test(test_pkt_ipv4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
