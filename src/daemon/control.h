/*
 * The control socket: how `bridgeguard guest`, `reload` and `status` talk
 * to the running daemon.
 *
 * A Unix stream socket, by default in the abstract namespace of the
 * network namespace the daemon guards ("@bridgeguard"), so that each
 * namespace's daemon is found by the tools run in it. Only root may use
 * it (SO_PEERCRED, checked on accept), and the clients use only one that
 * root holds (the same check, the other way: anyone may bind an abstract
 * name while no daemon holds it). Every message is a fixed header
 * and a payload whose length the header gives and the server checks
 * against what the type allows before reading it; fixed-size fields
 * carry NUL-terminated names whose termination is checked too.
 */
#ifndef BG_CONTROL_H
#define BG_CONTROL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define CTL_SOCKET		"@bridgeguard"
#define CTL_MAGIC		0x62674331	/* "bgC1" */
#define CTL_MAX_ADDRS		64
#define CTL_MAX_REQUEST		4096
#define CTL_MAX_REPLY		(64U << 20)
#define CTL_TIMEOUT_MS		5000

enum ctl_type {
	CTL_GUEST_ADD = 1,	/* struct ctl_guest → OK or ERROR */
	CTL_GUEST_DEL,		/* struct ctl_guest (port, maybe mac, bridge) */
	CTL_RELOAD,		/* nothing */
	CTL_CONFIG,		/* nothing → OK with the policy as YAML */
	CTL_OK = 0x100,		/* text */
	CTL_ERROR,		/* text: what was wrong */
};

struct ctl_hdr {
	uint32_t	 magic;
	uint32_t	 type;
	uint32_t	 len;		/* payload bytes that follow */
};

#define CTL_F_SAVE	0x01	/* also write the config file */
#define CTL_F_MAC	0x02	/* mac is given */

struct ctl_guest {
	char		 bridge[BG_IFNAMSIZ];
	char		 port[BG_IFNAMSIZ];
	uint8_t		 mac[6];
	uint8_t		 flags;
	uint8_t		 pad;
	uint32_t	 n_ip4, n_ip6;
	struct in_addr	 ip4[CTL_MAX_ADDRS];
	struct in6_addr	 ip6[CTL_MAX_ADDRS];
};

enum ctl_decoded { CTL_D_MORE, CTL_D_BAD, CTL_D_REQUEST };
/*
 * What the first len bytes a client sent are: too few yet, a request
 * that is refused (why says so), or a whole request (header in h, its
 * payload of h->len bytes after it).
 */
enum ctl_decoded	ctl_decode(const uint8_t *buf, size_t len,
			    struct ctl_hdr *h, const char **why);
/* The payload length each request type must have; -1 if not a request. */
long	ctl_request_len(uint32_t type);
/*
 * Checks that a guest request can be read: names terminated, what the
 * type needs given, counts and flags in range; 0 or -1 with a reason in
 * err. What the fields say is checked by the policy's validator.
 */
int	ctl_guest_check(const struct ctl_guest *, uint32_t type, char *err,
	    size_t errlen);
/* The guest a request describes, its addresses pointing into cg. */
void	ctl_guest_model(const struct ctl_guest *cg, struct bg_guest *g);
/*
 * Is the server at the end of fd the daemon, as far as the kernel can
 * tell? Root (a squatter on the name, while no daemon holds it, is some
 * other user), and a process of this PID namespace. 0, or -1 and why in
 * err.
 */
int	ctl_peer_check(int fd, char *err, size_t errlen);
/* Fills sun from a path, or "@name" for the abstract namespace. */
struct sockaddr_un;
int	ctl_sockaddr(const char *path, struct sockaddr_un *, socklen_t *);

/* Server side, in the daemon. */
struct control;
struct loop;
/*
 * Handles one request: returns CTL_OK or CTL_ERROR and a malloc'ed reply
 * text (may be NULL).
 */
typedef uint32_t	(*ctl_handler)(void *arg, uint32_t type,
			    const void *payload, size_t len, char **reply,
			    size_t *rlen);
struct control	*control_open(const char *path, struct loop *, ctl_handler,
	    void *arg, char *err, size_t errlen);
void	control_close(struct control *);
uint64_t	control_rejected(const struct control *);


#endif
