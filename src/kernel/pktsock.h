/*
 * Who captures on an interface, as far as the kernel says: the packet
 * sockets bound to it (/proc/net/packet of this namespace) and, where
 * /proc shows it, the process holding each. For the daemon's promiscuity
 * event: a capture raises the count without the IFF_PROMISC flag.
 */
#ifndef BG_PKTSOCK_H
#define BG_PKTSOCK_H

#include <sys/types.h>

struct pktsock {
	unsigned long	 inode;
	uid_t		 uid;		/* the socket's owner */
	pid_t		 pid;		/* 0 if no process shows it */
	char		 comm[16];
};

/* Up to max sockets bound to ifindex into out; how many, or -1 with errno. */
int	pktsock_bound(int ifindex, struct pktsock *out, size_t max);

#endif
