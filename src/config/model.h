/*
 * The policy model: what the configuration means, independent of YAML and
 * of nftables. parse.c builds it, the ruleset compiles it.
 */
#ifndef BG_MODEL_H
#define BG_MODEL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BG_IFNAMSIZ	16	/* IFNAMSIZ: 15 characters and the NUL */
#define BG_NFLOG_GROUP	7	/* default NFLOG group for dropped frames */
#define BG_MAX_MIRRORS	7	/* each owns one bit of skb->mark */
#define BG_MAX_EXCLUDES	8	/* per mirror */
/* Learned addresses bound per guest at once: at most (max-learned-ipv4,
 * max-learned-ipv6 may ask no more), and unless the bridge says. */
#define BG_MAX_LEARNED4	16
#define BG_MAX_LEARNED6	32
#define BG_DEF_LEARNED4	4
#define BG_DEF_LEARNED6	16

/* What a guest's addresses are learned from, besides those listed. */
enum bg_learn {
	LEARN_DHCP4	= 1 << 0,	/* ipv4: dhcp */
	LEARN_SLAAC	= 1 << 1,	/* ipv6: slaac (bound after DAD) */
	LEARN_DHCP6	= 1 << 2,	/* ipv6: dhcpv6 (not implemented yet) */
};

struct bg_guest {
	char		 port[BG_IFNAMSIZ];
	uint8_t		 mac[6];
	struct in_addr	*ip4;
	size_t		 n_ip4;
	struct in6_addr	*ip6;		/* as configured; link-local is derived */
	size_t		 n_ip6;
	int		 line;		/* where the guest starts in the file */
	int		 mac_line;
	int		*ip4_line;	/* per address; NULL if not from a file */
	int		*ip6_line;
	unsigned int	 learn;		/* enum bg_learn bits */
	/* Addresses learned at run time (the daemon's bindings): bound
	 * exactly like ip4 and ip6, never read from a file or printed to
	 * one. */
	struct in_addr	 learned4[BG_MAX_LEARNED4];
	size_t		 n_learned4;
	struct in6_addr	 learned6[BG_MAX_LEARNED6];
	size_t		 n_learned6;
	/* The libvirt domain it is bound from ("" if static): its bindings
	 * follow the domain, and loading the config reads them afresh. */
	char		 libvirt_uuid[40];
};

enum bg_direction { DIR_IN = 1, DIR_OUT = 2, DIR_BOTH = 3 };

/* Traffic a mirror does not copy: a protocol/port, or a network. */
struct bg_exclude {
	uint8_t		 proto;		/* IPPROTO_TCP/UDP, 0 if by net */
	uint16_t	 port;		/* either direction; 0 for any */
	int		 family;	/* AF_INET/AF_INET6 if by net, else 0 */
	uint8_t		 net[16];
	uint8_t		 plen;
};

/* A SPAN session: copies of from's frames to a port or a VXLAN collector. */
struct bg_mirror {
	char		 name[32];
	char		 to[BG_IFNAMSIZ];	/* monitor port; "" if remote */
	bool		 from_all;		/* every port of the bridge */
	char		(*from)[BG_IFNAMSIZ];
	size_t		 n_from;
	enum bg_direction direction;
	struct bg_exclude *excl;
	size_t		 n_excl;
	bool		 remote;
	uint32_t	 vni;
	struct in_addr	 remote_ip, local_ip;
	char		 dev[BG_IFNAMSIZ];	/* underlay device, may be "" */
	uint16_t	 udp_port;
	int		 line;
};

