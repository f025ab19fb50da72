/* links: src/daemon/control.c src/lib/connsrv.c src/lib/loop.c src/lib/clock.c src/config/model.c */
/*
 * Control messages: each type's exact length, and the checks a guest
 * request passes before the daemon reads any field of it (what the fields
 * say is the validator's: tests/unit/config/test_validate.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/un.h>

#include "control.h"

static void
good(struct ctl_guest *g)
{
	memset(g, 0, sizeof(*g));
	strcpy(g->bridge, "br0");
	strcpy(g->port, "vnic-x");
	g->mac[0] = 0x52;
	g->flags = CTL_F_MAC;
}

static void
test_lengths(void **state)
{
	(void)state;
	assert_int_equal(ctl_request_len(CTL_GUEST_ADD),
	    sizeof(struct ctl_guest));
	assert_int_equal(ctl_request_len(CTL_RELOAD), 0);
	assert_int_equal(ctl_request_len(CTL_OK), -1);
	assert_int_equal(ctl_request_len(0), -1);
	assert_int_equal(ctl_request_len(0xffffffff), -1);
}

static void
test_guest_checks(void **state)
{
	struct ctl_guest g;
	char err[128];

	(void)state;
	good(&g);
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_ADD, err,
	    sizeof(err)), 0);
	memset(g.port, 'a', sizeof(g.port));	/* no NUL */
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_ADD, err,
	    sizeof(err)), -1);
	good(&g);
	memcpy(g.port, "a\0b", 4);		/* a NUL inside: not "a" */
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_ADD, err,
	    sizeof(err)), -1);
	good(&g);
	memset(g.bridge, 0, sizeof(g.bridge));
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_ADD, err,
	    sizeof(err)), -1);
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_DEL, err,
	    sizeof(err)), 0);
	good(&g);
	g.n_ip4 = CTL_MAX_ADDRS + 1;
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_ADD, err,
	    sizeof(err)), -1);
	good(&g);
	g.flags = 0;				/* add without a MAC */
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_ADD, err,
	    sizeof(err)), -1);
	good(&g);
	g.flags |= 0x80;
	assert_int_equal(ctl_guest_check(&g, CTL_GUEST_ADD, err,
	    sizeof(err)), -1);
}

static void
test_sockaddr(void **state)
{
	struct sockaddr_un sun;
	socklen_t len;
	char longp[200];

	(void)state;
	assert_int_equal(ctl_sockaddr("@bridgeguard", &sun, &len), 0);
	assert_int_equal(sun.sun_path[0], '\0');
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 12);
	assert_int_equal(ctl_sockaddr("/run/bg.sock", &sun, &len), 0);
	assert_string_equal(sun.sun_path, "/run/bg.sock");
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(ctl_sockaddr(longp, &sun, &len), -1);
	assert_int_equal(ctl_sockaddr("", &sun, &len), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_guest_checks),
		cmocka_unit_test(test_sockaddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
