/* VXLAN devices for remote mirrors. -1 with a message in err. */
#ifndef BG_VXLAN_H
#define BG_VXLAN_H

#include <stddef.h>

#include "ruleset.h"

/* Creates (or re-creates) the device of every remote mirror of cfg. */
int	vxlan_setup(const struct bg_config *, char *err, size_t errlen);
/* Removes bridgeguard's VXLAN devices that cfg (may be NULL) does not use. */
int	vxlan_prune(const struct bg_config *, char *err, size_t errlen);

#endif
