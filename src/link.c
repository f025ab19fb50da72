/* RTM_GETLINK dump over libmnl: names, masters, flags, bridge or not. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link.h"

struct dump {
	struct bg_link	*l;
	size_t		 n, cap;
};

static bool
is_bridge(const struct nlattr *linkinfo)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, linkinfo)
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    strcmp(mnl_attr_get_str(a), "bridge") == 0)
			return true;
	return false;
}

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct bg_link *l;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;

		if ((l = realloc(d->l, cap * sizeof(*l))) == NULL)
			return MNL_CB_ERROR;
		d->l = l;
		d->cap = cap;
	}
	l = &d->l[d->n];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			strncpy(l->name, mnl_attr_get_str(a),
			    sizeof(l->name) - 1);
			break;
		case IFLA_MASTER:
			l->master = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			l->is_bridge = is_bridge(a);
			break;
		}
	}
	d->n++;
	return MNL_CB_OK;
}

int
link_dump(struct bg_link **out, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct dump d = { NULL, 0, 0 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;
	uint32_t seq = (uint32_t)time(NULL), portid;
	ssize_t r;
	int rc = MNL_CB_ERROR, saved;

	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_PACKET;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	while ((r = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)r, seq, portid, link_cb, &d);
		if (rc <= MNL_CB_STOP)
			break;
	}
out:
	saved = errno;
	mnl_socket_close(nl);
	if (rc != MNL_CB_STOP) {
		free(d.l);
		errno = saved ? saved : EPROTO;
		return -1;
	}
	*out = d.l;
	*n = d.n;
	return 0;
}

const struct bg_link *
link_find(const struct bg_link *l, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return &l[i];
	return NULL;
}

const struct bg_link *
link_by_index(const struct bg_link *l, size_t n, int ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i].ifindex == ifindex)
			return &l[i];
	return NULL;
}

int
link_bridge_ports(const struct bg_link *l, size_t n, struct bg_port **out,
    size_t *count)
{
	const struct bg_link *br;
	struct bg_port *p;
	size_t i, k = 0;

	if ((p = calloc(n ? n : 1, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < n; i++, k++) {
		memcpy(p[k].port, l[i].name, sizeof(p[k].port));
		p[k].ifindex = l[i].ifindex;
		if (l[i].master &&
		    (br = link_by_index(l, n, l[i].master)) != NULL &&
		    br->is_bridge)
			memcpy(p[k].bridge, br->name, sizeof(p[k].bridge));
	}
	*out = p;
	*count = k;
	return 0;
}
