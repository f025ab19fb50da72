/* The daemon's bookkeeping of the kernel's state; see kstate.h. */
#include <stdlib.h>
#include <string.h>

#include "kstate.h"

void
kstate_init(struct kstate *ks)
{
	memset(ks, 0, sizeof(*ks));
	nameset_init(&ks->unknown);
	nameset_init(&ks->hooked);
}

void
kstate_clear(struct kstate *ks)
{
	nameset_clear(&ks->hooked);
	nameset_clear(&ks->unknown);
	free(ks->ports);
	ks->ports = NULL;
	ks->n_ports = 0;
}

/* The unknown_ports elements of a compiled ruleset, as a name set. */
static int
unknown_from_ruleset(struct nameset *s, const struct ruleset *rs)
{
	struct rs_set *u = ruleset_set(&rs->bridge, "unknown_ports");
	size_t i;

	nameset_init(s);
	for (i = 0; u && i < u->n; i++)
		if (nameset_add(s, (const char *)u->elems[i].key) == -1) {
			nameset_clear(s);
			return -1;
		}
	return 0;
}

void
kstate_keep_ports(struct kstate *ks, const struct bg_port *ports, size_t n)
{
	struct bg_port *c;

	if ((c = calloc(n + 1, sizeof(*c))) == NULL) {
		ks->stale = true;
		return;
	}
	if (n)
		memcpy(c, ports, n * sizeof(*c));
	free(ks->ports);
	ks->ports = c;
	ks->n_ports = n;
}

int
kstate_replaced(struct kstate *ks, const struct ruleset *rs,
    const struct bg_port *ports, size_t n_ports)
{
	struct nameset h, u;

	nameset_init(&h);
	if (diff_hooked(&h, rs) == -1) {
		nameset_clear(&h);
		ks->stale = true;
		return -1;
	}
	if (unknown_from_ruleset(&u, rs) == -1) {
		nameset_clear(&h);
		ks->stale = true;
		return -1;
	}
	nameset_clear(&ks->hooked);
	nameset_clear(&ks->unknown);
	ks->hooked = h;
	ks->unknown = u;
	ks->kernel = rs->kernel;
	ks->stale = false;
	kstate_keep_ports(ks, ports, n_ports);
	return ks->stale ? -1 : 0;
}

void
kstate_changed(struct kstate *ks, const struct diff *d)
{
	if (diff_done(d, &ks->hooked, &ks->unknown) == -1)
		ks->stale = true;
}

void
kstate_hooked(struct kstate *ks, const char *port, bool hooked)
{
	if (!hooked)
		nameset_del(&ks->hooked, port);
	else if (nameset_add(&ks->hooked, port) == -1)
		ks->stale = true;
}
