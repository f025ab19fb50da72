/* The netfilter netlink socket the batches and the queries go through. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>

#include "nft.h"

struct mnl_socket *
nft_socket_open(char *err, size_t errlen)
{
	struct mnl_socket *nl;
	int one = 1;

	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL) {
		snprintf(err, errlen, "opening netlink socket: %s",
		    strerror(errno));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		snprintf(err, errlen, "binding netlink socket: %s",
		    strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	/* Errors without the echoed request, but with the kernel's reason. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	return nl;
}
