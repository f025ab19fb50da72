/* links: src/daemon/bindings.c src/config/model.c src/config/validate.c */
/*
 * The binding table: add, renew, cap (per family), remove (only from the
 * port that has it), expiry, and its file (written whole, read back, bad
 * lines and expired bindings left out, files without a source column
 * read as DHCP's).
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
#include <unistd.h>

#include "bindings.h"

static struct binding
mk(const char *port, const char *addr, int64_t expires)
{
	struct binding b;
	struct in_addr a4;

	memset(&b, 0, sizeof(b));
	snprintf(b.bridge, sizeof(b.bridge), "br0");
	snprintf(b.port, sizeof(b.port), "%s", port);
	mac_parse("52:54:00:00:00:44", b.mac);
	if (strchr(addr, ':') == NULL) {
		inet_pton(AF_INET, addr, &a4);
		bind_addr4(&b.addr, &a4);
	} else {
		inet_pton(AF_INET6, addr, &b.addr);
		b.source = BS_DAD;
	}
	b.expires = expires;
	return b;
}

static void
test_add_renew_cap_remove(void **state)
{
	struct bindings t;
	struct binding b;
	struct in_addr a[8];
	struct in6_addr a0;
	size_t i;

	(void)state;
	bindings_init(&t);
	b = mk("vnic-c", "10.0.0.9", 100);
	assert_int_equal(bindings_add(&t, &b, 4), BIND_NEW);
	b.expires = 200;
	assert_int_equal(bindings_add(&t, &b, 4), BIND_RENEW);
	assert_int_equal(bindings_find(&t, &b.addr)->expires, 200);
	for (i = 0; i < 3; i++) {
		char s[16];

		snprintf(s, sizeof(s), "10.0.0.%zu", 20 + i);
		b = mk("vnic-c", s, 100);
		assert_int_equal(bindings_add(&t, &b, 4), BIND_NEW);
	}
	b = mk("vnic-c", "10.0.0.30", 100);
	assert_int_equal(bindings_add(&t, &b, 4), BIND_FULL);
	assert_int_equal(bindings_of_port(&t, "vnic-c", AF_INET, a, 8), 4);
	/* The cap is per family: IPv6 addresses have their own. */
	b = mk("vnic-c", "2001:db8::9", 100);
	assert_int_equal(bindings_add(&t, &b, 4), BIND_NEW);
	assert_int_equal(bindings_of_port(&t, "vnic-c", AF_INET6, NULL, 0),
	    1);
	assert_int_equal(bind_af(&b.addr), AF_INET6);
	/* Another port is not capped by vnic-c's. */
	b = mk("vnic-d", "10.0.0.30", 100);
	assert_int_equal(bindings_add(&t, &b, 4), BIND_NEW);
	/* Only the port that has it can lose it. */
	bind_addr4(&a0, &a[0]);
	assert_int_equal(bind_af(&a0), AF_INET);
	assert_int_equal(bindings_remove(&t, "vnic-d", &a0), 0);
	assert_int_equal(bindings_remove(&t, "vnic-c", &a0), 1);
	assert_int_equal(bindings_of_port(&t, "vnic-c", AF_INET, NULL, 0), 3);
	bindings_clear(&t);
}

static void
count(const struct binding *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
}

static void
test_expire(void **state)
{
	struct bindings t;
	struct binding b;
	int gone = 0;

	(void)state;
	bindings_init(&t);
	b = mk("vnic-c", "10.0.0.9", 100);
	bindings_add(&t, &b, 4);
	b = mk("vnic-c", "10.0.0.10", BIND_FOREVER);
	bindings_add(&t, &b, 4);
	assert_int_equal(bindings_expire(&t, 99, count, &gone), 0);
	assert_int_equal(bindings_expire(&t, 100, count, &gone), 1);
	assert_int_equal(gone, 1);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].expires, BIND_FOREVER);
	bindings_clear(&t);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/bg-bindings-XXXXXX", tmp[64];
	struct bindings t, u;
	struct binding b;
	size_t bad;
	FILE *f;
	int fd;

	(void)state;
	assert_int_not_equal(fd = mkstemp(path), -1);
	close(fd);
	bindings_init(&t);
	b = mk("vnic-c", "10.0.0.9", 1000);
	bindings_add(&t, &b, 4);
	b = mk("vnic-d", "10.0.0.10", 50);
	bindings_add(&t, &b, 4);
	b = mk("vnic-c", "fe80::1:2", 1000);
	bindings_add(&t, &b, 16);
	assert_int_equal(bindings_save(&t, path), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_non_null(f = fopen(path, "a"));
	fputs("br0 vnic-e 52:54:00:00:00:45 224.0.0.1 9999\n", f);
	fputs("br0 vnic-e nonsense\n", f);
	fputs("br0 vnic-f 52:54:00:00:00:46 10.0.0.9 9999\n", f);
	/* A file of before IPv6 learning: no source, a DHCP lease. */
	fputs("br0 vnic-g 52:54:00:00:00:47 10.0.0.11 9999\n", f);
	/* An IPv6 address as DHCP's, IPv4 as DAD's, a source unknown, an
	 * IPv4-mapped address: none is a binding. */
	fputs("br0 vnic-g 52:54:00:00:00:47 2001:db8::7 9999 dhcp\n", f);
	fputs("br0 vnic-g 52:54:00:00:00:47 10.0.0.12 9999 dad\n", f);
	fputs("br0 vnic-g 52:54:00:00:00:47 2001:db8::8 9999 arp\n", f);
	fputs("br0 vnic-g 52:54:00:00:00:47 ::ffff:10.0.0.13 9999 dad\n", f);
	fclose(f);
	bindings_init(&u);
	assert_int_equal(bindings_load(&u, path, 100, &bad), 0);
	/* multicast, garbage, 10.0.0.9 twice, and the four above */
	assert_int_equal(bad, 7);
	assert_int_equal(u.n, 3);	/* 10.0.0.10 expired at 50 */
	assert_string_equal(u.v[0].port, "vnic-c");
	assert_int_equal(u.v[0].expires, 1000);
	assert_int_equal(u.v[0].mac[5], 0x44);
	assert_int_equal(u.v[0].source, BS_DHCP);
	assert_int_equal(u.v[1].source, BS_DAD);
	assert_int_equal(bind_af(&u.v[1].addr), AF_INET6);
	assert_string_equal(u.v[2].port, "vnic-g");
	assert_int_equal(u.v[2].source, BS_DHCP);
	unlink(path);
	bindings_clear(&u);
	assert_int_equal(bindings_load(&u, path, 100, &bad), 0);
	assert_int_equal(u.n, 0);
	bindings_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_renew_cap_remove),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
