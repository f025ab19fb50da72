/*
 * Ruleset → nft syntax, from the same descriptions the kernel's batch is
 * built from. Fed to `nft -f`, the output replaces bridgeguard's tables
 * exactly as `apply` does over netlink.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

struct name {
	unsigned int	 value;
	const char	*name;
};

static const struct name ethertypes[] = {
	{ 0x0800, "ip" }, { 0x86dd, "ip6" }, { 0x0806, "arp" },
	{ 0x8100, "vlan" }, { 0x88a8, "8021ad" }, { 0, NULL },
};
static const struct name l4protos[] = {
	{ 1, "icmp" }, { 6, "tcp" }, { 17, "udp" }, { 58, "ipv6-icmp" },
	{ 0, NULL },
};
static const struct name icmpv6_types[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" },
	{ 128, "echo-request" }, { 129, "echo-reply" },
	{ 130, "mld-listener-query" }, { 131, "mld-listener-report" },
	{ 133, "nd-router-solicit" }, { 134, "nd-router-advert" },
	{ 135, "nd-neighbor-solicit" }, { 136, "nd-neighbor-advert" },
	{ 137, "nd-redirect" }, { 143, "mld2-listener-report" }, { 0, NULL },
};

static const char *
name_of(const struct name *t, unsigned int v)
{
	for (; t->name; t++)
		if (t->value == v)
			return t->name;
	return NULL;
}

static unsigned long long
be_value(const uint8_t *v, size_t len)
{
	unsigned long long n = 0;
	size_t i;

	for (i = 0; i < len && i < sizeof(n); i++)
		n = n << 8 | v[i];
	return n;
}

/* One value of a type, as nft writes it. len is the field's. */
static void
print_value(FILE *f, enum ir_type t, const uint8_t *v, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	const char *n = NULL;
	uint32_t host = 0;
	size_t i;

	switch (t) {
	case T_IFNAME:
		fprintf(f, "\"%.*s\"", BG_IFNAMSIZ, (const char *)v);
		return;
	case T_ETHER:
		fprintf(f, "%s", mac_format(v, buf));
		return;
	case T_IPV4:
	case T_IPV6:
		fprintf(f, "%s", inet_ntop(t == T_IPV4 ? AF_INET : AF_INET6, v,
		    buf, sizeof(buf)));
		return;
	case T_ETHERTYPE:
		n = name_of(ethertypes, (unsigned int)be_value(v, 2));
		break;
	case T_L4PROTO:
		n = name_of(l4protos, v[0]);
		break;
	case T_ICMPV6_TYPE:
		n = name_of(icmpv6_types, v[0]);
		break;
	case T_MARK:
		memcpy(&host, v, 4);
		fprintf(f, "0x%08x", host);
		return;
	case T_IFTYPE:
		memcpy(&host, v, 2);
		n = host == 1 ? "ether" : NULL;
		break;
	case T_BYTES:
		fprintf(f, "0x");
		for (i = 0; i < len; i++)
			fprintf(f, "%02x", v[i]);
		return;
	case T_INET_SERVICE:
	case T_BITS:
	case T_UINT:
	case T_N:
		break;
	}
	if (n)
		fprintf(f, "%s", n);
	else if (t == T_BITS || t == T_ETHERTYPE)
		fprintf(f, "0x%llx", be_value(v, len));
	else
		fprintf(f, "%llu", be_value(v, len));
}

static void
print_key(FILE *f, const struct ir_key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		fprintf(f, "%s%s", i ? " . " : "", ir_fields[k->f[i]].name);
}

/* A field of bits prints as nft writes it: shifted down to bit 0. */
static void
print_field_value(FILE *f, enum ir_fid fid, const uint8_t *v)
{
	uint16_t mask = ir_fields[fid].mask, n;
	uint8_t shifted[2];

	if (mask == 0) {
		print_value(f, ir_fields[fid].type, v, ir_field_len(fid));
		return;
	}
	n = (uint16_t)((v[0] << 8 | v[1]) & mask);
	while ((mask & 1) == 0)
		mask >>= 1, n >>= 1;
	shifted[0] = (uint8_t)(n >> 8);
	shifted[1] = (uint8_t)n;
	print_value(f, ir_fields[fid].type, shifted, 2);
}

/* A named value would make a range ambiguous (nd-router-solicit-...):
 * its ends print as numbers. */
static void
print_range_end(FILE *f, enum ir_fid fid, const uint8_t *v)
{
	enum ir_type t = ir_fields[fid].type;

	if (t == T_ICMPV6_TYPE || t == T_L4PROTO)
		fprintf(f, "%u", v[0]);
	else
		print_field_value(f, fid, v);
}

