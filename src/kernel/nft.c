/*
 * Ruleset → one nf_tables netlink batch (libnftnl + libmnl).
 *
 * Each message is described ("creating chain netdev in_vnic-bob") so that
 * when the kernel refuses one, and so rolls back the whole batch, we can say
 * exactly
 * which part it refused and why. The kernel reports every refusal; only the
 * last message asks for an ack too, which proves the batch was processed
 * (an ack per message would overflow the socket at 10,000 guests).
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linearize.h"
#include "nft.h"

#define BATCH_PAGE	(256 * 1024)
#define MSG_MAX		(UINT16_MAX + 4096)	/* largest single message */
#define ELEMS_PER_MSG	256

/* Linux 6.3: delete an element if present, no error if not. */
#ifndef NFT_MSG_DESTROYSETELEM
#define NFT_MSG_DESTROYSETELEM	30
#endif

struct nft_batch {
	struct nftnl_batch	*b;
	uint32_t		 seq0, seq;
	char			(*what)[96];	/* per message, by seq - seq0 */
	size_t			 cap;
	int			 build_errno;
	uint32_t		 set_id;	/* the kernel wants one per new set */
	struct nlmsghdr		*last;		/* the message to be acked */
};

/* Deleting elements: DESTROYSETELEM where the kernel knows it. */
static uint16_t elem_del_msg = NFT_MSG_DESTROYSETELEM;

void
nft_elem_destroy(bool known)
{
	elem_del_msg = known ? NFT_MSG_DESTROYSETELEM : NFT_MSG_DELSETELEM;
}

struct nft_batch *
nft_batch_new(void)
{
	struct nft_batch *nb;

	if ((nb = calloc(1, sizeof(*nb))) == NULL)
		return NULL;
	if ((nb->b = nftnl_batch_alloc(BATCH_PAGE, MSG_MAX)) == NULL) {
		free(nb);
		return NULL;
	}
	nb->seq0 = nb->seq = (uint32_t)time(NULL);
	nftnl_batch_begin(nftnl_batch_buffer(nb->b), nb->seq++);
	nftnl_batch_update(nb->b);
	return nb;
}

void
nft_batch_free(struct nft_batch *nb)
{
	if (nb == NULL)
		return;
	nftnl_batch_free(nb->b);
	free(nb->what);
	free(nb);
}

/* Starts one message and records what it does, for error messages. */
static struct nlmsghdr * __attribute__((format(printf, 5, 6)))
msg_start(struct nft_batch *nb, uint16_t type, enum rs_family fam,
    uint16_t flags, const char *fmt, ...)
{
	size_t i = nb->seq - nb->seq0;
	va_list ap;

	if (i >= nb->cap) {
		size_t cap = nb->cap ? nb->cap * 2 : 64;
		void *p = realloc(nb->what, cap * sizeof(*nb->what));

		if (p == NULL) {
			nb->build_errno = ENOMEM;
			return NULL;
		}
		nb->what = p;
		nb->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(nb->what[i], sizeof(nb->what[i]), fmt, ap);
	va_end(ap);
	nb->last = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(nb->b), type,
	    nft_family(fam), flags, nb->seq++);
	return nb->last;
}

static void
msg_end(struct nft_batch *nb)
{
	uint32_t len = nb->last->nlmsg_len;

	/* A message that overflows a page is moved to the next one: either
	 * way it ends where the buffer now starts. */
	nftnl_batch_update(nb->b);
	nb->last = (struct nlmsghdr *)((char *)nftnl_batch_buffer(nb->b) - len);
}

/* What a message carries. */
enum obj { O_TABLE, O_SET, O_ELEMS, O_CHAIN, O_RULE };

static void
obj_payload(struct nlmsghdr *nlh, enum obj kind, void *obj)
{
	switch (kind) {
	case O_TABLE:
		nftnl_table_nlmsg_build_payload(nlh, obj);
		break;
	case O_SET:
		nftnl_set_nlmsg_build_payload(nlh, obj);
		break;
	case O_ELEMS:
		nftnl_set_elems_nlmsg_build_payload(nlh, obj);
		break;
	case O_CHAIN:
		nftnl_chain_nlmsg_build_payload(nlh, obj);
		break;
	case O_RULE:
		nftnl_rule_nlmsg_build_payload(nlh, obj);
		break;
	}
}

static void
obj_free(enum obj kind, void *obj)
{
	if (kind == O_TABLE)
		nftnl_table_free(obj);
	else if (kind == O_SET || kind == O_ELEMS)
		nftnl_set_free(obj);
	else if (kind == O_CHAIN)
		nftnl_chain_free(obj);
	else
		nftnl_rule_free(obj);
}

