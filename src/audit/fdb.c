/*
 * The bridges' forwarding databases (RTM_GETNEIGH, AF_BRIDGE): the
 * entries a bridge holds for its ports (NDA_MASTER), without its own
 * permanent addresses and without the devices' own address lists.
 */
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"

static void
fdb_attrs(const struct nlmsghdr *nlh, struct au_fdb *f, bool *mac)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct ndmsg)) {
		switch (mnl_attr_get_type(a)) {
		case NDA_LLADDR:
			if (mnl_attr_get_payload_len(a) == 6) {
				memcpy(f->mac, mnl_attr_get_payload(a), 6);
				*mac = true;
			}
			break;
		case NDA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				f->bridge = (int)mnl_attr_get_u32(a);
			break;
		case NDA_VLAN:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				f->vlan = mnl_attr_get_u16(a);
			break;
		}
	}
}

static int
fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd;
	struct au_host *h = data;
	struct au_fdb f, *v;
	bool mac = false;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*nd))
		return MNL_CB_OK;
	nd = mnl_nlmsg_get_payload(nlh);
	if (nd->ndm_family != AF_BRIDGE || (nd->ndm_state & NUD_PERMANENT))
		return MNL_CB_OK;
	memset(&f, 0, sizeof(f));
	f.port = nd->ndm_ifindex;
	f.is_static = (nd->ndm_state & NUD_NOARP) != 0;
	fdb_attrs(nlh, &f, &mac);
	if (!mac || f.bridge == 0 || f.bridge == f.port)
		return MNL_CB_OK;
	if ((v = reallocarray(h->fdb, h->n_fdb + 1, sizeof(*v))) == NULL)
		return MNL_CB_ERROR;
	h->fdb = v;
	v[h->n_fdb++] = f;
	return MNL_CB_OK;
}

int
au_read_fdb(struct au_host *h)
{
	return au_dump(RTM_GETNEIGH, AF_BRIDGE, fdb_cb, h, &h->n_fdb);
}