static const char *const ops[] = {
	[OP_EQ] = "", [OP_NEQ] = "!= ", [OP_LT] = "< ", [OP_LTE] = "<= ",
	[OP_GT] = "> ", [OP_GTE] = ">= ",
};

static void
print_match(FILE *f, const struct ir_match *m)
{
	enum ir_fid fid = m->lhs.f[0];

	print_key(f, &m->lhs);
	fprintf(f, " ");
	if (m->masked) {
		fprintf(f, "& ");
		print_field_value(f, fid, m->mask);
		fprintf(f, " %s ", m->op == OP_EQ ? "==" : ops[m->op]);
		print_field_value(f, fid, m->value);
		return;
	}
	fprintf(f, "%s", ops[m->op]);
	switch (m->rhs) {
	case RHS_VALUE:
		print_field_value(f, fid, m->value);
		break;
	case RHS_PREFIX:
		print_field_value(f, fid, m->value);
		fprintf(f, "/%u", m->plen);
		break;
	case RHS_RANGE:
		print_range_end(f, fid, m->value);
		fprintf(f, "-");
		print_range_end(f, fid, m->to);
		break;
	case RHS_SET:
		fprintf(f, "@%s", m->set);
		break;
	case RHS_VMAP:
		fprintf(f, "vmap @%s", m->set);
		break;
	}
}

static void
print_limit(FILE *f, const struct ir_limit *l)
{
	const char *unit = l->unit == 60 ? "minute" : l->unit == 3600 ?
	    "hour" : l->unit == 86400 ? "day" : "second";

	fprintf(f, "limit rate %s%llu/%s burst %u packets", l->over ?
	    "over " : "", (unsigned long long)l->rate, unit, l->burst);
}

static void
print_dynset(FILE *f, const struct ir_stmt *s)
{
	size_t i;

	fprintf(f, "%s @%s { ", s->u.dynset.op == DYN_ADD ? "add" : "update",
	    s->u.dynset.set);
	print_key(f, &s->u.dynset.key);
	for (i = 0; i < s->u.dynset.n_st; i++) {
		fprintf(f, " ");
		if (s->u.dynset.st[i].kind == S_LIMIT)
			print_limit(f, &s->u.dynset.st[i].limit);
		else
			fprintf(f, "counter");
	}
	fprintf(f, " }");
}

static void
print_verdict(FILE *f, uint32_t code, const char *chain)
{
	switch (code) {
	case NF_ACCEPT:
		fprintf(f, "accept");
		break;
	case NF_DROP:
		fprintf(f, "drop");
		break;
	case (uint32_t)NFT_RETURN:
		fprintf(f, "return");
		break;
	case (uint32_t)NFT_JUMP:
		fprintf(f, "jump %s", chain);
		break;
	case (uint32_t)NFT_GOTO:
		fprintf(f, "goto %s", chain);
		break;
	default:
		fprintf(f, "continue");
	}
}

static void
print_stmt(FILE *f, const struct ir_stmt *s)
{
	switch (s->kind) {
	case S_MATCH:
		print_match(f, &s->u.match);
		break;
	case S_COUNTER:
		fprintf(f, "counter");
		break;
	case S_LIMIT:
		print_limit(f, &s->u.limit);
		break;
	case S_LOG:
		fprintf(f, "log prefix \"%s\" group %u", s->u.log.prefix,
		    s->u.log.group);
		break;
	case S_DYNSET:
		print_dynset(f, s);
		break;
	case S_META_SET:
		fprintf(f, "%s set %s %c ", ir_fields[s->u.meta_set.field].name,
		    ir_fields[s->u.meta_set.field].name,
		    s->u.meta_set.or_self ? '|' : '&');
		print_field_value(f, s->u.meta_set.field, s->u.meta_set.value);
		break;
	case S_DUP:
		fprintf(f, "dup to \"%s\"", s->u.dev.name);
		break;
	case S_VERDICT:
		print_verdict(f, s->u.verdict.code, s->u.verdict.chain);
		break;
	}
}

static void
print_rule(FILE *f, const struct rs_rule *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (i)
			fprintf(f, " ");
		print_stmt(f, &r->s[i]);
	}
}

const char *
rs_rule_text(const struct rs_rule *r, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	buf[0] = '\0';
	if (f == NULL)
		return buf;
	print_rule(f, r);
	fclose(f);
	buf[len - 1] = '\0';
	return buf;
}

