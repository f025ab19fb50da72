/*
 * The sensor process itself: it opens its sockets while privileged, gives
 * up everything (see sensor.h), then turns what it reads into records for
 * the daemon, and nothing else.
 */
#include <errno.h>
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
#include <unistd.h>

#include "child.h"

#define SENSOR_USER	"nobody"
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
		{ .fd = nflog_mon_fd(c->nflog), .events = POLLIN },
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
		    nflog_mon_read(c->nflog, send_rec, c) == -1)
			_exit(1);
		if ((pfd[1].revents & POLLIN) &&
		    arp_mon_read(c->arp, send_rec, c) == -1)
			_exit(1);
	}
}

void
sensor_child(int fd, unsigned int group, pid_t parent)
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
	if ((c.nflog = nflog_mon_open(group, where, sizeof(where))) == NULL ||
	    (c.arp = arp_mon_open(where, sizeof(where))) == -1)
		child_fail(&c, where);
	if (drop_privileges(parent) == -1)
		child_fail(&c, "dropping privileges");
	memset(&r, 0, sizeof(r));
	r.kind = SR_READY;
	send_rec(&r, &c);
	child_loop(&c);
}
