/* links: src/sensor/arp.c src/lib/rcvbuf.c src/sensor/seccomp.c src/sensor/packet.c */
/*
 * The sensor's confinement, on the real packet socket (root only: a test
 * that cannot open one is skipped): its filter is locked, and under the
 * sensor's seccomp filter sending on it, touching its filter, writing,
 * opening a socket, exec or executable memory is fatal, while sending a
 * record on the pipe to the daemon, and memory for data, work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

struct box {
	int	 arp;		/* the sensor's packet socket */
	int	 pipe[2];	/* [1] the sensor's end, [0] the daemon's */
};

static int
setup(void **state)
{
	static struct box b;
	char where[64];

	if ((b.arp = arp_mon_open(where, sizeof(where))) == -1)
		return 0;	/* no CAP_NET_RAW: tests skip */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b.pipe) == -1)
		return -1;
	*state = &b;
	return 0;
}

static int
teardown(void **state)
{
	struct box *b = *state;

	if (b) {
		close(b->arp);
		close(b->pipe[0]);
		close(b->pipe[1]);
	}
	return 0;
}

/* What the sensor may do, run in a child: its exit status, or the
 * signal that ended it (as 128 + signal). */
static int
in_child(struct box *b, int confined, int (*fn)(struct box *))
{
	int st;
	pid_t pid;

	if ((pid = fork()) == 0) {
		if (confined && sensor_seccomp(b->pipe[1]) == -1)
			_exit(99);
		_exit(fn(b));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static int
detach(struct box *b)
{
	int zero = 0;

	if (setsockopt(b->arp, SOL_SOCKET, SO_DETACH_FILTER, &zero,
	    sizeof(zero)) == 0)
		return 1;
	return errno == EPERM ? 0 : 2;
}

static int
replace(struct box *b)
{
	struct sock_filter all[] = { { 0x06, 0, 0, 0xffff } };
	struct sock_fprog prog = { 1, all };

	if (setsockopt(b->arp, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == 0)
		return 1;
	return errno == EPERM ? 0 : 2;
}

static int
send_frame(struct box *b)
{
	static const uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	send(b->arp, frame, sizeof(frame), 0);
	return 0;
}

static int
write_pipe(struct box *b)
{
	return write(b->pipe[1], "x", 1) == 1 ? 0 : 3;
}

static int
send_record(struct box *b)
{
	struct sensor_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = SR_READY;
	return send(b->pipe[1], &r, sizeof(r), MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(r) ? 0 : 3;
}

static int
new_socket(struct box *b)
{
	(void)b;
	return socket(AF_INET, SOCK_DGRAM, 0) == -1 ? 3 : 0;
}

static int
map_exec(struct box *b)
{
	(void)b;
	return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? 3 : 0;
}

static int
map_data(struct box *b)
{
	(void)b;
	return mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? 3 : 0;
}

static int
exec_shell(struct box *b)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"exit 0", NULL };

	(void)b;
	execv("/bin/sh", argv);
	return 3;
}

/* SO_LOCK_FILTER: not even the unconfined owner may detach or replace it. */
static void
test_filter_locked(void **state)
{
	struct box *b = *state;

	if (b == NULL)
		skip();
	assert_int_equal(in_child(b, 0, detach), 0);
	assert_int_equal(in_child(b, 0, replace), 0);
}

static void
test_seccomp(void **state)
{
	struct box *b = *state;
	struct sensor_rec r;

	if (b == NULL)
		skip();
	assert_int_equal(in_child(b, 1, send_record), 0);
	assert_int_equal(recv(b->pipe[0], &r, sizeof(r), MSG_DONTWAIT),
	    (ssize_t)sizeof(r));
	assert_int_equal(in_child(b, 1, detach), 128 + SIGSYS);
	assert_int_equal(in_child(b, 1, replace), 128 + SIGSYS);
	assert_int_equal(in_child(b, 1, send_frame), 128 + SIGSYS);
	assert_int_equal(in_child(b, 1, write_pipe), 128 + SIGSYS);
	assert_int_equal(in_child(b, 1, new_socket), 128 + SIGSYS);
	assert_int_equal(in_child(b, 1, exec_shell), 128 + SIGSYS);
	assert_int_equal(in_child(b, 1, map_exec), 128 + SIGSYS);
	assert_int_equal(in_child(b, 1, map_data), 0);
	/* Unconfined, the same calls work: the test can fail. */
	assert_int_equal(in_child(b, 0, write_pipe), 0);
	assert_int_equal(in_child(b, 0, new_socket), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_locked),
		cmocka_unit_test(test_seccomp),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
