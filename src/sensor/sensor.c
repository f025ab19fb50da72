/* The sensor process: start, privilege drop, loop; see sensor.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reason.h"
#include "sensor.h"

#define SENSOR_USER	"nobody"
#define START_WAIT_MS	5000
#define SENSOR_FD	3

struct child {
	int			 fd;		/* to the daemon */
	struct nflog_mon	*nflog;
	int			 arp;
};

static void
send_rec(const struct sensor_rec *r, void *arg)
{
	struct child *c = arg;

	/* Blocking: a slow daemon makes NFLOG overrun, which it hears of. */
	while (send(c->fd, r, sizeof(*r), MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			_exit(0);
}

static void __attribute__((noreturn))
child_fail(struct child *c, const char *where)
{
	struct sensor_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = SR_FAIL;
	r.err = errno;
	snprintf(r.where, sizeof(r.where), "%s", where);
	send_rec(&r, c);
	_exit(1);
}

/* An empty root nobody can write into: a directory already unlinked. */
static int
empty_root(void)
{
	char dir[] = "/tmp/bridgeguard-sensor.XXXXXX";

	if (mkdtemp(dir) == NULL || chdir(dir) == -1) 
		return -1;
	if (rmdir(dir) == -1 || chroot(".") == -1 || chdir("/") == -1)
		return -1;
	return 0;
}

static int
drop_privileges(pid_t parent)
{
	static const struct rlimit zero = { 0, 0 };
	struct passwd *pw;

	if ((pw = getpwnam(SENSOR_USER)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (empty_root() == -1 || setgroups(0, NULL) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	/* Credentials changed: the parent-death signal must be set again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		return -1;
	setrlimit(RLIMIT_NPROC, &zero);
	setrlimit(RLIMIT_FSIZE, &zero);
	setrlimit(RLIMIT_CORE, &zero);
	return 0;
}

static void __attribute__((noreturn))
child_loop(struct child *c)
{
	struct pollfd pfd[3] = {
		{ .fd = mon_nflog_fd(c->nflog), .events = POLLIN },
		{ .fd = c->arp, .events = POLLIN },
		{ .fd = c->fd, .events = 0 },
	};

	for (;;) {
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[2].revents & (POLLHUP | POLLERR))
			_exit(0);
		if ((pfd[0].revents & POLLIN) &&
		    mon_nflog_read(c->nflog, send_rec, c) == -1)
			_exit(1);
		if ((pfd[1].revents & POLLIN) &&
		    mon_arp_read(c->arp, send_rec, c) == -1)
			_exit(1);
	}
}

static void __attribute__((noreturn))
child_main(int fd, unsigned int group, pid_t parent)
{
	struct child c = { .fd = SENSOR_FD, .arp = -1 };
	struct sensor_rec r;
	char where[64];

	/* Nothing of the daemon's stays open here but the socketpair. */
	if (dup2(fd, SENSOR_FD) == -1)
		_exit(1);
	close_range(SENSOR_FD + 1, ~0U, 0);
	prctl(PR_SET_NAME, "bg-sensor");
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if ((c.nflog = mon_nflog_open(group, where, sizeof(where))) == NULL ||
	    (c.arp = mon_arp_open(where, sizeof(where))) == -1)
		child_fail(&c, where);
	if (drop_privileges(parent) == -1)
		child_fail(&c, "dropping privileges");
	memset(&r, 0, sizeof(r));
	r.kind = SR_READY;
	send_rec(&r, &c);
	child_loop(&c);
}

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

int
sensor_start(struct sensor *s, unsigned int group, char *err, size_t errlen)
{
	pid_t parent = getpid();
	int sv[2];

	memset(s, 0, sizeof(*s));
	s->fd = -1;
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
		child_main(sv[1], group, parent);
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
		waitpid(s->pid, NULL, 0);
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
