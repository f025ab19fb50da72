/* Receive buffers of the sockets that must not lose messages (rcvbuf.c). */
#ifndef BG_RCVBUF_H
#define BG_RCVBUF_H

/*
 * The size a netlink socket asks for: dflt, or the size the environment's
 * BRIDGEGUARD_NETLINK_RCVBUF gives (1 KiB to 1 GiB; tests shrink it to
 * provoke ENOBUFS and check the resync).
 */
int	rcvbuf_size(int dflt);
/* Gives fd a receive buffer of size bytes: past rmem_max where we may
 * (CAP_NET_ADMIN), else as much as rmem_max allows. Never fails. */
void	rcvbuf_set(int fd, int size);

#endif