/* One message carrying obj (NULL: it could not be built), which it frees. */
static int
msg_put(struct nft_batch *nb, uint16_t type, enum rs_family fam,
    uint16_t flags, enum obj kind, void *obj, const char *what)
{
	struct nlmsghdr *nlh;

	if (obj == NULL)
		return -1;
	if ((nlh = msg_start(nb, type, fam, flags, "%s", what)) != NULL)
		obj_payload(nlh, kind, obj);
	obj_free(kind, obj);
	if (nlh == NULL)
		return -1;
	msg_end(nb);
	return 0;
}

static int
table_msg(struct nft_batch *nb, enum rs_family fam, uint16_t type,
    uint16_t flags, const char *verb)
{
	struct nftnl_table *t;
	char what[96];

	if ((t = nftnl_table_alloc()) == NULL)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, RS_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, nft_family(fam));
	snprintf(what, sizeof(what), "%s table %s %s", verb,
	    rs_family_name(fam), RS_TABLE);
	return msg_put(nb, type, fam, flags, O_TABLE, t, what);
}

static int
set_create(struct nft_batch *nb, enum rs_family fam, const struct rs_set *s)
{
	char what[96];

	snprintf(what, sizeof(what), "creating set %s %s", rs_family_name(fam),
	    s->name);
	return msg_put(nb, NFT_MSG_NEWSET, fam, NLM_F_CREATE | NLM_F_EXCL,
	    O_SET, nft_set_build(fam, s, ++nb->set_id), what);
}

int
nft_batch_set(struct nft_batch *nb, enum rs_family fam, const struct rs_set *s)
{
	return set_create(nb, fam, s);
}

/* Elements [from, to) of s in one message. */
static int
elems_msg(struct nft_batch *nb, enum rs_family fam, const struct rs_set *s,
    size_t from, size_t to, bool add)
{
	struct nftnl_set *ns;
	struct nftnl_set_elem *e;
	uint32_t len = (uint32_t)rs_key_len(s);
	char what[96];
	size_t i;

	if ((ns = nft_set_ref(fam, s->name)) == NULL)
		return -1;
	for (i = from; i < to; i++) {
		if ((e = nftnl_set_elem_alloc()) == NULL) {
			nftnl_set_free(ns);
			return -1;
		}
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, s->elems[i].key, len);
		if (s->vmap && add) {
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT,
			    (uint32_t)NFT_JUMP);
			nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN,
			    s->elems[i].jump);
		}
		nftnl_set_elem_add(ns, e);
	}
	snprintf(what, sizeof(what), "%s %zu elements %s set %s %s",
	    add ? "adding" : "deleting", to - from, add ? "to" : "from",
	    rs_family_name(fam), s->name);
	return msg_put(nb, add ? NFT_MSG_NEWSETELEM : elem_del_msg, fam,
	    add ? NLM_F_CREATE : 0, O_ELEMS, ns, what);
}

int
nft_batch_elems(struct nft_batch *nb, enum rs_family fam,
    const struct rs_set *s, bool add)
{
	size_t i, to;

	for (i = 0; i < s->n; i = to) {
		to = i + ELEMS_PER_MSG < s->n ? i + ELEMS_PER_MSG : s->n;
		if (elems_msg(nb, fam, s, i, to, add) == -1)
			return -1;
	}
	return 0;
}

static int
chain_create(struct nft_batch *nb, enum rs_family fam, const struct rs_chain *c)
{
	char what[96];

	snprintf(what, sizeof(what), "creating chain %s %s",
	    rs_family_name(fam), c->name);
	return msg_put(nb, NFT_MSG_NEWCHAIN, fam, NLM_F_CREATE | NLM_F_EXCL,
	    O_CHAIN, nft_chain_build(fam, c, CHAIN_ALL), what);
}

int
nft_batch_chain_del(struct nft_batch *nb, enum rs_family fam,
    const struct rs_chain *c)
{
	char what[96];

	snprintf(what, sizeof(what), "deleting chain %s %s",
	    rs_family_name(fam), c->name);
	return msg_put(nb, NFT_MSG_DELCHAIN, fam, 0, O_CHAIN,
	    nft_chain_build(fam, c, CHAIN_NAME), what);
}

