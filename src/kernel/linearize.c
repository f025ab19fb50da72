/*
 * Rule descriptions (ruleset/ir.h) → libnftnl objects: the expressions nft
 * itself generates for the text print.c writes from the same description.
 *
 * Per match: first the dependencies nft adds for its fields (`meta
 * protocol ip` before `ip saddr`) unless an earlier match of the rule
 * satisfied them, then a load of each field into the registers (a
 * concatenation fills them one after the other, each field padded to 32
 * bits), then the comparison: cmp, bitwise and cmp, range, or lookup.
 * Actions load what they need the same way.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <stdlib.h>
#include <string.h>

#include "linearize.h"

/* A rule being linearized. */
struct lin {
	struct nftnl_rule	*r;
	enum rs_family		 fam;
	bool			 sat[D_N];	/* dependencies met */
	struct nftnl_expr	*load, *cmp;	/* the last match's, to merge */
	int			 error;
};

uint16_t
nft_family(enum rs_family f)
{
	return f == RS_NETDEV ? NFPROTO_NETDEV : NFPROTO_BRIDGE;
}

static struct nftnl_expr *
add(struct lin *l, const char *name)
{
	struct nftnl_expr *e;

	if (l->error)
		return NULL;
	if ((e = nftnl_expr_alloc(name)) == NULL) {
		l->error = ENOMEM;
		return NULL;
	}
	nftnl_rule_add_expr(l->r, e);
	return e;
}

/* The register of the byte at off of a key: 16-byte ones where aligned. */
static uint32_t
reg_at(size_t off)
{
	return off % 16 == 0 ? NFT_REG_1 + (uint32_t)(off / 16) :
	    NFT_REG32_00 + (uint32_t)(off / 4);
}

static const uint32_t bases[] = {
	[B_LL] = NFT_PAYLOAD_LL_HEADER, [B_NH] = NFT_PAYLOAD_NETWORK_HEADER,
	[B_TH] = NFT_PAYLOAD_TRANSPORT_HEADER,
};

/* reg1 = (reg1 & mask) ^ xor */
static void
bitwise(struct lin *l, const void *mask, const void *xor, uint32_t len)
{
	struct nftnl_expr *e;

	if ((e = add(l, "bitwise")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
}

/* A field of bits: nft masks what it loaded (into reg 1, as all fields
 * of bits are loaded alone). */
static void
field_mask(struct lin *l, uint16_t mask)
{
	const uint8_t m[2] = { (uint8_t)(mask >> 8), (uint8_t)mask }, x[2] =
	    { 0, 0 };

	bitwise(l, m, x, 2);
}

/* Loads len bytes of field f (0: all of it) into reg. */
static struct nftnl_expr *
load(struct lin *l, enum ir_fid f, uint32_t len, uint32_t reg)
{
	const struct ir_field *d = &ir_fields[f];
	struct nftnl_expr *e = NULL;

	if (len == 0)
		len = (uint32_t)ir_field_len(f);
	switch (d->base) {
	case B_META:
		if ((e = add(l, "meta")) == NULL)
			return NULL;
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
		break;
	case B_EXTHDR:
		if ((e = add(l, "exthdr")) == NULL)
			return NULL;
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, reg);
		nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, (uint8_t)d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, d->off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_IPV6);
		break;
	case B_LL:
	case B_NH:
	case B_TH:
		if ((e = add(l, "payload")) == NULL)
			return NULL;
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, bases[d->base]);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, d->off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		break;
	}
	if (d->mask)
		field_mask(l, d->mask);
	return e;
}

static const uint32_t cmp_ops[] = {
	[OP_EQ] = NFT_CMP_EQ, [OP_NEQ] = NFT_CMP_NEQ, [OP_LT] = NFT_CMP_LT,
	[OP_LTE] = NFT_CMP_LTE, [OP_GT] = NFT_CMP_GT, [OP_GTE] = NFT_CMP_GTE,
};

static struct nftnl_expr *
cmp(struct lin *l, enum ir_op op, const void *data, uint32_t len)
{
	struct nftnl_expr *e;

	if ((e = add(l, "cmp")) == NULL)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, cmp_ops[op]);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return e;
}

/* An equality on one whole field satisfies the dependencies it is. */
static void
satisfy(struct lin *l, enum ir_fid f, const uint8_t *value)
{
	uint8_t v[IR_DATA];
	int d;

	for (d = 1; d < D_N; d++) {
		ir_dep_value((enum ir_dep)d, v);
		if (ir_deps[d].field == f && memcmp(v, value,
		    ir_field_len(f)) == 0)
			l->sat[d] = true;
	}
}

