/*
 * Mirrors at a port's egress through tc, over rtnetlink: a clsact qdisc, one
 * cls_bpf filter per mirror whose classic BPF program says which frames
 * match, and a mirred action that copies those. It stands in for the
 * nftables netdev egress hook on kernels that lack it; classic BPF because
 * flower, matchall and u32's mark match are missing or unreliable there.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc.h"

#define TC_EGRESS	TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)
#define TC_COOKIE	"bridgeguard"	/* shown by `tc filter show` */
#define TC_PROG_MAX	6

/* One socket per public call; ext keeps the kernel's reason for a refusal. */
struct tcnl {
	struct mnl_socket	*nl;
	uint32_t		 portid, seq;
	char			 ext[128];
};

struct talk {
	struct tcnl		*t;
	mnl_cb_t		 cb;
	void			*data;
};

/* What a filter dump of egress found at our priorities. */
struct collect {
	struct tc_installed	*v;
	size_t			 n, cap;
};

struct ifindexes {
	int			*v;
	size_t			 n, cap;
};

static int
tcnl_open(struct tcnl *t, char *err, size_t errlen)
{
	int one = 1, saved;

	memset(t, 0, sizeof(*t));
	t->seq = (uint32_t)time(NULL);
	if ((t->nl = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(t->nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto err;
	t->portid = mnl_socket_get_portid(t->nl);
	/* Errors without the echoed request, but with the kernel's reason. */
	mnl_socket_setsockopt(t->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(t->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
err:
	saved = errno;
	snprintf(err, errlen, "opening rtnetlink socket: %s", strerror(saved));
	if (t->nl != NULL)
		mnl_socket_close(t->nl);
	t->nl = NULL;
	errno = saved;
	return -1;
}

static void
tcnl_close(struct tcnl *t)
{
	int saved = errno;

	if (t->nl != NULL)
		mnl_socket_close(t->nl);
	t->nl = NULL;
	errno = saved;
}

/* "what: strerror (the kernel's reason)" into err; -1, errno kept. */
static int __attribute__((format(printf, 4, 5)))
tcnl_fail(const struct tcnl *t, char *err, size_t errlen, const char *fmt,
    ...)
{
	char what[128];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s%s%s%s", what, strerror(saved),
	    t->ext[0] ? " (" : "", t->ext, t->ext[0] ? ")" : "");
	errno = saved;
	return -1;
}

/* The kernel's extended-ack text of an error, or of the end of a dump. */
static void
extack(const struct nlmsghdr *nlh, char *ext, size_t extlen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(int);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
			return;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
	}
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(ext, extlen, "%s", mnl_attr_get_str(a));
}

/* NLMSG_ERROR and NLMSG_DONE both start with the (negative) error. */
static int
ctl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *tk = data;
	int error = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error == 0)
		return MNL_CB_STOP;
	extack(nlh, tk->t->ext, sizeof(tk->t->ext));
	errno = error < 0 ? -error : EPROTO;
	return MNL_CB_ERROR;
}

static int
data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *tk = data;

	return tk->cb != NULL ? tk->cb(nlh, tk->data) : MNL_CB_OK;
}

/* Sends one request and reads until its ack or the end of its dump. */
static int
tcnl_talk(struct tcnl *t, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	/* Not const: libmnl 1.0.4's mnl_cb_run2() does not take const. */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = ctl_cb,
		[NLMSG_DONE] = ctl_cb,
	};
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct talk tk = { t, cb, data };
	ssize_t n;
	int rc = MNL_CB_ERROR;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++t->seq;
	t->ext[0] = '\0';
	if (mnl_socket_sendto(t->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while ((n = mnl_socket_recvfrom(t->nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, t->portid,
		    data_cb, &tk, ctl, NLMSG_MIN_TYPE);
		if (rc <= MNL_CB_STOP)
			break;
	}
	if (n == -1)
		return -1;
	return rc == MNL_CB_STOP ? 0 : -1;
}

static struct nlmsghdr *
tcm_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
    uint32_t parent, uint32_t info)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	tcm->tcm_info = info;
	return nlh;
}

