/*
 * The sensor's system call filter (libseccomp): once its sockets are open
 * and its privileges gone, it may read its sockets, wait on them, send
 * records on its pipe to the daemon (and on nothing else), manage memory
 * it cannot make executable, and exit. Anything else kills it: a parser
 * subverted by a crafted frame cannot detach the packet socket's filter,
 * write a frame into a guest's port, open or connect a socket, or exec.
 */
#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>

#include "child.h"

static const int allowed[] = {
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(poll),
	SCMP_SYS(ppoll), SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(sched_yield),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall), SCMP_SYS(exit),
	SCMP_SYS(sigaltstack),	/* the sanitizers, at exit */
	SCMP_SYS(exit_group),
};

int
sensor_seccomp(int out_fd)
{
	const struct scmp_arg_cmp to_daemon = { .arg = 0, .op = SCMP_CMP_EQ,
	    .datum_a = (scmp_datum_t)out_fd, .datum_b = 0 };
	const struct scmp_arg_cmp no_exec = { .arg = 2,
	    .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC, .datum_b = 0 };
	scmp_filter_ctx ctx;
	size_t i;
	int rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i],
		    0)) < 0)
			goto out;
	/* send() is sendto(); only to the daemon. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
	    to_daemon)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    no_exec)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    no_exec)) < 0)
		goto out;
	rc = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
