/* Link messages → bg_link; the dump of all links `apply` compiles against. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link.h"
#include "nlmon.h"

struct dump {
	struct bg_link	*l;
	size_t		 n, cap;
};

void
link_parse_brport(struct bg_link *l, const struct nlattr *nest)
{
	const struct nlattr *a;

	l->is_port = true;
	l->learning = l->unicast_flood = true;	/* the kernel's defaults */
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_payload_len(a) < 1)
			continue;
		switch (mnl_attr_get_type(a)) {
		case IFLA_BRPORT_LEARNING:
			l->learning = mnl_attr_get_u8(a) != 0;
			break;
		case IFLA_BRPORT_UNICAST_FLOOD:
			l->unicast_flood = mnl_attr_get_u8(a) != 0;
			break;
		}
	}
}

static void
parse_bridge(struct bg_link *l, const struct nlattr *data)
{
	const struct nlattr *a;

	/* A kernel without IFLA_BR_MULTI_BOOLOPT (before 5.0) learns. */
	l->linklocal_learn = true;
	mnl_attr_for_each_nested(a, data)
		if (mnl_attr_get_type(a) == IFLA_BR_AGEING_TIME &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->ageing = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == IFLA_BR_MULTI_BOOLOPT &&
		    mnl_attr_get_payload_len(a) >= sizeof(struct br_boolopt_multi))
			l->linklocal_learn = !(((const struct br_boolopt_multi *)
			    mnl_attr_get_payload(a))->optval &
			    (1u << BR_BOOLOPT_NO_LL_LEARN));
}

static void
parse_linkinfo(struct bg_link *l, const struct nlattr *info)
{
	const struct nlattr *a, *data = NULL, *sdata = NULL;
	bool slave_bridge = false;

	mnl_attr_for_each_nested(a, info) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_INFO_KIND:
			l->is_bridge = mnl_attr_validate(a,
			    MNL_TYPE_NUL_STRING) == 0 &&
			    strcmp(mnl_attr_get_str(a), "bridge") == 0;
			break;
		case IFLA_INFO_DATA:
			data = a;
			break;
		case IFLA_INFO_SLAVE_KIND:
			slave_bridge = mnl_attr_validate(a,
			    MNL_TYPE_NUL_STRING) == 0 &&
			    strcmp(mnl_attr_get_str(a), "bridge") == 0;
			break;
		case IFLA_INFO_SLAVE_DATA:
			sdata = a;
			break;
		}
	}
	if (l->is_bridge && data)
		parse_bridge(l, data);
	if (slave_bridge && sdata)
		link_parse_brport(l, sdata);
}

int
link_parse(const struct nlmsghdr *nlh, struct bg_link *l)
{
	const struct ifinfomsg *ifi;
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -1;
	ifi = mnl_nlmsg_get_payload(nlh);
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				strncpy(l->name, mnl_attr_get_str(a),
				    sizeof(l->name) - 1);
			break;
		case IFLA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->master = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_PROMISCUITY:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->promiscuity = mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(l, a);
			break;
		}
	}
	return l->ifindex > 0 ? 0 : -1;
}

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct bg_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;

		if ((l = reallocarray(d->l, cap, sizeof(*l))) == NULL)
			return MNL_CB_ERROR;
		d->l = l;
		d->cap = cap;
	}
	if (link_parse(nlh, &d->l[d->n]) == 0)
		d->n++;
	return MNL_CB_OK;
}

int
link_dump(struct bg_link **out, size_t *n)
{
	struct dump d = { NULL, 0, 0 };
	int tries;

	/* An interrupted dump (links changed meanwhile) starts over. */
	for (tries = 0; tries < 5; tries++) {
		d.n = 0;
		if (nlmon_dump(RTM_GETLINK, AF_UNSPEC, link_cb, &d) == 0) {
			*out = d.l;
			*n = d.n;
			return 0;
		}
		if (errno != EINTR)
			break;
	}
	free(d.l);
	return -1;
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

static const struct bg_link *
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
