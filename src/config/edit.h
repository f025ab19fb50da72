/* Changes to a policy model in memory (edit.c). */
#ifndef BG_EDIT_H
#define BG_EDIT_H

#include "model.h"

/* Binds a copy of g on nb, replacing the port's binding if it has one. -1
 * on ENOMEM (cfg then unchanged). */
int	config_bind(struct bg_config *, struct bg_bridge *nb,
	    const struct bg_guest *g);
/* Unbinds port, if it is a guest. */
void	config_unbind(struct bg_config *, const char *port);
/* dst becomes src (whose memory it takes); src is left empty. */
void	config_take(struct bg_config *dst, struct bg_config *src);

#endif