static void
dependency(struct lin *l, enum ir_dep d)
{
	uint8_t v[IR_DATA];

	if (d == D_NONE || l->sat[d] ||
	    (ir_deps[d].netdev_only && l->fam != RS_NETDEV))
		return;
	ir_dep_value(d, v);
	load(l, ir_deps[d].field, 0, NFT_REG_1);
	cmp(l, OP_EQ, v, (uint32_t)ir_field_len(ir_deps[d].field));
	l->sat[d] = true;
}

static void
key_deps(struct lin *l, const struct ir_key *k)
{
	size_t i, j;

	for (i = 0; i < k->n; i++)
		for (j = 0; j < 2; j++)
			dependency(l, ir_fields[k->f[i]].dep[j]);
}

/* The dependencies of a key's fields, then their loads from reg 1 on. */
static void
load_key(struct lin *l, const struct ir_key *k)
{
	size_t i, off = 0;

	key_deps(l, k);
	for (i = 0; i < k->n; i++) {
		load(l, k->f[i], 0, reg_at(off));
		off += (ir_field_len(k->f[i]) + 3) & ~(size_t)3;
	}
}

/* One more field into the last match's load and compare, as nft does. */
static void
merge(struct lin *l, const struct ir_match *m)
{
	uint8_t data[IR_DATA];
	const void *old;
	uint32_t len, add_len = (uint32_t)ir_field_len(m->lhs.f[0]);

	if (l->load == NULL || l->cmp == NULL || (old = nftnl_expr_get(l->cmp,
	    NFTNL_EXPR_CMP_DATA, &len)) == NULL || len + add_len > IR_DATA) {
		l->error = EINVAL;
		return;
	}
	memcpy(data, old, len);
	memcpy(data + len, m->value, add_len);
	nftnl_expr_set_u32(l->load, NFTNL_EXPR_PAYLOAD_LEN, len + add_len);
	nftnl_expr_set(l->cmp, NFTNL_EXPR_CMP_DATA, data, len + add_len);
}

/* ip saddr NET/PLEN as nft encodes it: a byte-aligned prefix compares its
 * leading bytes, any other (and /0) masks the whole field. */
static void
prefix(struct lin *l, const struct ir_match *m)
{
	enum ir_fid f = m->lhs.f[0];
	uint32_t alen = (uint32_t)ir_field_len(f), len, i;
	uint8_t mask[IR_DATA] = { 0 }, net[IR_DATA] = { 0 }, zero[IR_DATA] =
	    { 0 };
	bool masked;

	masked = m->plen % 8 || m->plen == 0;
	len = masked ? alen : m->plen / 8u;
	l->load = load(l, f, len, NFT_REG_1);
	memcpy(net, m->value, len);
	if (masked) {
		for (i = 0; i < len; i++)
			mask[i] = i < m->plen / 8u ? 0xff : i == m->plen / 8u ?
			    (uint8_t)(0xff << (8 - m->plen % 8)) : 0;
		bitwise(l, mask, zero, len);
		for (i = 0; i < len; i++)
			net[i] &= mask[i];
	}
	l->cmp = cmp(l, (enum ir_op)m->op, net, len);
}

/* One range expression, either way (nft 1.1 does the same for a range;
 * older nft sent two compares for one in a range). */
static void
range(struct lin *l, const struct ir_match *m)
{
	uint32_t len = (uint32_t)ir_field_len(m->lhs.f[0]);
	struct nftnl_expr *e;

	l->load = load(l, m->lhs.f[0], 0, NFT_REG_1);
	if ((e = add(l, "range")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, m->op == OP_EQ ?
	    NFT_RANGE_EQ : NFT_RANGE_NEQ);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, m->value, len);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, m->to, len);
}

static void
lookup(struct lin *l, const struct ir_match *m)
{
	struct nftnl_expr *e;

	if ((e = add(l, "lookup")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, m->set);
	if (m->rhs == RHS_VMAP)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	else if (m->op == OP_NEQ)	/* no flags at all otherwise, as nft */
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS,
		    NFT_LOOKUP_F_INV);
}