const char *
rs_hook_name(enum rs_hook h)
{
	static const char *const names[] = {
		[H_NONE] = "", [H_INGRESS] = "ingress", [H_EGRESS] = "egress",
		[H_PREROUTING] = "prerouting", [H_FORWARD] = "forward",
		[H_OUTPUT] = "output", [H_INPUT] = "input",
	};

	return names[h];
}

const char *
rs_family_name(enum rs_family fam)
{
	return fam == RS_NETDEV ? "netdev" : "bridge";
}

static void
print_elem(FILE *f, const struct rs_set *s, const struct rs_elem *e)
{
	size_t j, off = 0;

	for (j = 0; j < s->n_key; j++) {
		if (j)
			fprintf(f, " . ");
		print_value(f, s->key[j], e->key + off,
		    ir_types[s->key[j]].len);
		off += ir_key_len(&s->key[j], 1);
	}
	if (s->vmap)
		fprintf(f, " : jump %s", e->jump);
}

static void
print_set(FILE *f, const struct rs_set *s)
{
	size_t i;

	fprintf(f, "\t%s %s {\n\t\ttype ", s->vmap ? "map" : "set", s->name);
	for (i = 0; i < s->n_key; i++)
		fprintf(f, "%s%s", i ? " . " : "", ir_types[s->key[i]].name);
	fprintf(f, "%s\n", s->vmap ? " : verdict" : "");
	if (s->dynamic || s->counters)
		fprintf(f, "\t\tsize 65535\n\t\tflags dynamic\n");
	if (s->counters)
		fprintf(f, "\t\tcounter\n");
	for (i = 0; i < s->n; i++) {
		fprintf(f, i == 0 ? "\t\telements = { " : ",\n\t\t\t     ");
		print_elem(f, s, &s->elems[i]);
	}
	if (s->n)
		fprintf(f, " }\n");
	fprintf(f, "\t}\n\n");
}

static void
print_chain(FILE *f, const struct rs_chain *c)
{
	size_t i;

	fprintf(f, "\tchain %s {\n", c->name);
	if (c->hook != H_NONE) {
		fprintf(f, "\t\ttype filter hook %s ", rs_hook_name(c->hook));
		if (c->hook == H_INGRESS || c->hook == H_EGRESS) {
			fprintf(f, "devices = { ");
			for (i = 0; i < c->n_devs; i++)
				fprintf(f, "%s\"%s\"", i ? ", " : "",
				    c->devs[i]);
			fprintf(f, " } ");
		}
		fprintf(f, "priority %d; policy accept;\n", c->prio);
	}
	for (i = 0; i < c->n_rules; i++) {
		fprintf(f, "\t\t");
		print_rule(f, c->rules[i]);
		fprintf(f, "\n");
	}
	fprintf(f, "\t}\n");
}

static void
print_table(FILE *f, const struct rs_table *t)
{
	const char *fam = rs_family_name(t->family);
	size_t i;

	/* Create-if-missing, delete, recreate: one atomic replacement. */
	fprintf(f, "table %s %s\ndelete table %s %s\n", fam, RS_TABLE, fam,
	    RS_TABLE);
	fprintf(f, "table %s %s {\n", fam, RS_TABLE);
	for (i = 0; i < t->n_sets; i++)
		print_set(f, t->sets[i]);
	for (i = 0; i < t->n_chains; i++)
		fprintf(f, "%s", i ? "\n" : ""), print_chain(f, t->chains[i]);
	fprintf(f, "}\n");
}

/* The tc backend's filters, which are not nftables': as comments. */
static void
print_tc(FILE *f, const struct ruleset *rs)
{
	size_t i;

	if (rs->n_tc)
		fprintf(f, "\n# This kernel has no netdev egress hook: tc copies "
		    "frames leaving ports,\n# outside the nftables "
		    "transaction.\n");
	for (i = 0; i < rs->n_tc; i++)
		fprintf(f, "# tc filter dev %s egress slot %u: %sskb->mark & "
		    "0x%08x == 0: mirred egress mirror dev %s\n",
		    rs->tc[i].dev, rs->tc[i].slot, rs->tc[i].group_only ?
		    "broadcast/multicast, " : "", rs->tc[i].skip_mark,
		    rs->tc[i].to);
}

void
ruleset_print(FILE *f, const struct ruleset *rs)
{
	fprintf(f, "#!/usr/sbin/nft -f\n# Generated by bridgeguard; "
	    "loading it replaces bridgeguard's tables.\n\n");
	print_table(f, &rs->netdev);
	fprintf(f, "\n");
	print_table(f, &rs->bridge);
	print_tc(f, rs);
}
