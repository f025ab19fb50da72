/*
 * Which MAC answers for which IPv4 address, per bridge, as arpwatch keeps
 * it: a station seen for the first time is new, one seen with another MAC
 * has changed, and one back to the MAC before that is a flip-flop. The
 * configured guests are known stations from the start. Pure: the caller
 * feeds observations and turns answers into events.
 */
#ifndef BG_ARPWATCH_H
#define BG_ARPWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum arp_result { ARP_SAME, ARP_NEW, ARP_CHANGED, ARP_FLIPFLOP, ARP_FULL };

struct arpwatch;

/* A table of at most max stations. NULL on ENOMEM. */
struct arpwatch	*arpwatch_new(size_t max);
void	arpwatch_free(struct arpwatch *);
/* bridge says ip is at mac; *old gets the MAC it had (CHANGED, FLIPFLOP). */
enum arp_result	arpwatch_see(struct arpwatch *, const char *bridge,
	    const uint8_t ip[4], const uint8_t mac[6], uint8_t old[6]);
/* Records a binding known from the config, silently. */
void	arpwatch_seed(struct arpwatch *, const char *bridge,
	    const uint8_t ip[4], const uint8_t mac[6]);
/* Seeds every guest's IPv4 bindings. */
void	arpwatch_seed_config(struct arpwatch *, const struct bg_config *);
size_t	arpwatch_size(const struct arpwatch *);

#endif