static void
match(struct lin *l, const struct ir_match *m)
{
	uint32_t len = (uint32_t)ir_field_len(m->lhs.f[0]);
	static const uint8_t zero[IR_DATA];

	if (m->merged) {
		merge(l, m);
		return;
	}
	l->load = l->cmp = NULL;
	if (m->rhs == RHS_SET || m->rhs == RHS_VMAP) {
		load_key(l, &m->lhs);
		lookup(l, m);
		return;
	}
	key_deps(l, &m->lhs);
	if (m->rhs == RHS_PREFIX) {
		prefix(l, m);
		return;
	}
	if (m->rhs == RHS_RANGE) {
		range(l, m);
		return;
	}
	l->load = load(l, m->lhs.f[0], 0, NFT_REG_1);
	if (m->masked)
		bitwise(l, m->mask, zero, len);
	l->cmp = cmp(l, (enum ir_op)m->op, m->value, len);
	if (m->op == OP_EQ && !m->masked)
		satisfy(l, m->lhs.f[0], m->value);
}

static void
limit(struct lin *l, struct nftnl_expr *e, const struct ir_limit *lim)
{
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, lim->rate);
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, lim->unit);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, lim->burst);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, lim->over ?
	    NFT_LIMIT_F_INV : 0);
	(void)l;
}

/* The stateful expressions an element of a dynset carries (libnftnl sends
 * one as the attribute every kernel knows, more as a list: Linux 5.11). */
static void
dynset_stateful(struct lin *l, struct nftnl_expr *ds, const struct ir_stmt *s)
{
	struct nftnl_expr *e;
	size_t i;

	for (i = 0; i < s->u.dynset.n_st && !l->error; i++) {
		const struct ir_stateful *st = &s->u.dynset.st[i];

		if ((e = nftnl_expr_alloc(st->kind == S_LIMIT ? "limit" :
		    "counter")) == NULL) {
			l->error = ENOMEM;
			return;
		}
		if (st->kind == S_LIMIT)
			limit(l, e, &st->limit);
		nftnl_expr_add_expr(ds, NFTNL_EXPR_DYNSET_EXPRESSIONS, e);
	}
}

static void
dynset(struct lin *l, const struct ir_stmt *s)
{
	struct nftnl_expr *e;

	load_key(l, &s->u.dynset.key);
	if ((e = add(l, "dynset")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, s->u.dynset.op == DYN_ADD ?
	    NFT_DYNSET_OP_ADD : NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, s->u.dynset.set);
	dynset_stateful(l, e, s);
}

/* meta KEY set meta KEY | value, or & value */
static void
meta_set(struct lin *l, const struct ir_stmt *s)
{
	enum ir_fid f = s->u.meta_set.field;
	uint32_t len = (uint32_t)ir_field_len(f), i;
	uint8_t mask[IR_DATA];
	struct nftnl_expr *e;

	load(l, f, 0, NFT_REG_1);
	if (s->u.meta_set.or_self) {
		for (i = 0; i < len; i++)
			mask[i] = (uint8_t)~s->u.meta_set.value[i];
		bitwise(l, mask, s->u.meta_set.value, len);
	} else {
		memset(mask, 0, sizeof(mask));
		bitwise(l, s->u.meta_set.value, mask, len);
	}
	if ((e = add(l, "meta")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, ir_fields[f].key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
}

/* dup takes the device's ifindex from a register. */
static void
dup(struct lin *l, const struct ir_stmt *s)
{
	struct nftnl_expr *e;
	uint32_t ifindex = (uint32_t)s->u.dev.ifindex;

	if ((e = add(l, "immediate")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &ifindex, sizeof(ifindex));
	if ((e = add(l, "dup")) != NULL)
		nftnl_expr_set_u32(e, NFTNL_EXPR_DUP_SREG_DEV, NFT_REG_1);
}

static void
verdict(struct lin *l, const struct ir_stmt *s)
{
	struct nftnl_expr *e;

	if ((e = add(l, "immediate")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, s->u.verdict.code);
	if (s->u.verdict.chain[0])
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN,
		    s->u.verdict.chain);
}

static void
statement(struct lin *l, const struct ir_stmt *s)
{
	struct nftnl_expr *e;

	switch (s->kind) {
	case S_MATCH:
		match(l, &s->u.match);
		break;
	case S_COUNTER:
		add(l, "counter");
		break;
	case S_LIMIT:
		if ((e = add(l, "limit")) != NULL)
			limit(l, e, &s->u.limit);
		break;
	case S_LOG:
		if ((e = add(l, "log")) == NULL)
			break;
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, s->u.log.prefix);
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, s->u.log.group);
		break;
	case S_DYNSET:
		dynset(l, s);
		break;
	case S_META_SET:
		meta_set(l, s);
		break;
	case S_DUP:
		dup(l, s);
		break;
	case S_VERDICT:
		verdict(l, s);
		break;
	default:
		l->error = EINVAL;
	}
}

struct nftnl_rule *
nft_rule_build(enum rs_family fam, const char *chain, const struct rs_rule *r)
{
	struct lin l = { .fam = fam };
	size_t i;

	if ((l.r = nftnl_rule_alloc()) == NULL)
		return NULL;
	nftnl_rule_set_str(l.r, NFTNL_RULE_TABLE, RS_TABLE);
	nftnl_rule_set_str(l.r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(l.r, NFTNL_RULE_FAMILY, nft_family(fam));
	for (i = 0; i < r->n && !l.error; i++)
		statement(&l, &r->s[i]);
	if (l.error) {
		nftnl_rule_free(l.r);
		errno = l.error;
		return NULL;
	}
	return l.r;
}

/*
 * nft prints the keys of an ifname set only if told they are in host byte
 * order (strings are), as nft itself records in the set's user data.
 */
static int
set_udata(struct nftnl_set *ns)
{
	struct nftnl_udata_buf *ud;
	int rc = -1;

	if ((ud = nftnl_udata_buf_alloc(64)) == NULL)
		return -1;
	if (nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1) &&
	    nftnl_set_set_data(ns, NFTNL_SET_USERDATA,
	    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud)) == 0)
		rc = 0;
	nftnl_udata_buf_free(ud);
	return rc;
}

struct nftnl_set *
nft_set_ref(enum rs_family fam, const char *name)
{
	struct nftnl_set *ns;

	if ((ns = nftnl_set_alloc()) == NULL)
		return NULL;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, RS_TABLE);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, nft_family(fam));
	return ns;
}

