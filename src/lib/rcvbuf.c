/* Receive buffers; see rcvbuf.h. */
#include <stdlib.h>
#include <sys/socket.h>

#include "rcvbuf.h"

int
rcvbuf_size(int dflt)
{
	const char *e = getenv("BRIDGEGUARD_NETLINK_RCVBUF");
	long n;

	if (e == NULL || (n = strtol(e, NULL, 10)) < 1024 || n > (1L << 30))
		return dflt;
	return (int)n;
}

void
rcvbuf_set(int fd, int size)
{
	/* A smaller buffer only makes overruns likelier: the readers
	 * resync after one. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}
