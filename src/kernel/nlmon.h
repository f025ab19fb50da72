/*
 * rtnetlink plumbing shared by the monitors: a non-blocking socket
 * subscribed to multicast groups, and dumps on a socket of their own so
 * that dump replies and notifications never interleave.
 */
#ifndef BG_NLMON_H
#define BG_NLMON_H

#include <libmnl/libmnl.h>
#include <stdint.h>

struct nlmon {
	struct mnl_socket	*nl;
	int			 fd;
	char			*buf;
	uint64_t		 overruns;	/* ENOBUFS seen */
};

/* Subscribes to the RTNLGRP_* groups listed (0-terminated). -1, errno. */
int	nlmon_open(struct nlmon *, const unsigned int *groups);
void	nlmon_close(struct nlmon *);
/*
 * Runs cb on every pending notification. 0 when drained; 1 if the kernel
 * dropped notifications (ENOBUFS): the caller must resync; -1 on error.
 */
int	nlmon_read(struct nlmon *, mnl_cb_t cb, void *data);
/*
 * Dumps (type, family) on a fresh socket, cb per object. An interrupted
 * dump (the table changed meanwhile) fails with EINTR: start over.
 */
int	nlmon_dump(uint16_t type, uint8_t family, mnl_cb_t cb, void *data);

#endif
