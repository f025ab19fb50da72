/*
 * Snooping: the addresses learning guests are given (DHCPv4, snoop_dhcp.c;
 * DHCPv6, snoop_dhcp6.c) or claim (IPv6 duplicate address detection,
 * snoop_nd.c), bound to their ports. Each change refills the guest's chains (one transaction: the
 * learned addresses are constants there, as static ones), is an event,
 * and is written to the bindings file, from which a restart or a reload
 * restores what has not expired in the same transaction as the ruleset.
 */
#ifndef BG_SNOOP_H
#define BG_SNOOP_H

#include <stdint.h>

#include "bindings.h"
#include "model.h"
#include "sensor.h"

struct policy;
struct mon_link;
struct snoop;

/* The table of config_path's bindings file (config_path.bindings), read
 * in; NULL on ENOMEM. */
struct snoop	*snoop_new(const char *config_path);
void	snoop_free(struct snoop *);
/* The learned addresses of cfg's learning guests, from the table, into
 * cfg before it is applied. */
void	snoop_fill(const struct snoop *, struct bg_config *cfg);
/* After an apply: bindings the policy in force has not (their guest gone
 * or no longer learning, their address now another's) are removed. */
void	snoop_prune(struct snoop *, struct policy *);
/* A DHCP record from the sensor. */
void	snoop_dhcp(struct snoop *, struct policy *, const struct mon_link *,
	    const struct sensor_rec *);
/* A DHCPv6 message from or to a learning guest (snoop_dhcp6.c). */
void	snoop_dhcp6(struct snoop *, struct policy *, const struct mon_link *,
	    const struct sensor_rec *);
/* An NS or NA from or to a learning IPv6 guest (snoop_nd.c). */
void	snoop_nd(struct snoop *, struct policy *, const struct mon_link *,
	    const struct sensor_rec *);
/* Every second: expiry, and the counts of what went unseen. */
void	snoop_tick(struct snoop *, struct policy *);
/* At the end of a DAD period (and every second): the periods that passed
 * bind their addresses; when the next one ends (now_ms()'s clock;
 * UINT64_MAX if none waits). */
void	snoop_dad_tick(struct snoop *, struct policy *);
uint64_t	snoop_next_ms(const struct snoop *);
const struct bindings *snoop_table(const struct snoop *);
/* The bindings file of a config file, into buf. */
const char	*snoop_path(const char *config_path, char *buf, size_t len);

#endif