static int
rule_create(struct nft_batch *nb, enum rs_family fam, const char *chain,
    const struct rs_rule *r)
{
	char what[96], text[256];

	snprintf(what, sizeof(what), "adding rule to chain %s %s: %.40s",
	    rs_family_name(fam), chain, rs_rule_text(r, text, sizeof(text)));
	return msg_put(nb, NFT_MSG_NEWRULE, fam, NLM_F_CREATE | NLM_F_APPEND,
	    O_RULE, nft_rule_build(fam, chain, r), what);
}

/* Queue appending c's rules, in order. */
static int
chain_rules_create(struct nft_batch *nb, enum rs_family fam,
    const struct rs_chain *c)
{
	size_t i;

	for (i = 0; i < c->n_rules; i++)
		if (rule_create(nb, fam, c->name, c->rules[i]) == -1)
			return -1;
	return 0;
}

int
nft_batch_chain(struct nft_batch *nb, enum rs_family fam,
    const struct rs_chain *c)
{
	if (chain_create(nb, fam, c) == -1)
		return -1;
	return chain_rules_create(nb, fam, c);
}

static int
chains_create(struct nft_batch *nb, const struct rs_table *t)
{
	size_t i;

	for (i = 0; i < t->n_chains; i++)
		if (chain_create(nb, t->family, t->chains[i]) == -1)
			return -1;
	return 0;
}

static int
rules_create(struct nft_batch *nb, const struct rs_table *t)
{
	size_t i;

	for (i = 0; i < t->n_chains; i++)
		if (chain_rules_create(nb, t->family, t->chains[i]) == -1)
			return -1;
	return 0;
}

static int
batch_table(struct nft_batch *nb, const struct rs_table *t, bool exists)
{
	size_t i;

	/*
	 * Replace: create if missing (so the delete cannot fail), delete,
	 * create. When the table is not there the delete is skipped: freeing
	 * it costs the kernel a grace period for nothing. Should one appear
	 * meanwhile, the exclusive create below fails the batch, safely.
	 */
	if (exists && (table_msg(nb, t->family, NFT_MSG_NEWTABLE,
	    NLM_F_CREATE, "creating") == -1 ||
	    table_msg(nb, t->family, NFT_MSG_DELTABLE, 0, "replacing") == -1))
		return -1;
	if (table_msg(nb, t->family, NFT_MSG_NEWTABLE,
	    NLM_F_CREATE | NLM_F_EXCL, "creating") == -1)
		return -1;
	for (i = 0; i < t->n_sets; i++)
		if (set_create(nb, t->family, t->sets[i]) == -1 ||
		    (!t->sets[i]->vmap && nft_batch_elems(nb, t->family,
		    t->sets[i], true) == -1))
			return -1;
	/* All chains before any rule, since rules jump between them, and
	 * before the verdict maps' elements, which jump too. */
	if (chains_create(nb, t) == -1)
		return -1;
	for (i = 0; i < t->n_sets; i++)
		if (t->sets[i]->vmap && nft_batch_elems(nb, t->family,
		    t->sets[i], true) == -1)
			return -1;
	return rules_create(nb, t);
}

int
nft_batch_chains(struct nft_batch *nb, const struct rs_table *t)
{
	return chains_create(nb, t) == -1 ? -1 : rules_create(nb, t);
}

int
nft_batch_chain_rules(struct nft_batch *nb, enum rs_family fam,
    const struct rs_chain *c)
{
	struct nftnl_rule *r;
	char what[96];

	/* A rule message with a chain and no handle: all of its rules. */
	if ((r = nftnl_rule_alloc()) == NULL)
		return -1;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, RS_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, nft_family(fam));
	snprintf(what, sizeof(what), "flushing chain %s %s",
	    rs_family_name(fam), c->name);
	if (msg_put(nb, NFT_MSG_DELRULE, fam, 0, O_RULE, r, what) == -1)
		return -1;
	return chain_rules_create(nb, fam, c);
}

/*
 * Test hook: BRIDGEGUARD_FAULT=reject appends a rule the kernel must refuse
 * (it jumps to a chain that does not exist), to prove that a refused batch
 * leaves the previous ruleset in force.
 */
static int
batch_fault(struct nft_batch *nb)
{
	const char *f = getenv("BRIDGEGUARD_FAULT");
	struct rs_rule *r;
	int rc;

	if (f == NULL || strcmp(f, "reject") != 0)
		return 0;
	if ((r = ir_rule_new()) == NULL)
		return -1;
	ir_verdict(r, NFT_JUMP, "no-such-chain");
	rc = rule_create(nb, RS_NETDEV, "guard_ip4", r);
	free(r);
	return rc;
}

