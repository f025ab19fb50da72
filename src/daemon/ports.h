/*
 * Port enforcement (ports.c): when a port joins, leaves or is renamed, its
 * place in the policy's kernel state (unknown_ports) is put right, and the
 * rules are recompiled once the round of changes is over if they name
 * interfaces (mirrors). A change the kernel refused is retried.
 */
#ifndef BG_PORTS_H
#define BG_PORTS_H

#include "loop.h"
#include "mon_link.h"
#include "policy.h"

struct ports;

/* After a full replacement (counters then start from 0). */
typedef void	(*ports_replaced_fn)(void *arg);

struct ports	*ports_new(struct loop *, struct policy *,
		    const struct mon_link *, ports_replaced_fn, void *arg);
void	ports_free(struct ports *);
/* A link changed (mon_link's callback, as old and new). */
void	ports_link(struct ports *, const struct bg_link *old,
	    const struct bg_link *new);

#endif
