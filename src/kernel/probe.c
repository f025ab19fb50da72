/*
 * What the running kernel offers, found out without changing anything:
 * each question is a batch the kernel checks and aborts. Users run
 * distribution kernels, not the one bridgeguard is built on.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "probe.h"

/* A name no interface has: netdev hooks on it need hooks on absent ones. */
#define ABSENT_DEV	"bg-probe-none"

static bool
fault(const char *what)
{
	const char *f = getenv("BRIDGEGUARD_FAULT");
	size_t n = strlen(what);

	for (; f && *f; f += strcspn(f, ","), f += *f == ',')
		if (strncmp(f, what, n) == 0 && (f[n] == ',' || f[n] == '\0'))
			return true;
	return false;
}

/* The question, as a batch for the kernel to check. */
static int
question(struct nft_batch *nb, enum probe_feature f, struct rs_chain *c,
    struct rs_set *s)
{
	struct rs_rule *r;

	switch (f) {
	case PF_ABSENT_HOOKS:
	case PF_EGRESS:
		rs_chain_dev(c, f == PF_EGRESS ? "lo" : ABSENT_DEV);
		nft_batch_table(nb, RS_NETDEV);
		return nft_batch_chain(nb, RS_NETDEV, c);
	case PF_IBRNAME:
		if ((r = rs_chain_rule(c)) == NULL)
			return -1;
		ir_cmp(r, FLD_IBRNAME, OP_EQ, (char[BG_IFNAMSIZ]){ "br0" });
		ir_verdict(r, NF_ACCEPT, NULL);
		nft_batch_table(nb, RS_BRIDGE);
		return nft_batch_chain(nb, RS_BRIDGE, c);
	case PF_DESTROY:
		if (rs_set_add(s, ABSENT_DEV, NULL) == -1)
			return -1;
		nft_batch_table(nb, RS_NETDEV);
		nft_elem_destroy(true);
		return nft_batch_set(nb, RS_NETDEV, s) == -1 ? -1 :
		    nft_batch_elems(nb, RS_NETDEV, s, false);
	case PF_DYNSET:		/* as the drop_<reason> sets and chains */
		if ((r = rs_chain_rule(c)) == NULL)
			return -1;
		s->counters = true;
		ir_dynset(r, DYN_ADD, s->name, IR_KEY(FLD_IIFNAME), NULL, 0);
		nft_batch_table(nb, RS_NETDEV);
		return nft_batch_set(nb, RS_NETDEV, s) == -1 ? -1 :
		    nft_batch_chain(nb, RS_NETDEV, c);
	default:
		return -1;
	}
}

static const char *const names[PF_N] = {
	[PF_ABSENT_HOOKS] = "hooks on absent devices",
	[PF_EGRESS] = "netdev egress hook",
	[PF_IBRNAME] = "meta ibrname",
	[PF_DESTROY] = "DESTROYSETELEM",
	[PF_DYNSET] = "dynamic sets with per-element counters",
};
static const char *const faults[PF_N] = {
	[PF_ABSENT_HOOKS] = "no-absent-hooks", [PF_EGRESS] = "no-egress",
	[PF_IBRNAME] = "no-ibrname", [PF_DESTROY] = "no-destroy",
	[PF_DYNSET] = "no-dynset",
};

/* 1 yes, 0 no (why says the kernel's answer), -1 could not ask. */
static int
probe(enum probe_feature f, char *why, size_t whylen, char *err,
    size_t errlen)
{
	static const enum ir_type ifname[] = { T_IFNAME };
	struct rs_set s = { .name = "probe_set", .n_key = 1 };
	enum rs_hook hook = f == PF_ABSENT_HOOKS ? H_INGRESS :
	    f == PF_EGRESS ? H_EGRESS : f == PF_IBRNAME ? H_PREROUTING : H_NONE;
	struct nft_batch *nb = NULL;
	struct rs_chain *c;
	char ans[256];
	int e, rc = -1;

	memcpy(s.key, ifname, sizeof(ifname));
	if (fault(faults[f])) {
		snprintf(why, whylen, "BRIDGEGUARD_FAULT=%s", faults[f]);
		return 0;
	}
	errno = 0;
	if ((c = rs_chain_new("probe", hook, 0)) == NULL ||
	    (nb = nft_batch_new()) == NULL || question(nb, f, c, &s) == -1) {
		snprintf(err, errlen, "probing %s: %s", names[f],
		    strerror(errno ? errno : ENOMEM));
		goto out;
	}
	if (nft_batch_check(nb, ans, sizeof(ans)) == 0) {
		snprintf(why, whylen, "accepted");
		rc = 1;
	} else if (errno == EOPNOTSUPP || errno == EINVAL ||
	    errno == ENOENT) {
		snprintf(why, whylen, "%s", strerror(errno));
		rc = 0;
	} else
		snprintf(err, errlen, "probing %s: %s", names[f], ans);
out:
	e = errno;
	nft_batch_free(nb);
	rs_chain_free(c);
	free(s.elems);
	errno = e;
	return rc;
}

const struct probe_result *
probe_kernel(char *err, size_t errlen)
{
	static struct probe_result pr;
	static bool done;
	int f, rc;

	if (done)
		return &pr;
	for (f = 0; f < PF_N; f++) {
		if ((rc = probe((enum probe_feature)f, pr.why[f],
		    sizeof(pr.why[f]), err, errlen)) == -1)
			return NULL;	/* asked again next time */
		pr.has[f] = rc == 1;
	}
	pr.k.absent_hooks = pr.has[PF_ABSENT_HOOKS];
	pr.k.backend = pr.has[PF_EGRESS] ? RS_COPY_NFT : RS_COPY_TC;
	pr.k.ibrname = pr.has[PF_IBRNAME];
	nft_elem_destroy(pr.has[PF_DESTROY]);
	done = true;
	return &pr;
}

int
probe_rs_kernel(struct rs_kernel *k, char *err, size_t errlen)
{
	const struct probe_result *pr = probe_kernel(err, errlen);

	if (pr == NULL)
		return -1;
	*k = pr->k;
	return 0;
}

const char *
backend_name(enum rs_backend b)
{
	return b == RS_COPY_TC ? "tc" : "nftables";
}

const char *
probe_line(const struct probe_result *pr, int i, char *buf, size_t len)
{
	static const char *const use[PF_N][2] = {
		[PF_ABSENT_HOOKS] = { "ports are hooked when they appear "
		    "(by bridgeguard run); until then the bridge drops what "
		    "they send", "absent ports are hooked by name" },
		[PF_EGRESS] = { "mirrors copy outgoing frames with tc",
		    "mirrors copy outgoing frames with nftables" },
		[PF_IBRNAME] = { "unknown ports are matched by name only",
		    "unknown ports are also matched by their bridge" },
		[PF_DESTROY] = { "elements are deleted with DELSETELEM",
		    "elements are deleted with DESTROYSETELEM" },
		[PF_DYNSET] = { "drops cannot be counted per port: apply "
		    "will fail", "drops are counted per port and reason" },
	};

	if (i < 0 || i >= PF_N)
		return NULL;
	snprintf(buf, len, "%s: %s (%s): %s", names[i], pr->has[i] ? "yes" :
	    "no", pr->why[i], use[i][pr->has[i]]);
	return buf;
}
