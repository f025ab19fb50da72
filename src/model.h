/*
 * The policy model: what the configuration means, independent of YAML and
 * of nftables. config.c builds it, ruleset.c compiles it.
 */
#ifndef BG_MODEL_H
#define BG_MODEL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BG_IFNAMSIZ	16	/* IFNAMSIZ: 15 characters and the NUL */
#define BG_NFLOG_GROUP	7	/* default NFLOG group for dropped frames */

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
};

struct bg_bridge {
	char		 name[BG_IFNAMSIZ];
	char		(*trusted)[BG_IFNAMSIZ];
	size_t		 n_trusted;
	bool		 allow_unknown;	/* unknown-ports: allow */
	struct bg_guest	*guests;
	size_t		 n_guests;
	int		 line;
};

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
/* The guest bound to a port, on any bridge; NULL if none. */
struct bg_guest	 *config_guest(const struct bg_config *, const char *port,
		     struct bg_bridge **bridgep);
bool	bridge_is_trusted(const struct bg_bridge *, const char *port);

/* The modified EUI-64 link-local address of a MAC (RFC 4291, appendix A). */
void	mac_to_linklocal(const uint8_t mac[6], struct in6_addr *);
/* Parses aa:bb:cc:dd:ee:ff; -1 if malformed. */
int	mac_parse(const char *, uint8_t mac[6]);
/* Formats into buf of at least 18 bytes. */
char	*mac_format(const uint8_t mac[6], char *buf);
/* Port names: 1..15 characters, no '/', whitespace or ':'; as the kernel. */
bool	ifname_valid(const char *);

#endif
