/* The namespace's addresses (RTM_GETADDR), for bridge_address. */
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct au_host *h = data;
	struct au_addr *v, *x;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	len = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ?
	    16 : 0;
	if (len == 0)
		return MNL_CB_OK;
	if ((v = reallocarray(h->addrs, h->n_addrs + 1, sizeof(*v))) == NULL)
		return MNL_CB_ERROR;
	h->addrs = v;
	x = &v[h->n_addrs];
	memset(x, 0, sizeof(*x));
	x->ifindex = (int)ifa->ifa_index;
	x->family = ifa->ifa_family;
	x->plen = ifa->ifa_prefixlen;
	x->scope = ifa->ifa_scope;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
		if (mnl_attr_get_type(a) == IFA_ADDRESS &&
		    mnl_attr_get_payload_len(a) == len) {
			memcpy(x->addr, mnl_attr_get_payload(a), len);
			h->n_addrs++;
			break;
		}
	return MNL_CB_OK;
}

int
au_read_addrs(struct au_host *h)
{
	return au_dump(RTM_GETADDR, AF_UNSPEC, addr_cb, h, &h->n_addrs);
}