int
nft_batch_ruleset(struct nft_batch *nb, const struct ruleset *rs,
    bool netdev_exists, bool bridge_exists)
{
	if (batch_table(nb, &rs->netdev, netdev_exists) == -1 ||
	    batch_table(nb, &rs->bridge, bridge_exists) == -1) {
		nb->build_errno = errno ? errno : ENOMEM;
		return -1;
	}
	return 0;
}

static int
batch_replace(struct nft_batch *nb, const struct ruleset *rs)
{
	char err[256];

	/* If we cannot tell, assume the table is there: the create-if-missing
	 * before the delete makes that safe. */
	if (nft_batch_ruleset(nb, rs, nft_table_exists(RS_NETDEV, err,
	    sizeof(err)) != 0, nft_table_exists(RS_BRIDGE, err,
	    sizeof(err)) != 0) == -1)
		return -1;
	if (batch_fault(nb) == -1) {
		nb->build_errno = errno ? errno : ENOMEM;
		return -1;
	}
	return 0;
}

int
nft_replace(const struct ruleset *rs, char *err, size_t errlen)
{
	struct nft_batch *nb;
	int rc;

	if ((nb = nft_batch_new()) == NULL) {
		snprintf(err, errlen, "building the batch: %s",
		    strerror(errno));
		return -1;
	}
	/* A failure to build is recorded in nb and reported by commit. */
	batch_replace(nb, rs);
	rc = nft_batch_commit(nb, err, errlen);
	nft_batch_free(nb);
	return rc;
}

int
nft_batch_foreach(const struct nft_batch *nb, nft_msg_cb cb, void *arg)
{
	struct iovec *iov;
	int n = nftnl_batch_iovec_len(nb->b), i, len, rc = 0;
	const struct nlmsghdr *nlh;
	size_t k;

	if ((iov = calloc((size_t)n, sizeof(*iov))) == NULL)
		return -1;
	nftnl_batch_iovec(nb->b, iov, (uint32_t)n);
	for (i = 0; i < n && rc == 0; i++) {
		len = (int)iov[i].iov_len;
		for (nlh = iov[i].iov_base; mnl_nlmsg_ok(nlh, len) && rc == 0;
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			k = nlh->nlmsg_seq - nb->seq0;
			/* The batch's begin and end describe nothing. */
			if (k == 0 || k >= nb->seq - nb->seq0 ||
			    nlh->nlmsg_type == NFNL_MSG_BATCH_END)
				continue;
			rc = cb(nlh, nb->what[k], arg);
		}
	}
	free(iov);
	return rc;
}

int
nft_batch_table(struct nft_batch *nb, enum rs_family fam)
{
	if (table_msg(nb, fam, NFT_MSG_NEWTABLE, NLM_F_CREATE, "creating") ==
	    -1) {
		nb->build_errno = errno ? errno : ENOMEM;
		return -1;
	}
	return 0;
}

int
nft_batch_flush(struct nft_batch *nb, bool netdev, bool bridge)
{
	if ((netdev && table_msg(nb, RS_NETDEV, NFT_MSG_DELTABLE, 0,
	    "deleting") == -1) || (bridge && table_msg(nb, RS_BRIDGE,
	    NFT_MSG_DELTABLE, 0, "deleting") == -1)) {
		nb->build_errno = errno ? errno : ENOMEM;
		return -1;
	}
	return 0;
}

static const char *
hint(int e)
{
	if (e == EPERM)
		return " (bridgeguard needs root or CAP_NET_ADMIN)";
	if (e == EOPNOTSUPP)
		return " (does this kernel have nf_tables with netdev and "
		    "bridge families, egress hook, dynset, log?)";
	return "";
}

/* The kernel's extended-ack text, if any. */
static const char *
extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			return mnl_attr_get_str(a);
	return NULL;
}

struct verdict {
	struct nft_batch	*nb;
	size_t			 acks;
	int			 error;
	char			*err;
	size_t			 errlen;
};

static void
verdict_error(struct verdict *v, const struct nlmsghdr *nlh, int error)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t i = e->msg.nlmsg_seq - v->nb->seq0;
	const char *what = i > 0 && i < v->nb->seq - v->nb->seq0 ?
	    v->nb->what[i] : "starting the transaction";
	const char *why = extack_msg(nlh);

	if (v->error)		/* the first refusal is the cause */
		return;
	v->error = error;
	snprintf(v->err, v->errlen, "%s: %s%s%s%s", what, strerror(error),
	    why ? " (" : "", why ? why : "", why ? ")" : hint(error));
}

