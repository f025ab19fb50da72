/*
 * The one validator of the policy (validate.c): of a whole config, as
 * read from a file or reloaded, and of one guest added at run time. Each
 * returns 0, or -1 with one message in err.
 */
#ifndef BG_VALIDATE_H
#define BG_VALIDATE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Why a guest may not be bound to this (NULL: it may), in words that
 * follow the value: "is a multicast address". */
const char	*mac_unbindable(const uint8_t mac[6]);
const char	*ip4_unbindable(const struct in_addr *);
const char	*ip6_unbindable(const struct in6_addr *);
/* Why no role may be given to this port ("lo"); NULL if it may. */
const char	*port_unusable(const char *name);

/* One guest's fields: port name, MAC, addresses, none given twice. */
int	guest_check(const struct bg_guest *, char *err, size_t errlen);
/*
 * Whole-config checks that no single field can make: a bridge, port, MAC,
 * address or mirror name bound twice, a port with two roles, the mirrors'
 * limits. Messages say "name:line: field: what".
 */
int	config_validate(const char *name, const struct bg_config *,
	    char *err, size_t errlen);
/*
 * May g be bound on bridge, in cfg as it is? The same rules, for one
 * guest against the rest in one pass; a binding the port has already is
 * the one it would replace.
 */
int	config_check_guest(const struct bg_config *, const char *bridge,
	    const struct bg_guest *g, char *err, size_t errlen);

#endif
