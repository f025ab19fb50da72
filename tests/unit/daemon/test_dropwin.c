/* links: src/daemon/dropwin.c src/lib/hmap.c */
/*
 * spoof_drop aggregation: one window per (port, reason), counts taken
 * from the kernel's counters so they stay exact when NFLOG loses
 * messages, and nothing reported twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropwin.h"

static void
test_one_window(void **state)
{
	struct dropwin *a = dropwin_new(500, 16);
	struct drop_win *w, *due[4];
	bool opened;
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		w = dropwin_drop(a, "vnic-eve", 2, 1000 + (uint64_t)i, &opened);
		assert_non_null(w);
		assert_int_equal(opened, i == 0);
	}
	assert_int_equal(dropwin_next_due(a), 1500);
	assert_int_equal(dropwin_due(a, 1499, false, due, 4), 0);
	assert_int_equal(dropwin_due(a, 1500, false, due, 4), 1);
	/* NFLOG saw 10; the kernel counted 25 (a flood NFLOG lost). */
	assert_int_equal(dropwin_close(a, due[0], 25, true), 25);
	assert_int_equal(dropwin_next_due(a), 0);
	/* Late NFLOG messages of frames already counted: nothing to say. */
	w = dropwin_drop(a, "vnic-eve", 2, 1600, &opened);
	assert_true(opened);
	assert_int_equal(dropwin_close(a, w, 25, true), 0);
	dropwin_free(a);
}

static void
test_keys_and_fallback(void **state)
{
	struct dropwin *a = dropwin_new(100, 16);
	struct drop_win *due[4];
	bool opened;

	(void)state;
	dropwin_drop(a, "p1", 0, 0, &opened);
	dropwin_drop(a, "p1", 1, 0, &opened);
	dropwin_drop(a, "p2", 0, 50, &opened);
	dropwin_drop(a, "p2", 0, 60, &opened);
	assert_int_equal(dropwin_due(a, 100, false, due, 4), 2);
	assert_int_equal(dropwin_due(a, 0, true, due, 4), 3);
	/* No counter readable: the NFLOG count is the best there is. */
	assert_int_equal(dropwin_close(a, due[0], 0, false) +
	    dropwin_close(a, due[1], 0, false) + dropwin_close(a, due[2], 0, false), 4);
	dropwin_free(a);
}

static void
test_counter_reset(void **state)
{
	struct dropwin *a = dropwin_new(100, 16);
	struct drop_win *w;
	bool opened;

	(void)state;
	w = dropwin_drop(a, "p", 3, 0, &opened);
	assert_int_equal(dropwin_close(a, w, 40, true), 40);
	assert_int_equal(dropwin_baseline(a, "p", 3), 40);
	/* A full apply replaced the sets: counters restart at zero. */
	w = dropwin_drop(a, "p", 3, 200, &opened);
	assert_int_equal(dropwin_close(a, w, 5, true), 5);
	dropwin_reset(a);
	assert_int_equal(dropwin_baseline(a, "p", 3), 0);
	dropwin_free(a);
}

static void
test_full_table(void **state)
{
	struct dropwin *a = dropwin_new(100, 2);
	bool opened;

	(void)state;
	assert_non_null(dropwin_drop(a, "a", 0, 0, &opened));
	assert_non_null(dropwin_drop(a, "b", 0, 0, &opened));
	assert_null(dropwin_drop(a, "c", 0, 0, &opened));
	assert_non_null(dropwin_drop(a, "a", 0, 1, &opened));
	dropwin_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_window),
		cmocka_unit_test(test_keys_and_fallback),
		cmocka_unit_test(test_counter_reset),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
