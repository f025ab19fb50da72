/* links: src/daemon/arpwatch.c src/lib/hmap.c src/config/model.c */
/* The station table: new, changed, flip-flop; config bindings known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arpwatch.h"

static const uint8_t ip[4] = { 192, 168, 122, 22 };
static const uint8_t m1[6] = { 0x52, 0x54, 0, 0, 0, 0x22 };
static const uint8_t m2[6] = { 0x52, 0x54, 0, 0, 0, 0xfe };

static void
test_sequence(void **state)
{
	struct arpwatch *a = arpwatch_new(16);
	uint8_t old[6];

	(void)state;
	assert_int_equal(arpwatch_see(a, "br0", ip, m1, old), ARP_NEW);
	assert_int_equal(arpwatch_see(a, "br0", ip, m1, old), ARP_SAME);
	assert_int_equal(arpwatch_see(a, "br1", ip, m2, old), ARP_NEW);
	assert_int_equal(arpwatch_see(a, "br0", ip, m2, old), ARP_CHANGED);
	assert_memory_equal(old, m1, 6);
	assert_int_equal(arpwatch_see(a, "br0", ip, m1, old), ARP_FLIPFLOP);
	assert_memory_equal(old, m2, 6);
	assert_int_equal(arpwatch_size(a), 2);
	arpwatch_free(a);
}

static void
test_seeded(void **state)
{
	struct arpwatch *a = arpwatch_new(16);
	uint8_t old[6];

	(void)state;
	arpwatch_seed(a, "br0", ip, m1);
	assert_int_equal(arpwatch_see(a, "br0", ip, m1, old), ARP_SAME);
	/* The config changed the guest's MAC: silently, no event. */
	arpwatch_seed(a, "br0", ip, m2);
	assert_int_equal(arpwatch_see(a, "br0", ip, m2, old), ARP_SAME);
	assert_int_equal(arpwatch_see(a, "br0", ip, m1, old), ARP_FLIPFLOP);
	arpwatch_free(a);
}

static void
test_full(void **state)
{
	struct arpwatch *a = arpwatch_new(1);
	uint8_t ip2[4] = { 10, 0, 0, 2 }, old[6];

	(void)state;
	assert_int_equal(arpwatch_see(a, "br0", ip, m1, old), ARP_NEW);
	assert_int_equal(arpwatch_see(a, "br0", ip2, m1, old), ARP_FULL);
	arpwatch_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_seeded),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
