/*
 * The sensor process itself, a fresh exec of the binary (sensor_start()):
 * it opens its sockets while privileged, gives up everything (see
 * sensor.h), then turns what it reads into records for the daemon, and
 * nothing else.
 */
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
#include <unistd.h>

#include "child.h"

/* Its own user if the system has one (the package makes it), else
 * nobody. */
static const char *const sensor_users[] = { "_bridgeguard", "nobody" };

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
	struct passwd *pw = NULL;
	size_t i;

	for (i = 0; pw == NULL && i < sizeof(sensor_users) /
	    sizeof(sensor_users[0]); i++)
		pw = getpwnam(sensor_users[i]);
	if (pw == NULL || pw->pw_uid == 0) {
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

/* argv: SENSOR_ARGV0 GROUP DAEMON-PID, as sensor_start() gives them. */
static int
parse_args(int argc, char **argv, unsigned int *group, pid_t *parent)
{
	char *end;
	long v;

	if (argc != 3)
		return -1;
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -1;
	*group = (unsigned int)v;
	v = strtol(argv[2], &end, 10);
	if (errno || *end || v <= 1)
		return -1;
	*parent = (pid_t)v;
	return 0;
}

/* fds 0-2 were closed before exec: they become /dev/null, so that no
 * socket opened here can be taken for stderr. */
static int
null_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1 && fd < 3)
		;
	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

void
sensor_main(int argc, char **argv)
{
	struct child c = { .fd = SENSOR_FD, .arp = -1 };
	struct sensor_rec r;
	unsigned int group;
	pid_t parent;
	char where[64];

	if (parse_args(argc, argv, &group, &parent) == -1 ||
	    getppid() != parent)
		_exit(2);
	prctl(PR_SET_NAME, "bg-sensor");
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if (null_stdio() == -1)
		child_fail(&c, "opening /dev/null");
	if ((c.nflog = nflog_mon_open(group, where, sizeof(where))) == NULL ||
	    (c.arp = arp_mon_open(where, sizeof(where))) == -1)
		child_fail(&c, where);
	if (drop_privileges(parent) == -1)
		child_fail(&c, "dropping privileges");
	if (sensor_seccomp(c.fd) == -1)
		child_fail(&c, "filtering system calls (seccomp)");
	memset(&r, 0, sizeof(r));
	r.kind = SR_READY;
	send_rec(&r, &c);
	child_loop(&c);
}
