/* The sensor, seen from the daemon: start, stop, records; see sensor.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "reason.h"
#include "sensor.h"

#define START_WAIT_MS	5000

extern char **environ;

/* The first record says whether the sensor came up. */
static int
await_ready(struct sensor *s, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	struct sensor_rec r;

	if (poll(&pfd, 1, START_WAIT_MS) != 1 ||
	    recv(s->fd, &r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		snprintf(err, errlen, "starting the sensor: no answer");
		return -1;
	}
	if (r.kind == SR_READY)
		return 0;
	r.where[sizeof(r.where) - 1] = '\0';
	snprintf(err, errlen, "starting the sensor: %s: %s", r.kind ==
	    SR_FAIL ? r.where : "unexpected record", strerror(r.err));
	return -1;
}

/*
 * Between fork and exec the child of a process with threads may only make
 * async-signal-safe calls: everything it needs is made before the fork.
 */
static void __attribute__((noreturn))
exec_sensor(int fd, char *const argv[], const struct sensor_rec *fail)
{
	struct sensor_rec r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd == SENSOR_FD ? fcntl(fd, F_SETFD, 0) == -1 :
	    dup2(fd, SENSOR_FD) == -1)
		_exit(127);
	close_range(0, 2, 0);
	close_range(SENSOR_FD + 1, ~0U, 0);
	execve("/proc/self/exe", argv, environ);
	r = *fail;
	r.err = errno;
	send(SENSOR_FD, &r, sizeof(r), MSG_NOSIGNAL);
	_exit(127);
}

int
sensor_start(struct sensor *s, unsigned int group, char *err, size_t errlen)
{
	char gbuf[16], pbuf[16];
	char *argv[] = { (char *)SENSOR_ARGV0, gbuf, pbuf, NULL };
	struct sensor_rec fail;
	int sv[2];

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	snprintf(gbuf, sizeof(gbuf), "%u", group);
	snprintf(pbuf, sizeof(pbuf), "%ld", (long)getpid());
	memset(&fail, 0, sizeof(fail));
	fail.kind = SR_FAIL;
	snprintf(fail.where, sizeof(fail.where), "executing /proc/self/exe");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "starting the sensor: %s",
		    strerror(errno));
		return -1;
	}
	if ((s->pid = fork()) == -1) {
		snprintf(err, errlen, "starting the sensor: fork: %s",
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (s->pid == 0)
		exec_sensor(sv[1], argv, &fail);
	close(sv[1]);
	s->fd = sv[0];
	if (await_ready(s, err, errlen) == -1) {
		sensor_stop(s);
		return -1;
	}
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

void
sensor_stop(struct sensor *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &s->status, 0);
	}
	s->pid = 0;
}

int
sensor_rec_check(const struct sensor_rec *r, size_t len)
{
	const struct pkt_info *p = &r->pkt;

	if (len != sizeof(*r))
		return -1;
	switch (r->kind) {
	case SR_DROP:
		if (r->reason >= R_N || r->ifindex <= 0)
			return -1;
		break;
	case SR_ARP:
		if (r->ifindex <= 0 || !p->is_arp)
			return -1;
		break;
	case SR_OVERRUN:
		break;
	case SR_DHCP:
		if (r->ifindex <= 0 || r->peer < 0 || r->outgoing > 1 ||
		    p->af != AF_INET || (r->dhcp.op != 1 && r->dhcp.op != 2) ||
		    r->dhcp.eth > 1 || r->dhcp.has_lease > 1 ||
		    r->dhcp.has_server > 1 || r->dhcp.has_requested > 1)
			return -1;
		break;
	case SR_DHCP6:
		if (r->ifindex <= 0 || r->peer < 0 || r->outgoing > 1 ||
		    p->af != AF_INET6 || r->dhcp6.n_addrs > DHCP6_MAX_ADDRS ||
		    r->dhcp6.client_ll > 1 || r->dhcp6.has_client > 1 ||
		    r->dhcp6.has_server > 1 || r->dhcp6.more_addrs > 1)
			return -1;
		break;
	case SR_ND:
		if (r->ifindex <= 0 || r->peer < 0 || r->outgoing > 1 ||
		    p->af != AF_INET6 || !p->has_nd_target)
			return -1;
		break;
	default:
		return -1;
	}
	if (p->n_vlans > PKT_MAX_VLANS || (p->af != 0 && p->af != AF_INET &&
	    p->af != AF_INET6))
		return -1;
	return 0;
}

int
sensor_read(struct sensor *s, struct sensor_rec *r)
{
	ssize_t n;

	for (;;) {
		n = recv(s->fd, r, sizeof(*r), MSG_TRUNC);
		if (n == -1)
			return errno == EAGAIN ? 0 : errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;		/* the sensor exited */
		if (sensor_rec_check(r, (size_t)n) == 0)
			return 1;
		s->bad_records++;
	}
}