/* A filter's tcm_info: its priority above, its protocol below. */
static uint32_t
slot_info(unsigned int slot, uint16_t proto)
{
	return TC_H_MAKE((uint32_t)(TC_PRIO_BASE + slot) << 16, proto);
}

static int
slot_check(int ifindex, unsigned int slot, char *err, size_t errlen)
{
	if (slot < TC_MAX_MIRRORS)
		return 0;
	errno = EINVAL;
	snprintf(err, errlen, "tc mirror on ifindex %d: slot %u is not below "
	    "%d", ifindex, slot, TC_MAX_MIRRORS);
	return -1;
}

/* NLM_F_CREATE without EXCL: a clsact already there is kept as it is. */
static int
clsact_add(struct tcnl *t, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;

	nlh = tcm_msg(buf, RTM_NEWQDISC, NLM_F_CREATE, ifindex, TC_H_CLSACT,
	    0);
	tcm = mnl_nlmsg_get_payload(nlh);
	tcm->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	if (tcnl_talk(t, nlh, NULL, NULL) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Classic BPF where the frame leaves, so offset 0 is the destination MAC.
 * Not direct-action: 0 is no match, anything else a match on which the
 * filter's action runs.
 */
static unsigned short
mirror_prog(const struct tc_mirror *m, struct sock_filter *p)
{
	unsigned short n = 0;

	if (m->group_only) {
		p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS,
		    0);
		/* Unicast jumps to the last instruction, "no match". */
		p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET |
		    BPF_K, 1, 0, 3);
	}
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    SKF_AD_OFF + SKF_AD_MARK);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    m->skip_mark, 1, 0);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return n;
}

/*
 * The filter's one action copies the frame out of to_ifindex, then lets
 * classification go on ("continue"), so that the filters of the other
 * mirrors of this port see the frame too.
 */
static void
put_mirred(struct nlmsghdr *nlh, int to_ifindex)
{
	struct tc_mirred p = {
		.action = TC_ACT_UNSPEC,
		.eaction = TCA_EGRESS_MIRROR,
		.ifindex = (uint32_t)to_ifindex,
	};
	struct nlattr *acts, *act, *opts;

	acts = mnl_attr_nest_start(nlh, TCA_BPF_ACT);
	act = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	mnl_attr_put(nlh, TCA_ACT_COOKIE, strlen(TC_COOKIE), TC_COOKIE);
	opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(p), &p);
	mnl_attr_nest_end(nlh, opts);
	mnl_attr_nest_end(nlh, act);
	mnl_attr_nest_end(nlh, acts);
}

/* Handle 1 with NLM_F_REPLACE: setting a slot again swaps its program. */
static struct nlmsghdr *
filter_msg(char *buf, const struct tc_mirror *m)
{
	struct sock_filter prog[TC_PROG_MAX];
	struct nlmsghdr *nlh;
	struct nlattr *opts;
	struct tcmsg *tcm;
	unsigned short len;

	nlh = tcm_msg(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE,
	    m->ifindex, TC_EGRESS, slot_info(m->slot, htons(ETH_P_ALL)));
	tcm = mnl_nlmsg_get_payload(nlh);
	tcm->tcm_handle = 1;
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	len = mirror_prog(m, prog);
	mnl_attr_put_u16(nlh, TCA_BPF_OPS_LEN, len);
	mnl_attr_put(nlh, TCA_BPF_OPS, len * sizeof(prog[0]), prog);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, 0);
	put_mirred(nlh, m->to_ifindex);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

int
tc_mirror_set(const struct tc_mirror *m, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tcnl t;
	int rc = -1;

	if (slot_check(m->ifindex, m->slot, err, errlen) == -1 ||
	    tcnl_open(&t, err, errlen) == -1)
		return -1;
	if (clsact_add(&t, m->ifindex) == -1)
		tcnl_fail(&t, err, errlen, "adding clsact qdisc on ifindex %d",
		    m->ifindex);
	else if (tcnl_talk(&t, filter_msg(buf, m), NULL, NULL) == -1)
		tcnl_fail(&t, err, errlen, "adding tc filter (prio %#x) on "
		    "ifindex %d", TC_PRIO_BASE + m->slot, m->ifindex);
	else
		rc = 0;
	tcnl_close(&t);
	return rc;
}

