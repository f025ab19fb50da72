/*
 * The rule description: each rule is written once, as this, and both of
 * its forms come from it: print.c renders it as nft text (--dry-run), and
 * kernel/linearize.c turns it into the expressions the kernel receives,
 * exactly those nft generates for that text (an integration test compares
 * the two on every golden config).
 *
 * A rule is a list of statements, as nft writes them: matches (a field or
 * a concatenation of fields, maybe masked, compared with a value, a
 * prefix, a range or a set) and actions (counter, limit, log, dynset,
 * meta set, dup, a verdict). Fields come from one table (fields.c):
 * a row says how nft names the field, where the kernel reads it (meta
 * key, or base/offset/length of the payload or of an extension header),
 * its value type, and the dependencies nft adds before it (`meta protocol
 * ip` before `ip saddr`). A new field is a row; a new statement kind is a
 * printer case and a linearizer case.
 *
 * Builders (ir.c) never write past an array: a rule with too many
 * statements, a key with too many fields or a chain with too many devices
 * marks what overflowed, and ruleset_build() then fails with a message
 * naming the chain.
 */
#ifndef BG_IR_H
#define BG_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define IR_MAX_STMTS	8	/* statements in one rule */
#define IR_MAX_CONCAT	3	/* fields in one concatenated key */
#define IR_MAX_STATEFUL	2	/* expressions a dynset element carries */
#define IR_DATA		16	/* bytes of a constant: one register */
#define IR_NAME		64	/* set, chain and log prefix names */

/* Value types, as nft names them; a set key is a concatenation of them. */
enum ir_type {
	T_IFNAME, T_ETHER, T_IPV4, T_IPV6, T_ETHERTYPE, T_L4PROTO,
	T_INET_SERVICE, T_ICMPV6_TYPE, T_MARK, T_IFTYPE,
	T_BITS,		/* an integer read raw, printed as 0x1 */
	T_UINT,		/* an integer, printed in decimal */
	T_BYTES,	/* bytes read raw, printed as 0x000108000604 */
	T_N
};

struct ir_typedesc {
	const char	*name;		/* as in `type ifname . ipv4_addr` */
	uint32_t	 nft;		/* nft's datatype, for set keys */
	uint8_t		 len;		/* bytes of a value (0: the field's) */
	bool		 host;		/* host byte order (strings, marks) */
};
extern const struct ir_typedesc ir_types[T_N];

/* Where the kernel reads a field. */
enum ir_base { B_META, B_LL, B_NH, B_TH, B_EXTHDR };

/* The fields rules read (fields.c has the table). */
enum ir_fid {
	FLD_IIFNAME, FLD_OIFNAME, FLD_IIFTYPE, FLD_PROTOCOL, FLD_L4PROTO,
	FLD_MARK,
	FLD_ETHER_DADDR, FLD_ETHER_SADDR, FLD_ETHER_TYPE, FLD_LL_GROUP,
	FLD_IP_SADDR, FLD_IP_DADDR, FLD_IP6_SADDR, FLD_IP6_DADDR,
	FLD_ARP_HEAD, FLD_ARP_SHA, FLD_ARP_SPA,
	FLD_UDP_SPORT, FLD_UDP_DPORT, FLD_TCP_SPORT, FLD_TCP_DPORT,
	FLD_ICMPV6_TYPE,
	FLD_IBRNAME,	/* the input port's bridge (nft_meta_bridge) */
	FLD_IP_FRAGOFF, FLD_IP6_NEXTHDR, FLD_IP6_LENGTH, FLD_FRAG_OFF,
	/* Raw bytes of the transport header (@th,BITS,LEN): in a UDP header
	 * and what follows it, in an ICMPv6 message. */
	FLD_TH_7, FLD_TH_19,		/* the 8th, the 20th byte: is it there? */
	FLD_TH_8,			/* BOOTP op, DHCPv6 msg-type */
	FLD_ND_TARGET,			/* NS, NA: the target address */
	FLD_ND_OPT,			/* NS, NA: first option's type, length */
	FLD_ND_LLADDR,			/* its link-layer address */
	FLD_RS_OPT, FLD_RS_LLADDR,	/* the same in an RS */
	FLD_BOOTP_CHADDR,		/* BOOTP client hardware address */
	FLD_N
};

/* Dependencies nft adds before a field: a match on another field. */
enum ir_dep { D_NONE, D_ETHER, D_IP, D_IP6, D_ARP, D_TCP, D_UDP, D_ICMPV6,
    D_N };

struct ir_field {
	const char	*name;		/* as nft prints it */
	enum ir_base	 base;
	uint32_t	 key;		/* meta key; exthdr: header type */
	uint32_t	 off, len;	/* payload, exthdr: bytes */
	enum ir_type	 type;
	enum ir_dep	 dep[2];	/* in the order nft adds them */
	uint16_t	 mask;		/* a field of bits of 2 bytes: nft
					 * masks it after loading (big
					 * endian); 0 if none */
};
extern const struct ir_field ir_fields[FLD_N];

struct ir_depdesc {
	enum ir_fid	 field;		/* matched equal to value */
	uint16_t	 value;
	bool		 netdev_only;	/* iiftype: only the netdev family */
};
extern const struct ir_depdesc ir_deps[D_N];
/* The value a dependency matches, as the kernel compares it. */
void	ir_dep_value(enum ir_dep, uint8_t out[IR_DATA]);

