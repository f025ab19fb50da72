/*
 * The VXLAN devices of remote mirrors (bgvx<VNI>), over rtnetlink. They are
 * the only interfaces bridgeguard creates; `apply` removes those no mirror
 * needs any more and `flush` removes them all.
 */
#include <errno.h>
#include <stdbool.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link.h"
#include "vxlan.h"

#define VXLAN_PREFIX	"bgvx"

/* One request, one ack. -1 with errno. */
static int
rtnl_talk(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	uint32_t portid;
	ssize_t n;
	int rc = -1, saved;

	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto out;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) < 0)
		goto out;
	rc = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL);
out:
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return rc < 0 ? -1 : 0;
}

static struct nlmsghdr *
link_msg(char *buf, uint16_t type, uint16_t flags, const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

static int
vxlan_create(const struct bg_mirror *m, const char *name, int underlay)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data;
	struct ifinfomsg *ifi;

	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, m->vni);
	mnl_attr_put(nlh, IFLA_VXLAN_GROUP, 4, &m->remote_ip);
	if (m->local_ip.s_addr)
		mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, 4, &m->local_ip);
	if (underlay)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, (uint32_t)underlay);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(m->udp_port));
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return rtnl_talk(nlh);
}

static int
vxlan_delete(const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return rtnl_talk(link_msg(buf, RTM_DELLINK, 0, name));
}

struct vxparams {
	uint32_t	 id, link;
	uint32_t	 group, local;
	uint16_t	 port;
	bool		 seen;
};

static int
vxlan_data_cb(const struct nlattr *a, void *data)
{
	struct vxparams *p = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_VXLAN_ID:
		p->id = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_LINK:
		p->link = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_GROUP:
		memcpy(&p->group, mnl_attr_get_payload(a), 4);
		break;
	case IFLA_VXLAN_LOCAL:
		memcpy(&p->local, mnl_attr_get_payload(a), 4);
		break;
	case IFLA_VXLAN_PORT:
		p->port = ntohs(mnl_attr_get_u16(a));
		break;
	}
	return MNL_CB_OK;
}

static int
vxlan_link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(b, a)
			if (mnl_attr_get_type(b) == IFLA_INFO_DATA) {
				((struct vxparams *)data)->seen = true;
				mnl_attr_parse_nested(b, vxlan_data_cb, data);
			}
	}
	return MNL_CB_OK;
}

/* Does the existing device already have exactly these parameters? */
static bool
vxlan_matches(const struct bg_mirror *m, const char *name, int underlay)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct vxparams p = { 0 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	ssize_t n;

	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return false;
	nlh = link_msg(buf, RTM_GETLINK, 0, name);
	nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 &&
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0 &&
	    (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)n, 0, 0, vxlan_link_cb, &p);
	mnl_socket_close(nl);
	return p.seen && p.id == m->vni && p.group == m->remote_ip.s_addr &&
	    p.local == m->local_ip.s_addr && p.link == (uint32_t)underlay &&
	    p.port == m->udp_port;
}

/*
 * Keeps a device that is already right, so that re-applying does not
 * disturb the copies in flight (the rules name its ifindex); one whose
 * parameters changed is re-created.
 */
static int
vxlan_one(const struct bg_mirror *m, char *err, size_t errlen)
{
	char name[BG_IFNAMSIZ];
	int underlay = 0;

	mirror_device(m, name);
	if (m->dev[0] && (underlay = (int)if_nametoindex(m->dev)) == 0) {
		snprintf(err, errlen, "mirror %s: underlay device %s: %s",
		    m->name, m->dev, strerror(errno));
		return -1;
	}
	if (if_nametoindex(name) != 0 && vxlan_matches(m, name, underlay))
		return 0;
	if (if_nametoindex(name) != 0 && vxlan_delete(name) == -1) {
		snprintf(err, errlen, "mirror %s: replacing VXLAN device %s: "
		    "%s", m->name, name, strerror(errno));
		return -1;
	}
	if (vxlan_create(m, name, underlay) == -1) {
		snprintf(err, errlen, "mirror %s: creating VXLAN device %s "
		    "(id %u to %s): %s%s", m->name, name, m->vni,
		    inet_ntoa(m->remote_ip), strerror(errno), errno ==
		    EOPNOTSUPP ? " (this kernel has no VXLAN)" : "");
		return -1;
	}
	return 0;
}

int
vxlan_setup(const struct bg_config *cfg, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors; j++)
			if (cfg->bridges[i].mirrors[j].remote &&
			    vxlan_one(&cfg->bridges[i].mirrors[j], err,
			    errlen) == -1)
				return -1;
	return 0;
}

static bool
wanted(const struct bg_config *cfg, const char *name)
{
	char dev[BG_IFNAMSIZ];
	size_t i, j;

	for (i = 0; cfg && i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors; j++) {
			if (!cfg->bridges[i].mirrors[j].remote)
				continue;
			mirror_device(&cfg->bridges[i].mirrors[j], dev);
			if (strcmp(dev, name) == 0)
				return true;
		}
	return false;
}

int
vxlan_prune(const struct bg_config *cfg, char *err, size_t errlen)
{
	struct bg_link *links;
	size_t n, i;
	int rc = 0;

	if (link_dump(&links, &n) == -1) {
		snprintf(err, errlen, "listing interfaces: %s",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (strncmp(links[i].name, VXLAN_PREFIX,
		    strlen(VXLAN_PREFIX)) != 0 || wanted(cfg, links[i].name))
			continue;
		if ((rc = vxlan_delete(links[i].name)) == -1)
			snprintf(err, errlen, "removing VXLAN device %s: %s",
			    links[i].name, strerror(errno));
	}
	free(links);
	return rc;
}
