/*
 * What the audit reads of this network namespace, once, before any check
 * runs: links (with their promiscuity), addresses, the bridges' FDB, the
 * br_netfilter switches, nftables chains (iptables-nft's and ebtables-nft's
 * among them), the FORWARD chains' order (iptables-nft's and legacy's),
 * bridgeguard's own tables, and libvirt's interfaces when a connection is
 * given. Nothing is changed.
 */
#ifndef BG_AUDIT_HOST_H
#define BG_AUDIT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "lv.h"
#include "model.h"

struct au_link {
	struct bg_link	 l;
	char		 kind[16];	/* IFLA_INFO_KIND: tun, veth, ... */
};

struct au_addr {
	int		 ifindex;
	int		 family;
	uint8_t		 addr[16];
	uint8_t		 plen, scope;
};

/* A bridge FDB entry that is not the bridge's own (local) address. */
struct au_fdb {
	int		 port;		/* ifindex */
	int		 bridge;	/* ifindex of the master */
	uint8_t		 mac[6];
	uint16_t	 vlan;
	bool		 is_static;
};

struct au_chain {
	char		 family[8];	/* ip, ip6, bridge, inet, ... */
	char		 table[32];
	char		 name[64];
};

/* iptables' FORWARD chain of one family, as bridged frames meet it when
 * br_netfilter hands them over. Positions are rule numbers, -1: none. */
struct au_forward {
	bool		 bridge_nf;	/* bridge-nf-call-ip(6)tables = 1 */
	bool		 present;	/* the chain exists (iptables-nft) */
	bool		 policy_drop;
	int		 established_accept;	/* first such rule */
	int		 port_deny;		/* first per-port drop/reject */
};

/* Does bridgeguard's ruleset in the kernel match the policy? */
struct au_protect {
	bool		 netdev, bridge;	/* its tables exist */
	bool		 compared;		/* a policy was compiled */
	bool		 match;
	char		 why[200];		/* the first difference */
	/* Guests whose port is absent on a kernel that cannot hook absent
	 * devices: no ingress chain until the port appears (rs->waiting). */
	char		(*waiting)[BG_IFNAMSIZ];
	size_t		 n_waiting;
};

struct au_host {
	struct au_link	*links;
	size_t		 n_links;
	struct au_addr	*addrs;
	size_t		 n_addrs;
	struct au_fdb	*fdb;
	size_t		 n_fdb;
	struct au_chain	*chains;
	size_t		 n_chains;
	struct au_forward fwd[2];	/* iptables, ip6tables (nftables) */
	struct au_forward legacy[2];	/* the same, legacy backend */
	struct au_protect prot;
	struct lv_list	 lv;		/* empty without libvirt */
	bool		 have_lv;
};

/* links.c; au_dump: an rtnetlink dump into h, *n counting from 0. */
int	au_dump(uint16_t type, uint8_t family, int (*cb)(const struct nlmsghdr *,
	    void *), struct au_host *h, size_t *n);
int	au_read_links(struct au_host *);
const struct au_link *au_link_by_index(const struct au_host *, int);
const struct au_link *au_link_by_name(const struct au_host *, const char *);
/* addrs.c */
int	au_read_addrs(struct au_host *);
/* fdb.c */
int	au_read_fdb(struct au_host *);
/* nftables.c: every chain, and the FORWARD chains' order. */
int	au_read_chains(struct au_host *, char *err, size_t errlen);
int	au_read_forward(struct au_host *, char *err, size_t errlen);
/* xtables.c: the legacy backend's FORWARD chains (after au_read_forward). */
int	au_read_legacy(struct au_host *, char *err, size_t errlen);
/* protect.c: bridgeguard's tables against cfg (NULL: only existence). */
int	au_read_protection(struct au_host *, const struct bg_config *cfg,
	    char *err, size_t errlen);

#endif
