/*
 * Building rule descriptions (ir.h). Every builder appends one statement
 * and checks its bounds: what does not fit marks the rule as overflowed
 * (ruleset_build() then fails, naming the chain), and a NULL rule, which
 * an allocation failure leaves, is ignored, so that building code need not
 * check each step.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

struct rs_rule *
ir_rule_new(void)
{
	return calloc(1, sizeof(struct rs_rule));
}

static struct ir_stmt *
stmt(struct rs_rule *r, enum ir_kind kind)
{
	struct ir_stmt *s;

	if (r == NULL)
		return NULL;
	if (r->n == IR_MAX_STMTS) {
		r->overflow = true;
		return NULL;
	}
	s = &r->s[r->n++];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	return s;
}

static void
name(char dst[IR_NAME], const char *src, struct rs_rule *r)
{
	if (src == NULL)
		return;
	if (strlen(src) >= IR_NAME)
		r->overflow = true;
	snprintf(dst, IR_NAME, "%s", src);
}

static struct ir_match *
match(struct rs_rule *r, enum ir_fid f, enum ir_op op, enum ir_rhs rhs)
{
	struct ir_stmt *s = stmt(r, S_MATCH);

	if (s == NULL)
		return NULL;
	s->u.match.lhs = IR_KEY(f);
	s->u.match.op = (uint8_t)op;
	s->u.match.rhs = (uint8_t)rhs;
	return &s->u.match;
}

void
ir_cmp(struct rs_rule *r, enum ir_fid f, enum ir_op op, const void *value)
{
	struct ir_match *m = match(r, f, op, RHS_VALUE);

	if (m)
		memcpy(m->value, value, ir_field_len(f));
}

void
ir_cmp_merged(struct rs_rule *r, enum ir_fid f, const void *value)
{
	struct ir_match *m = match(r, f, OP_EQ, RHS_VALUE);

	if (m == NULL)
		return;
	memcpy(m->value, value, ir_field_len(f));
	m->merged = true;
}

void
ir_bits(struct rs_rule *r, enum ir_fid f, const void *mask, const void *value)
{
	struct ir_match *m = match(r, f, OP_EQ, RHS_VALUE);

	if (m == NULL)
		return;
	m->masked = true;
	memcpy(m->mask, mask, ir_field_len(f));
	memcpy(m->value, value, ir_field_len(f));
}

void
ir_prefix(struct rs_rule *r, enum ir_fid f, const void *addr,
    unsigned int plen)
{
	struct ir_match *m = match(r, f, OP_EQ, RHS_PREFIX);

	if (m == NULL)
		return;
	if (plen > ir_field_len(f) * 8)
		r->overflow = true;
	memcpy(m->value, addr, ir_field_len(f));
	m->plen = (uint8_t)plen;
}

void
ir_range(struct rs_rule *r, enum ir_fid f, bool invert, const void *from,
    const void *to)
{
	struct ir_match *m = match(r, f, invert ? OP_NEQ : OP_EQ, RHS_RANGE);

	if (m == NULL)
		return;
	memcpy(m->value, from, ir_field_len(f));
	memcpy(m->to, to, ir_field_len(f));
}

static void
set_match(struct rs_rule *r, struct ir_key k, const char *set, enum ir_op op,
    enum ir_rhs rhs)
{
	struct ir_stmt *s;

	if (k.n == 0 || k.n > IR_MAX_CONCAT) {
		if (r)
			r->overflow = true;
		return;
	}
	if ((s = stmt(r, S_MATCH)) == NULL)
		return;
	s->u.match.lhs = k;
	s->u.match.op = (uint8_t)op;
	s->u.match.rhs = (uint8_t)rhs;
	name(s->u.match.set, set, r);
}

void
ir_lookup(struct rs_rule *r, struct ir_key k, const char *set, bool invert)
{
	set_match(r, k, set, invert ? OP_NEQ : OP_EQ, RHS_SET);
}

void
ir_vmap(struct rs_rule *r, struct ir_key k, const char *set)
{
	set_match(r, k, set, OP_EQ, RHS_VMAP);
}

void
ir_counter(struct rs_rule *r)
{
	stmt(r, S_COUNTER);
}

/* l with nft's defaults: burst 5, unit a second. */
static struct ir_limit
ir_limit_value(const struct ir_limit *l)
{
	struct ir_limit v = *l;

	if (v.burst == 0)
		v.burst = 5;	/* nft's default, which it always sends */
	if (v.unit == 0)
		v.unit = 1;
	return v;
}

void
ir_limit(struct rs_rule *r, const struct ir_limit *l)
{
	struct ir_stmt *s = stmt(r, S_LIMIT);

	if (s)
		s->u.limit = ir_limit_value(l);
}

void
ir_log(struct rs_rule *r, const char *prefix, unsigned int group)
{
	struct ir_stmt *s = stmt(r, S_LOG);

	if (s == NULL)
		return;
	name(s->u.log.prefix, prefix, r);
	s->u.log.group = (uint16_t)group;
}

void
ir_dynset(struct rs_rule *r, enum ir_dynset_op op, const char *set,
    struct ir_key k, const struct ir_stateful *st, size_t n)
{
	struct ir_stmt *s;
	size_t i;

	if (k.n == 0 || k.n > IR_MAX_CONCAT || n > IR_MAX_STATEFUL) {
		if (r)
			r->overflow = true;
		return;
	}
	if ((s = stmt(r, S_DYNSET)) == NULL)
		return;
	s->u.dynset.op = (uint8_t)op;
	s->u.dynset.key = k;
	name(s->u.dynset.set, set, r);
	for (i = 0; i < n; i++) {
		s->u.dynset.st[i].kind = st[i].kind;
		s->u.dynset.st[i].limit = ir_limit_value(&st[i].limit);
	}
	s->u.dynset.n_st = (uint8_t)n;
}

void
ir_mark_or(struct rs_rule *r, uint32_t bits)
{
	struct ir_stmt *s = stmt(r, S_META_SET);

	if (s == NULL)
		return;
	s->u.meta_set.field = FLD_MARK;
	s->u.meta_set.or_self = true;
	memcpy(s->u.meta_set.value, &bits, sizeof(bits));
}

void
ir_mark_clear(struct rs_rule *r, uint32_t bits)
{
	struct ir_stmt *s = stmt(r, S_META_SET);

	if (s == NULL)
		return;
	bits = ~bits;
	s->u.meta_set.field = FLD_MARK;
	s->u.meta_set.and_self = true;
	memcpy(s->u.meta_set.value, &bits, sizeof(bits));
}

void
ir_dup(struct rs_rule *r, const char *dev, int ifindex)
{
	struct ir_stmt *s = stmt(r, S_DUP);

	if (s == NULL)
		return;
	if (strlen(dev) >= BG_IFNAMSIZ)
		r->overflow = true;
	snprintf(s->u.dev.name, sizeof(s->u.dev.name), "%s", dev);
	s->u.dev.ifindex = ifindex;
}

void
ir_verdict(struct rs_rule *r, uint32_t code, const char *chain)
{
	struct ir_stmt *s = stmt(r, S_VERDICT);

	if (s == NULL)
		return;
	s->u.verdict.code = code;
	name(s->u.verdict.chain, chain, r);
}