/* Key types concatenate 6 bits apart, as nft packs them. */
static uint32_t
key_type(const struct rs_set *s)
{
	uint32_t type = 0;
	size_t i;

	for (i = 0; i < s->n_key; i++)
		type = type << 6 | ir_types[s->key[i]].nft;
	return type;
}

struct nftnl_set *
nft_set_build(enum rs_family fam, const struct rs_set *s, uint32_t id)
{
	struct nftnl_set *ns;
	struct nftnl_expr *ctr;

	if ((ns = nft_set_ref(fam, s->name)) == NULL)
		return NULL;
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, key_type(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, (uint32_t)rs_key_len(s));
	nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
	if (s->n_key == 1 && ir_types[s->key[0]].host && set_udata(ns) == -1)
		goto err;
	if (s->vmap) {
		nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		return ns;
	}
	if (!s->dynamic && !s->counters) {
		nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, 0);
		return ns;
	}
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, NFT_SET_EVAL);
	nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, 65535);
	if (!s->counters)
		return ns;
	if ((ctr = nftnl_expr_alloc("counter")) == NULL)
		goto err;
	nftnl_set_add_expr(ns, ctr);
	return ns;
err:
	nftnl_set_free(ns);
	return NULL;
}

static const uint32_t hooknums[] = {
	[H_INGRESS] = NF_NETDEV_INGRESS, [H_EGRESS] = NF_NETDEV_EGRESS,
	[H_PREROUTING] = NF_BR_PRE_ROUTING, [H_FORWARD] = NF_BR_FORWARD,
	[H_OUTPUT] = NF_BR_LOCAL_OUT, [H_INPUT] = NF_BR_LOCAL_IN,
};

/* Sets the hook's device list; libnftnl copies the names. */
static int
chain_devs(struct nftnl_chain *nc, const struct rs_chain *c)
{
	const char **devs;
	size_t i;
	int rc;

	if ((devs = calloc(c->n_devs + 1, sizeof(*devs))) == NULL)
		return -1;
	for (i = 0; i < c->n_devs; i++)
		devs[i] = c->devs[i];
	rc = nftnl_chain_set_array(nc, NFTNL_CHAIN_DEVICES, devs);
	free(devs);
	return rc < 0 ? -1 : 0;
}

struct nftnl_chain *
nft_chain_build(enum rs_family fam, const struct rs_chain *c,
    enum nft_chain_part part)
{
	struct nftnl_chain *nc;
	bool netdev = c->hook == H_INGRESS || c->hook == H_EGRESS;

	if ((nc = nftnl_chain_alloc()) == NULL)
		return NULL;
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, RS_TABLE);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, c->name);
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_FAMILY, nft_family(fam));
	if (part == CHAIN_NAME || c->hook == H_NONE)
		return nc;
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, hooknums[c->hook]);
	nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, c->prio);
	if (part == CHAIN_ALL) {
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	if (netdev && chain_devs(nc, c) == -1) {
		nftnl_chain_free(nc);
		return NULL;
	}
	return nc;
}
