/*
 * Can a diff move from one compiled ruleset to another? Only if they
 * differ in nothing but what a diff carries: the elements of the diffed
 * sets and the guests' and unknown ports' own chains. Rule descriptions
 * are plain data, zeroed before they are filled, so comparing them is
 * comparing their bytes.
 */
#include <string.h>

#include "diff.h"

/* The sets a diff maintains; any other set must match element for element. */
static bool
diffed_set(const char *name)
{
	int i;

	for (i = 0; i < DS_N; i++)
		if (strcmp(name, diff_set_name(i)) == 0)
			return true;
	return false;
}

static bool
sets_equal(const struct rs_set *a, const struct rs_set *b)
{
	if (strcmp(a->name, b->name) != 0 || a->n_key != b->n_key ||
	    memcmp(a->key, b->key, a->n_key * sizeof(*a->key)) != 0 ||
	    a->counters != b->counters || a->vmap != b->vmap ||
	    a->dynamic != b->dynamic)
		return false;
	if (diffed_set(a->name))
		return true;
	return a->n == b->n && (a->n == 0 || memcmp(a->elems, b->elems,
	    a->n * sizeof(*a->elems)) == 0);
}

static bool
tables_equal(const struct rs_table *a, const struct rs_table *b)
{
	size_t i, j;

	if (a->family != b->family || a->n_sets != b->n_sets)
		return false;
	for (i = 0; i < a->n_sets; i++)
		if (!sets_equal(a->sets[i], b->sets[i]))
			return false;
	for (i = j = 0; i < a->n_chains || j < b->n_chains; i++, j++) {
		while (i < a->n_chains && a->chains[i]->role != ROLE_NONE)
			i++;
		while (j < b->n_chains && b->chains[j]->role != ROLE_NONE)
			j++;
		if ((i < a->n_chains) != (j < b->n_chains))
			return false;
		if (i < a->n_chains && !rs_chain_equal(a->chains[i],
		    b->chains[j]))
			return false;
	}
	return true;
}

bool
diff_rules_equal(const struct ruleset *a, const struct ruleset *b)
{
	return tables_equal(&a->netdev, &b->netdev) &&
	    tables_equal(&a->bridge, &b->bridge) && a->n_tc == b->n_tc &&
	    (a->n_tc == 0 || memcmp(a->tc, b->tc, a->n_tc *
	    sizeof(*a->tc)) == 0);
}
