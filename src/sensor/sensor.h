/*
 * The sensor: the one part of bridgeguard that reads bytes guests send.
 *
 * It runs as a child process, a fresh exec of the binary, that opens its
 * sockets (NFLOG for dropped frames, a packet socket for ARP, its filter
 * locked) while privileged, then gives up everything: its own user
 * (_bridgeguard, else nobody), no capabilities, no new privileges, an
 * empty unlinked root, no files but /dev/null as stdio, no children, and
 * a seccomp filter that allows only reading its sockets and sending on
 * its pipe (seccomp.c). What it parses reaches the
 * daemon as fixed-size records over a socketpair; the daemon checks each
 * record's size and fields before using it, so even a sensor subverted by
 * a crafted frame can only lie about frames, not take the daemon.
 */
#ifndef BG_SENSOR_H
#define BG_SENSOR_H

#include <stdint.h>
#include <sys/types.h>

#include "dhcp6msg.h"
#include "dhcpmsg.h"
#include "packet.h"

enum sensor_kind {
	SR_READY = 1,	/* sockets open, privileges dropped */
	SR_FAIL,	/* could not start: err is errno, where says what */
	SR_DROP,	/* a frame bridgeguard dropped (NFLOG) */
	SR_ARP,		/* an ARP frame seen on an interface */
	SR_OVERRUN,	/* NFLOG or packet socket lost messages */
	SR_DHCP,	/* a DHCP message copied for snooping (learn_log) */
	SR_ND,		/* an NS or NA copied for snooping (learn_log) */
	SR_DHCP6,	/* a DHCPv6 message copied for snooping (learn_log) */
};

struct sensor_rec {
	uint32_t	 kind;
	int32_t		 ifindex;	/* DROP: in (or out); ARP: where seen;
					   DHCP, ND, DHCP6: the guest's
					   port */
	uint8_t		 reason;	/* DROP: an enum bg_reason */
	uint8_t		 outgoing;	/* DROP: at egress; DHCP, ND: to
					   the guest (else from it) */
	uint8_t		 pad[2];
	int32_t		 peer;		/* DHCP, ND to a guest: the port it
					   came in on, 0 from the host */
	int32_t		 err;		/* FAIL */
	char		 where[64];	/* FAIL */
	struct pkt_info	 pkt;
	struct dhcp_info dhcp;		/* DHCP */
	struct dhcp6_info dhcp6;	/* DHCP6 */
};

struct sensor {
	pid_t		 pid;
	int		 fd;		/* the daemon's end */
	uint64_t	 bad_records;
	int		 status;	/* waitpid()'s, once stopped */
};

/*
 * Starts the sensor for this NFLOG group and waits (up to a few seconds)
 * for it to be ready. -1 with err set. Safe in a process with threads:
 * the child only moves its socketpair to fd 3, closes every other fd and
 * execs this binary again as SENSOR_ARGV0, so that nothing of the
 * daemon's memory (locks held by other threads included) is in it.
 */
int	sensor_start(struct sensor *, unsigned int group, char *err,
	    size_t errlen);
/* The sensor's program: argv[0] is SENSOR_ARGV0 (main() checks first). */
#define SENSOR_ARGV0	"bridgeguard-sensor"
void	sensor_main(int argc, char **argv) __attribute__((noreturn));
/* Kills and reaps it; how it ended is then in status. */
void	sensor_stop(struct sensor *);
/*
 * Reads one record if there is one: 1 and *r valid, 0 if none pending,
 * -1 if the sensor is gone. Malformed records are counted and skipped.
 */
int	sensor_read(struct sensor *, struct sensor_rec *r);
/* Checks a record from the sensor; 0 if every field is in range. */
int	sensor_rec_check(const struct sensor_rec *, size_t len);

#endif
