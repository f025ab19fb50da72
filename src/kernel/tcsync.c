/*
 * The tc backend's filters after a commit: those the ruleset wants are
 * installed, every other filter of ours removed. Not part of the nftables
 * transaction: the rules are in force whatever this does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tc.h"
#include "tcsync.h"

static bool
tc_same(const struct rs_tc *w, const struct tc_installed *t)
{
	return w->ifindex == t->ifindex && w->slot == t->slot &&
	    w->to_ifindex == t->to_ifindex;
}

/*
 * One that is there already stays: replacing it would reset its counters.
 * Its mark bit and group test follow from its slot and device.
 */
int
tc_sync(const struct ruleset *rs, char *err, size_t errlen)
{
	struct tc_installed *t = NULL;
	struct tc_mirror f;
	char why[384];
	size_t i, j, n = 0;
	int rc = -1;

	if (tc_mirrors_list(&t, &n, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		for (j = 0; rs && j < rs->n_tc && !tc_same(&rs->tc[j], &t[i]);
		    j++)
			;
		if ((rs == NULL || j == rs->n_tc) &&
		    tc_mirror_del(t[i].ifindex, t[i].slot, err, errlen) == -1)
			goto out;
	}
	for (j = 0; rs && j < rs->n_tc; j++) {
		for (i = 0; i < n && !tc_same(&rs->tc[j], &t[i]); i++)
			;
		if (i < n)
			continue;
		f.ifindex = rs->tc[j].ifindex;
		f.slot = rs->tc[j].slot;
		f.skip_mark = rs->tc[j].skip_mark;
		f.group_only = rs->tc[j].group_only;
		f.to_ifindex = rs->tc[j].to_ifindex;
		if (tc_mirror_set(&f, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "copying frames leaving %s to %s: "
			    "%s", rs->tc[j].dev, rs->tc[j].to, why);
			goto out;
		}
	}
	rc = 0;
out:
	free(t);
	return rc;
}
