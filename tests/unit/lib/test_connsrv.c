/* links: src/lib/connsrv.c src/lib/loop.c src/lib/clock.c */
/*
 * The one-request server behind the control socket and /metrics: a reply
 * per request, a refusal when the slots are full, and no wait on a client
 * that sends too much or too slowly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "connsrv.h"
#include "loop.h"

struct server {
	struct loop	*loop;
	struct connsrv	*srv;
	struct sockaddr_un sun;
	socklen_t	 len;
	int		 refused;
};

/* "ping\n" gets "pong\n"; anything else waits for more. */
static enum conn_state
input(void *arg, struct conn *c, const uint8_t *buf, size_t len)
{
	(void)arg;
	if (len < 5 || memcmp(buf, "ping\n", 5) != 0)
		return CONN_MORE;
	conn_reply(c, "pong\n", 5);
	return CONN_DONE;
}

static int
accept_hook(void *arg, int fd, bool busy)
{
	struct server *s = arg;

	if (!busy)
		return 0;
	s->refused++;
	send(fd, "busy\n", 5, MSG_NOSIGNAL | MSG_DONTWAIT);
	return -1;
}

static void
start(struct server *s, int timeout_ms)
{
	static const struct connsrv_ops ops = { accept_hook, input };
	const struct connsrv_conf conf = { 2, 16, timeout_ms };
	int fd;

	memset(s, 0, sizeof(*s));
	s->sun.sun_family = AF_UNIX;
	/* Abstract, and unique to this process. */
	snprintf(s->sun.sun_path + 1, sizeof(s->sun.sun_path) - 1,
	    "bg-test-connsrv-%d", (int)getpid());
	s->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(s->sun.sun_path + 1));
	assert_non_null(s->loop = loop_new());
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&s->sun, s->len), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_non_null(s->srv = connsrv_new(fd, s->loop, &conf, &ops, s));
}

static void
stop(struct server *s)
{
	connsrv_free(s->srv);
	loop_free(s->loop);
}

static int
client(struct server *s)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&s->sun, s->len), 0);
	return fd;
}

/* Runs the loop for ms, then reads what fd has (0 if it was closed). */
static ssize_t
settle(struct server *s, int fd, char *buf, size_t len, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	while (now_ms() < end)
		loop_once(s->loop, 10, NULL);
	return recv(fd, buf, len, MSG_DONTWAIT);
}

static void
test_request_reply(void **state)
{
	struct server s;
	char buf[16];
	int fd;

	(void)state;
	start(&s, 1000);
	fd = client(&s);
	assert_int_equal(send(fd, "pi", 2, 0), 2);	/* in two parts */
	assert_int_equal(settle(&s, fd, buf, sizeof(buf), 30), -1);
	assert_int_equal(send(fd, "ng\n", 3, 0), 3);
	assert_int_equal(settle(&s, fd, buf, sizeof(buf), 30), 5);
	assert_memory_equal(buf, "pong\n", 5);
	/* and then it hangs up */
	assert_int_equal(settle(&s, fd, buf, sizeof(buf), 30), 0);
	close(fd);
	stop(&s);
}

static void
test_busy_long_slow(void **state)
{
	struct server s;
	char buf[32];
	int a, b, c, d;

	(void)state;
	start(&s, 100);
	a = client(&s);
	b = client(&s);
	settle(&s, a, buf, sizeof(buf), 20);
	c = client(&s);				/* two slots: refused */
	assert_int_equal(settle(&s, c, buf, sizeof(buf), 20), 5);
	assert_memory_equal(buf, "busy\n", 5);
	assert_int_equal(s.refused, 1);
	/* Sixteen bytes that are no request: dropped, unanswered. */
	assert_int_equal(send(a, "xxxxxxxxxxxxxxxx", 16, 0), 16);
	assert_int_equal(settle(&s, a, buf, sizeof(buf), 20), 0);
	/* A client that says nothing is dropped at its deadline. */
	assert_int_equal(settle(&s, b, buf, sizeof(buf), 150), 0);
	assert_int_equal(connsrv_dropped(s.srv), 2);
	/* and the slots are free again */
	d = client(&s);
	assert_int_equal(send(d, "ping\n", 5, 0), 5);
	assert_int_equal(settle(&s, d, buf, sizeof(buf), 30), 5);
	close(a);
	close(b);
	close(c);
	close(d);
	stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reply),
		cmocka_unit_test(test_busy_long_slow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
