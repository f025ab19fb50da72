/* Keeping ports protected as they come and go; see ports.h. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "nameset.h"
#include "ports.h"

#define RETRY_MS	1000

struct ports {
	struct loop		*loop;
	struct policy		*pol;
	const struct mon_link	*links;
	ports_replaced_fn	 replaced;
	void			*arg;
	struct nameset		 retry;		/* ports whose change failed */
	struct loop_timer	 retry_timer;
	struct loop_timer	 refresh_timer;	/* interfaces changed */
};

/* Re-evaluates one port; a failure is retried later. */
static void
check(struct ports *ps, const char *port)
{
	const struct bg_link *l = mon_link_byname(ps->links, port);
	const struct bg_link *br = mon_link_bridge_of(ps->links, l);
	char err[512];

	if (policy_port(ps->pol, port, br ? br->name : NULL, l != NULL, err,
	    sizeof(err)) == 0) {
		nameset_del(&ps->retry, port);
		return;
	}
	log_warnx("port %s: %s; retrying", port, err);
	nameset_add(&ps->retry, port);
	if (ps->retry_timer.when == 0)
		loop_timer_at(&ps->retry_timer, now_ms() + RETRY_MS);
}

static void
retry(void *arg)
{
	struct ports *ps = arg;
	struct hmap_iter it = { 0 };
	char (*names)[NAMESET_KEYLEN];
	const char *n;
	size_t i, k = 0;

	if ((names = calloc(ps->retry.h.n + 1, NAMESET_KEYLEN)) == NULL) {
		loop_timer_at(&ps->retry_timer, now_ms() + RETRY_MS);
		return;
	}
	while ((n = hmap_next(&ps->retry.h, &it)) != NULL)
		memcpy(names[k++], n, NAMESET_KEYLEN);
	for (i = 0; i < k; i++)
		check(ps, names[i]);
	free(names);
}

/* Recompiles if the rules depend on the interfaces (mirrors). */
static void
refresh(void *arg)
{
	struct ports *ps = arg;
	struct bg_port *list;
	size_t n;
	bool replaced;
	char err[512];

	if (mon_link_ports(ps->links, &list, &n) == -1) {
		log_warn("listing interfaces");
		loop_timer_at(&ps->refresh_timer, now_ms() + RETRY_MS);
		return;
	}
	if (policy_refresh(ps->pol, list, n, &replaced, err,
	    sizeof(err)) == -1) {
		log_warnx("%s; retrying", err);
		loop_timer_at(&ps->refresh_timer, now_ms() + RETRY_MS);
	} else if (replaced) {
		ps->replaced(ps->arg);
		log_info("interfaces changed: ruleset recompiled (mirrors)");
	}
	free(list);
}

void
ports_link(struct ports *ps, const struct bg_link *old,
    const struct bg_link *new)
{
	struct link_move mv;

	if (!mon_link_move(ps->links, old, new, &mv))
		return;
	if (old)
		check(ps, old->name);
	if (new && (mv.renamed || !old))
		check(ps, new->name);
	/* Once this round of notifications is handled. */
	if (ps->refresh_timer.when == 0)
		loop_timer_at(&ps->refresh_timer, now_ms());
}

struct ports *
ports_new(struct loop *loop, struct policy *pol, const struct mon_link *links,
    ports_replaced_fn replaced, void *arg)
{
	struct ports *ps;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	ps->loop = loop;
	ps->pol = pol;
	ps->links = links;
	ps->replaced = replaced;
	ps->arg = arg;
	nameset_init(&ps->retry);
	loop_timer_add(loop, &ps->retry_timer, retry, ps);
	loop_timer_add(loop, &ps->refresh_timer, refresh, ps);
	return ps;
}

void
ports_free(struct ports *ps)
{
	if (ps == NULL)
		return;
	loop_timer_del(ps->loop, &ps->retry_timer);
	loop_timer_del(ps->loop, &ps->refresh_timer);
	nameset_clear(&ps->retry);
	free(ps);
}