/* A field, or a concatenation: IR_KEY(FLD_IIFNAME, FLD_IP_SADDR). */
struct ir_key {
	uint8_t		 f[IR_MAX_CONCAT];
	uint8_t		 n;
};
#define IR_KEY(...) ((struct ir_key){ { __VA_ARGS__ }, \
	(uint8_t)sizeof((uint8_t[]){ __VA_ARGS__ }) })

enum ir_kind {
	S_MATCH, S_COUNTER, S_LIMIT, S_LOG, S_DYNSET, S_META_SET, S_DUP,
	S_VERDICT
};

enum ir_op { OP_EQ, OP_NEQ, OP_LT, OP_LTE, OP_GT, OP_GTE };

enum ir_rhs {
	RHS_VALUE,	/* field op value */
	RHS_PREFIX,	/* field addr/plen */
	RHS_RANGE,	/* field value-to */
	RHS_SET,	/* key [!=] @set */
	RHS_VMAP,	/* key vmap @set: the element's verdict */
};

struct ir_match {
	struct ir_key	 lhs;
	bool		 masked;	/* lhs & mask op value */
	bool		 merged;	/* one load and compare with the match
					 * before it, as nft merges adjacent
					 * payload matches */
	uint8_t		 op;		/* enum ir_op */
	uint8_t		 rhs;		/* enum ir_rhs */
	uint8_t		 plen;		/* RHS_PREFIX */
	uint8_t		 mask[IR_DATA];
	uint8_t		 value[IR_DATA];
	uint8_t		 to[IR_DATA];	/* RHS_RANGE */
	char		 set[IR_NAME];	/* RHS_SET, RHS_VMAP */
};

/* `limit rate [over] RATE/UNIT burst BURST packets` */
struct ir_limit {
	uint64_t	 rate;
	uint64_t	 unit;		/* seconds */
	uint32_t	 burst;
	bool		 over;
};

/* An expression a dynset element carries: S_COUNTER or S_LIMIT. */
struct ir_stateful {
	uint8_t		 kind;
	struct ir_limit	 limit;
};

enum ir_dynset_op { DYN_ADD, DYN_UPDATE };

struct ir_stmt {
	uint8_t		 kind;		/* enum ir_kind */
	union {
		struct ir_match	 match;
		struct ir_limit	 limit;
		struct {
			char	 prefix[IR_NAME];
			uint16_t group;
		} log;
		struct {
			uint8_t	 op;	/* enum ir_dynset_op */
			struct ir_key key;
			char	 set[IR_NAME];
			struct ir_stateful st[IR_MAX_STATEFUL];
			uint8_t	 n_st;
		} dynset;
		struct {		/* meta FIELD set FIELD | value (or &) */
			uint8_t	 field;
			bool	 or_self;
			bool	 and_self;
			uint8_t	 value[IR_DATA];
		} meta_set;
		struct {		/* dup: the name prints, the
					 * ifindex is what the kernel takes */
			char	 name[BG_IFNAMSIZ];
			int	 ifindex;
		} dev;
		struct {
			uint32_t code;	/* NF_ACCEPT, NF_DROP, NFT_JUMP, ... */
			char	 chain[IR_NAME];
		} verdict;
	} u;
};

struct rs_rule {
	struct ir_stmt	 s[IR_MAX_STMTS];
	size_t		 n;
	bool		 overflow;	/* a statement or key did not fit */
};

struct rs_rule	*ir_rule_new(void);

/* Builders: each appends one statement to r. Values are field-long, in
 * the byte order the kernel compares (network order but for host types). */
void	ir_cmp(struct rs_rule *, enum ir_fid, enum ir_op, const void *value);
/* The same, loaded and compared with the match before it. */
void	ir_cmp_merged(struct rs_rule *, enum ir_fid, const void *value);
/* field & mask == value */
void	ir_bits(struct rs_rule *, enum ir_fid, const void *mask,
	    const void *value);
void	ir_prefix(struct rs_rule *, enum ir_fid, const void *addr,
	    unsigned int plen);
void	ir_range(struct rs_rule *, enum ir_fid, bool invert, const void *from,
	    const void *to);
void	ir_lookup(struct rs_rule *, struct ir_key, const char *set,
	    bool invert);
void	ir_vmap(struct rs_rule *, struct ir_key, const char *set);
void	ir_counter(struct rs_rule *);
void	ir_limit(struct rs_rule *, const struct ir_limit *);
void	ir_log(struct rs_rule *, const char *prefix, unsigned int group);
/* add|update @set { key [stateful...] }; st may be NULL (n 0). */
void	ir_dynset(struct rs_rule *, enum ir_dynset_op, const char *set,
	    struct ir_key, const struct ir_stateful *st, size_t n);
/* meta mark set meta mark | bits */
void	ir_mark_or(struct rs_rule *, uint32_t bits);
/* meta mark set meta mark & ~bits */
void	ir_mark_clear(struct rs_rule *, uint32_t bits);
void	ir_dup(struct rs_rule *, const char *dev, int ifindex);
/* chain: for NFT_JUMP and NFT_GOTO, else NULL. */
void	ir_verdict(struct rs_rule *, uint32_t code, const char *chain);

/* Bytes a value of this field takes in a register or a set key. */
size_t	ir_field_len(enum ir_fid);
/* Bytes of a set key of these types, each padded to 32 bits. */
size_t	ir_key_len(const enum ir_type *, size_t n);

#endif
