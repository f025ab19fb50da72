/*
 * The tc backend of mirrors: on kernels without the nftables netdev egress
 * hook, frames are copied where they leave a port by a clsact egress filter
 * (classic BPF on skb->mark) with a mirred action. Our filters are the ones
 * at priorities TC_PRIO_BASE .. TC_PRIO_BASE + TC_MAX_MIRRORS - 1 of a
 * device's egress; nothing else of tc is touched. Functions return -1 with
 * errno set and a message in err; they never print.
 */
#ifndef BG_TC_H
#define BG_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TC_PRIO_BASE	0xb600
#define TC_MAX_MIRRORS	8

struct tc_mirror {
	int		 ifindex;	/* device whose egress is filtered */
	unsigned int	 slot;		/* prio = TC_PRIO_BASE + slot */
	uint32_t	 skip_mark;	/* copy only frames with (skb->mark & skip_mark) == 0 */
	bool		 group_only;	/* ... and only if the destination MAC's group bit is set */
	int		 to_ifindex;	/* mirred egress mirror to this device */
};
/* Installs or replaces one filter, adding the clsact qdisc if missing. */
int	tc_mirror_set(const struct tc_mirror *, char *err, size_t errlen);
/* Removes our filter at slot from a device's egress; absent is not an error. */
int	tc_mirror_del(int ifindex, unsigned int slot, char *err, size_t errlen);

struct tc_installed {
	int		 ifindex;
	unsigned int	 slot;
	int		 to_ifindex;
	uint64_t	 packets, bytes;	/* the mirred action's counters */
};
/* Every filter of ours on every device's egress in this network namespace. *out is malloc'ed (may be NULL when *n == 0). */
int	tc_mirrors_list(struct tc_installed **out, size_t *n, char *err, size_t errlen);

#endif