struct bg_bridge {
	char		 name[BG_IFNAMSIZ];
	char		(*trusted)[BG_IFNAMSIZ];
	size_t		 n_trusted;
	/* dhcp-servers: only these server ids are believed (none: any
	 * server behind a trusted port). */
	struct in_addr	*dhcp_servers;
	size_t		 n_dhcp_servers;
	bool		 allow_unknown;	/* unknown-ports: allow */
	/* max-learned-ipv4, -ipv6: per guest (0: BG_DEF_LEARNED4, 6) */
	unsigned int	 max_learned4, max_learned6;
	struct bg_guest	*guests;
	size_t		 n_guests;
	struct bg_mirror *mirrors;
	size_t		 n_mirrors;
	/* source: libvirt: more guests come from libvirt at this URI when
	 * the config is loaded ("" if the bridge's guests are all static). */
	char		 libvirt[256];
	int		 libvirt_line, uri_line;	/* source:, libvirt-uri: */
	int		 line;
};

#define BG_LIBVIRT_URI	"qemu:///system"	/* source: libvirt's default */

struct bg_config {
	struct bg_bridge *bridges;
	size_t		  n_bridges;
	unsigned int	  nflog_group;
};

/* Frees everything the config owns, not the struct itself. */
void	config_clear(struct bg_config *);
void	guest_clear(struct bg_guest *);
/* Deep copy of a guest; -1 on allocation failure. */
int	guest_copy(struct bg_guest *dst, const struct bg_guest *src);

struct bg_bridge *config_bridge(const struct bg_config *, const char *name);
/* Does g learn IPv4 addresses from DHCP? */
bool	guest_learns4(const struct bg_guest *);
/* Does g learn IPv6 addresses (slaac, dhcpv6)? */
bool	guest_learns6(const struct bg_guest *);
/* g's IPv4 addresses, configured then learned: how many, and the k-th. */
size_t	guest_n_ip4(const struct bg_guest *);
const struct in_addr *guest_ip4_at(const struct bg_guest *, size_t k);
/* How many addresses of family af a guest of b may have learned. */
size_t	bridge_learn_cap(const struct bg_bridge *, int af);
/* Is a DHCP server id believed on b (dhcp-servers, if any, lists it)? */
bool	bridge_dhcp_server_ok(const struct bg_bridge *, const struct in_addr *);
/* The guest bound to a port, on any bridge; NULL if none. */
struct bg_guest	 *config_guest(const struct bg_config *, const char *port,
		     struct bg_bridge **bridgep);
/* Is port the monitor port of one of b's mirrors? */
bool	bridge_is_monitor(const struct bg_bridge *, const char *port);

/* What a port of a guarded bridge is to it. */
enum bg_port_kind { PORT_UNKNOWN, PORT_GUEST, PORT_TRUSTED, PORT_MONITOR };
/*
 * The kind of port on bridge b. gb is the bridge the config binds port to
 * as a guest (NULL if none), found by the caller (one that asks about many
 * ports can find it faster than a walk of the config), or the bridge it
 * asks about as if it were bound there: a guest of another bridge is
 * unknown here.
 */
enum bg_port_kind	bridge_port_kind(const struct bg_bridge *b,
			    const char *port, const struct bg_bridge *gb);
/* "unknown", "guest", "trusted", "monitor". */
const char	*port_kind_name(enum bg_port_kind);
/*
 * Are the frames of port, a port of the bridge named bridge (NULL: of
 * none), dropped as those of an unknown port? gb as above.
 */
bool	config_drops_port(const struct bg_config *, const char *bridge,
	    const char *port, const struct bg_bridge *gb);

/* The device a mirror's copies go to: its monitor port, or bgvx<VNI>. */
void	mirror_device(const struct bg_mirror *, char dev[BG_IFNAMSIZ]);

/* The modified EUI-64 link-local address of a MAC (RFC 4291, appendix A). */
void	mac_to_linklocal(const uint8_t mac[6], struct in6_addr *);
/* Parses aa:bb:cc:dd:ee:ff; -1 if malformed. */
int	mac_parse(const char *, uint8_t mac[6]);
/* Formats into buf of at least 18 bytes. */
char	*mac_format(const uint8_t mac[6], char *buf);
/* Port names: 1..15 characters, no '/', whitespace or ':'; as the kernel. */
bool	ifname_valid(const char *);

#endif