static struct tc_installed *
collect_add(struct collect *c)
{
	struct tc_installed *v;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;

		if ((v = reallocarray(c->v, cap, sizeof(*v))) == NULL)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	v = &c->v[c->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

static void
mirred_parms(const struct nlattr *opts, struct tc_installed *in)
{
	const struct nlattr *a;
	struct tc_mirred p;

	mnl_attr_for_each_nested(a, opts)
		if (mnl_attr_get_type(a) == TCA_MIRRED_PARMS &&
		    mnl_attr_get_payload_len(a) >= sizeof(p)) {
			memcpy(&p, mnl_attr_get_payload(a), sizeof(p));
			in->to_ifindex = (int)p.ifindex;
		}
}

/* gnet_stats_basic counts packets in 32 bits; PKT64 follows when that wraps. */
static void
act_stats(const struct nlattr *stats, struct tc_installed *in)
{
	const size_t basic = offsetof(struct gnet_stats_basic, packets) +
	    sizeof(uint32_t);
	struct gnet_stats_basic b = { 0, 0 };
	const struct nlattr *a;
	uint64_t pkt64 = 0;

	mnl_attr_for_each_nested(a, stats) {
		if (mnl_attr_get_type(a) == TCA_STATS_BASIC &&
		    mnl_attr_get_payload_len(a) >= basic)
			memcpy(&b, mnl_attr_get_payload(a), basic);
		else if (mnl_attr_get_type(a) == TCA_STATS_PKT64 &&
		    mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			pkt64 = mnl_attr_get_u64(a);
	}
	in->bytes = b.bytes;
	in->packets = pkt64 > b.packets ? pkt64 : b.packets;
}

/* Reads one action of a filter's list; true if it was the mirred one. */
static bool
action_read(const struct nlattr *act, struct tc_installed *in)
{
	const struct nlattr *a, *kind = NULL, *opts = NULL, *stats = NULL;

	mnl_attr_for_each_nested(a, act) {
		switch (mnl_attr_get_type(a)) {
		case TCA_ACT_KIND:
			kind = a;
			break;
		case TCA_ACT_OPTIONS:
			opts = a;
			break;
		case TCA_ACT_STATS:
			stats = a;
			break;
		}
	}
	if (kind == NULL || opts == NULL ||
	    mnl_attr_validate(kind, MNL_TYPE_NUL_STRING) == -1 ||
	    strcmp(mnl_attr_get_str(kind), "mirred") != 0)
		return false;
	mirred_parms(opts, in);
	if (stats != NULL)
		act_stats(stats, in);
	return true;
}

static void
bpf_opts(const struct nlattr *opts, struct tc_installed *in)
{
	const struct nlattr *a, *act;

	mnl_attr_for_each_nested(a, opts) {
		if (mnl_attr_get_type(a) != TCA_BPF_ACT)
			continue;
		mnl_attr_for_each_nested(act, a)
			if (action_read(act, in))
				return;
	}
}

/*
 * Every filter at our priorities of chain 0, whatever its kind, so that a
 * stray one can be listed and deleted; one without a mirred action has
 * to_ifindex 0.
 */
static int
filter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *opts = NULL;
	struct collect *c = data;
	struct tc_installed *in;
	unsigned int prio;

	if (nlh->nlmsg_type != RTM_NEWTFILTER ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm))
		return MNL_CB_OK;
	prio = TC_H_MAJ(tcm->tcm_info) >> 16;
	if (prio < TC_PRIO_BASE || prio >= TC_PRIO_BASE + TC_MAX_MIRRORS)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*tcm)) {
		if (mnl_attr_get_type(a) == TCA_CHAIN &&
		    (mnl_attr_validate(a, MNL_TYPE_U32) == -1 ||
		    mnl_attr_get_u32(a) != 0))
			return MNL_CB_OK;
		if (mnl_attr_get_type(a) == TCA_OPTIONS)
			opts = a;
	}
	/* The first message of a priority describes it, not a filter. */
	if (opts == NULL)
		return MNL_CB_OK;
	if ((in = collect_add(c)) == NULL)
		return MNL_CB_ERROR;
	in->ifindex = tcm->tcm_ifindex;
	in->slot = prio - TC_PRIO_BASE;
	bpf_opts(opts, in);
	return MNL_CB_OK;
}

