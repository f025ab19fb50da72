/*
 * Links with what the audit needs beyond kernel/link.c's view (which
 * has the promiscuity count): the link kind, which tells guests' taps and
 * veths from uplinks.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "nlmon.h"

static void
extra_attrs(const struct nlmsghdr *nlh, struct au_link *al)
{
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(b, a)
			if (mnl_attr_get_type(b) == IFLA_INFO_KIND &&
			    mnl_attr_validate(b, MNL_TYPE_NUL_STRING) == 0)
				strncpy(al->kind, mnl_attr_get_str(b),
				    sizeof(al->kind) - 1);
	}
}

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct au_host *h = data;
	struct au_link *v;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	v = reallocarray(h->links, h->n_links + 1, sizeof(*v));
	if (v == NULL)
		return MNL_CB_ERROR;
	h->links = v;
	memset(&v[h->n_links], 0, sizeof(*v));
	if (link_parse(nlh, &v[h->n_links].l) == 0) {
		extra_attrs(nlh, &v[h->n_links]);
		h->n_links++;
	}
	return MNL_CB_OK;
}

int
au_dump(uint16_t type, uint8_t family, mnl_cb_t cb, struct au_host *h,
    size_t *n)
{
	int tries;

	/* An interrupted dump (the table changed meanwhile) starts over. */
	for (tries = 0; tries < 5; tries++) {
		*n = 0;
		if (nlmon_dump(type, family, cb, h) == 0)
			return 0;
		if (errno != EINTR)
			break;
	}
	return -1;
}

int
au_read_links(struct au_host *h)
{
	return au_dump(RTM_GETLINK, AF_UNSPEC, link_cb, h, &h->n_links);
}

const struct au_link *
au_link_by_index(const struct au_host *h, int ifindex)
{
	size_t k;

	for (k = 0; k < h->n_links; k++)
		if (h->links[k].l.ifindex == ifindex)
			return &h->links[k];
	return NULL;
}

const struct au_link *
au_link_by_name(const struct au_host *h, const char *name)
{
	size_t k;

	for (k = 0; k < h->n_links; k++)
		if (strcmp(h->links[k].l.name, name) == 0)
			return &h->links[k];
	return NULL;
}