static void
verdict_read(struct verdict *v, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int n = (int)len;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		const struct nlmsgerr *e;

		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		e = mnl_nlmsg_get_payload(nlh);
		if (e->error == 0)
			v->acks++;
		else
			verdict_error(v, nlh, -e->error);
	}
}

static int
batch_send(struct mnl_socket *nl, struct nft_batch *nb)
{
	int n = nftnl_batch_iovec_len(nb->b);
	struct iovec *iov;
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { 0 };
	int size = 0, i, fd = mnl_socket_get_fd(nl);
	ssize_t rc;

	if ((iov = calloc((size_t)n, sizeof(*iov))) == NULL)
		return -1;
	nftnl_batch_iovec(nb->b, iov, (uint32_t)n);
	for (i = 0; i < n; i++)
		size += (int)iov[i].iov_len;
	/* The kernel takes the batch as one skb: room for all of it. */
	size += 4096;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	rc = sendmsg(fd, &msg, 0);
	free(iov);
	return rc == -1 ? -1 : 0;
}

/*
 * The socket batches go through, kept for the life of the process: closing
 * a netlink socket after a transaction that deleted objects waits for the
 * kernel to free them (an RCU grace period, ~10 ms), which a daemon making
 * one small change at a time should not pay each time.
 */
static struct mnl_socket *commit_nl;

static struct mnl_socket *
commit_socket(char *err, size_t errlen)
{
	char junk[256];

	if (commit_nl == NULL)
		commit_nl = nft_socket_open(err, errlen);
	else	/* nothing of an earlier batch may be read as this one's */
		while (recv(mnl_socket_get_fd(commit_nl), junk, sizeof(junk),
		    MSG_DONTWAIT) > 0)
			;
	return commit_nl;
}

/*
 * Sends the batch and reads the kernel's verdict. Without the end message
 * (commit false) the kernel checks every message and then aborts, changing
 * nothing, as `nft --check` does.
 */
static int
batch_talk(struct nft_batch *nb, bool commit, char *err, size_t errlen)
{
	struct verdict v = { nb, 0, 0, err, errlen };
	struct mnl_socket *nl;
	char *buf;
	ssize_t n;

	nb->last->nlmsg_flags |= NLM_F_ACK;
	if (commit) {
		nftnl_batch_end(nftnl_batch_buffer(nb->b), nb->seq++);
		nftnl_batch_update(nb->b);
	}
	if ((nl = commit_socket(err, errlen)) == NULL)
		return -1;
	if ((buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4)) == NULL ||
	    batch_send(nl, nb) == -1) {
		v.error = errno;
		snprintf(err, errlen, "sending the batch: %s%s",
		    strerror(errno), hint(errno));
		goto out;
	}
	/* nfnetlink handled the whole batch inside sendmsg(): drain replies. */
	while ((n = recv(mnl_socket_get_fd(nl), buf,
	    MNL_SOCKET_BUFFER_SIZE * 4, MSG_DONTWAIT)) > 0)
		verdict_read(&v, buf, (size_t)n);
	if (n == -1 && errno != EAGAIN && !v.error) {
		v.error = errno;
		snprintf(err, errlen, "reading the kernel's answer: %s",
		    strerror(errno));
	} else if (!v.error && v.acks != 1) {
		v.error = EPROTO;
		snprintf(err, errlen, "the kernel did not acknowledge the "
		    "batch");
	}
out:
	free(buf);
	if (v.error && v.error != EPERM) {	/* start afresh next time */
		mnl_socket_close(commit_nl);
		commit_nl = NULL;
	}
	errno = v.error;
	return v.error ? -1 : 0;
}

int
nft_batch_check(struct nft_batch *nb, char *err, size_t errlen)
{
	if (nb->build_errno) {
		snprintf(err, errlen, "building the batch: %s",
		    strerror(nb->build_errno));
		errno = nb->build_errno;
		return -1;
	}
	if (nb->last == NULL)
		return 0;
	return batch_talk(nb, false, err, errlen);
}

int
nft_batch_commit(struct nft_batch *nb, char *err, size_t errlen)
{
	if (nb->build_errno) {
		snprintf(err, errlen, "building the batch: %s",
		    strerror(nb->build_errno));
		errno = nb->build_errno;
		return -1;
	}
	if (nb->last == NULL) {		/* nothing to do */
		errno = 0;
		return 0;
	}
	return batch_talk(nb, true, err, errlen);
}