/* Every egress filter of a device; filter_cb keeps ours. */
static int
filters_dump(struct tcnl *t, int ifindex, struct collect *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return tcnl_talk(t, tcm_msg(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex,
	    TC_EGRESS, 0), filter_cb, c);
}

static int
ifindexes_add(struct ifindexes *l, int ifindex)
{
	int *v;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL)
			return MNL_CB_ERROR;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ifindex;
	return MNL_CB_OK;
}

static bool
ifindexes_has(const struct ifindexes *l, int ifindex)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == ifindex)
			return true;
	return false;
}

static int
qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWQDISC ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*tcm))
		if (mnl_attr_get_type(a) == TCA_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    strcmp(mnl_attr_get_str(a), "clsact") == 0)
			return ifindexes_add(data, tcm->tcm_ifindex);
	return MNL_CB_OK;
}

/*
 * The devices with a clsact qdisc, from one dump of every qdisc. Only on
 * those is ffff:fff3 egress: under a plain ingress qdisc the kernel takes
 * that parent for ingress, and we would list or delete its filters.
 */
static int
clsact_devs(struct tcnl *t, struct ifindexes *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return tcnl_talk(t, tcm_msg(buf, RTM_GETQDISC, NLM_F_DUMP, 0, 0, 0),
	    qdisc_cb, l);
}

/*
 * Without clsact there is nothing of ours. After the delete, ENOENT says
 * no filter (or no chain) at that priority, ENODEV no device any more.
 */
int
tc_mirror_del(int ifindex, unsigned int slot, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifindexes l = { NULL, 0, 0 };
	struct nlmsghdr *nlh;
	struct tcnl t;
	int rc = -1;

	if (slot_check(ifindex, slot, err, errlen) == -1 ||
	    tcnl_open(&t, err, errlen) == -1)
		return -1;
	if (clsact_devs(&t, &l) == -1) {
		tcnl_fail(&t, err, errlen, "listing qdiscs");
		goto out;
	}
	/* Protocol and handle 0: the whole priority, whatever it holds. */
	nlh = tcm_msg(buf, RTM_DELTFILTER, 0, ifindex, TC_EGRESS,
	    slot_info(slot, 0));
	if (ifindexes_has(&l, ifindex) &&
	    tcnl_talk(&t, nlh, NULL, NULL) == -1 && errno != ENOENT &&
	    errno != ENODEV)
		tcnl_fail(&t, err, errlen, "deleting tc filter (prio %#x) on "
		    "ifindex %d", TC_PRIO_BASE + slot, ifindex);
	else
		rc = 0;
out:
	tcnl_close(&t);
	free(l.v);
	return rc;
}

/* A device or a qdisc that went away since the qdisc dump has no filters. */
static int
devs_filters(struct tcnl *t, const struct ifindexes *l, struct collect *c,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (filters_dump(t, l->v[i], c) == -1 && errno != ENODEV &&
		    errno != ENOENT && errno != EINVAL)
			return tcnl_fail(t, err, errlen, "listing tc filters "
			    "on ifindex %d", l->v[i]);
	return 0;
}

int
tc_mirrors_list(struct tc_installed **out, size_t *n, char *err,
    size_t errlen)
{
	struct ifindexes l = { NULL, 0, 0 };
	struct collect c = { NULL, 0, 0 };
	struct tcnl t;
	int rc = -1;

	if (tcnl_open(&t, err, errlen) == -1)
		return -1;
	if (clsact_devs(&t, &l) == -1) {
		tcnl_fail(&t, err, errlen, "listing qdiscs");
		goto out;
	}
	if (devs_filters(&t, &l, &c, err, errlen) == -1)
		goto out;
	*out = c.v;
	*n = c.n;
	c.v = NULL;
	rc = 0;
out:
	tcnl_close(&t);
	free(l.v);
	free(c.v);
	return rc;
}
