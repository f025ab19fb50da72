/*
 * libvirt as a source of bindings, through its C API: which tap, MAC,
 * bridge and addresses each running domain's interfaces have. Read-only:
 * nothing here changes libvirt's domains, networks or filters. Functions
 * return -1 with a message in err and never print.
 */
#ifndef BG_LV_H
#define BG_LV_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define LV_DEFAULT_URI	"qemu:///system"
#define LV_MAX_ADDRS	16	/* per interface and family */
#define LV_NAME		64

/* One interface of a running domain that is a port of a bridge. */
struct lv_iface {
	char		 domain[LV_NAME];
	char		 uuid[40];
	char		 bridge[BG_IFNAMSIZ];
	char		 network[LV_NAME];	/* "" unless type='network' */
	char		 tap[BG_IFNAMSIZ];	/* <target dev> */
	/* The persistent definition names the tap: it survives a restart. */
	bool		 stable_name;
	uint8_t		 mac[6];
	char		 filter[LV_NAME];	/* <filterref filter>, "" if none */
	struct in_addr	 ip4[LV_MAX_ADDRS];
	size_t		 n_ip4;
	struct in6_addr	 ip6[LV_MAX_ADDRS];
	size_t		 n_ip6;
};

struct lv_list {
	struct lv_iface	*v;
	size_t		 n, cap;
};

struct lv_conn;

/* Opens a read-only connection to uri (NULL: LV_DEFAULT_URI). */
struct lv_conn	*lv_open(const char *uri, char *err, size_t errlen);
void		 lv_close(struct lv_conn *);
const char	*lv_uri(const struct lv_conn *);

/* Appends the interfaces of every running domain to l. */
int	lv_interfaces(struct lv_conn *, struct lv_list *l, char *err,
	    size_t errlen);
/* Appends the interfaces of one running domain, by UUID string. A domain
 * that does not exist or does not run has none. */
int	lv_domain_interfaces(struct lv_conn *, const char *uuid,
	    struct lv_list *l, char *err, size_t errlen);
void	lv_list_clear(struct lv_list *);

/* domxml.c: one domain's XML (live, and its persistent definition, which
 * may be NULL) → its interfaces, appended to l; networks are resolved by
 * net (NULL: interfaces of networks are skipped). */
typedef int	(*lv_net_fn)(void *arg, struct lv_iface *);
int	lv_parse_domain(const char *xml, const char *inactive_xml,
	    lv_net_fn net, void *arg, struct lv_list *l);
/* netxml.c: a network's XML → the addresses its DHCP hosts give i (by
 * MAC for IPv4, by domain name for IPv6). */
int	lv_parse_network(const char *xml, struct lv_iface *i);
/* Is a tap name one libvirt makes up (vnetN, macvtapN, ...)? */
bool	lv_generated_name(const char *);

/* import.c: the guests of interfaces, as bindings of bridges. */
/* An interface as a guest (libvirt_uuid set); -1 on ENOMEM. */
int	lv_guest(struct bg_guest *, const struct lv_iface *);
/* A config with one bridge per bridge the interfaces are on. */
int	lv_import(struct bg_config *, const struct lv_list *);
/*
 * Binds the running domains' interfaces on each bridge with source:
 * libvirt, beside its static guests (guests bound from libvirt before are
 * replaced by what libvirt says now), and validates the whole config again
 * (name is the file's, for messages). -1 with a message in err.
 */
int	lv_fill_config(const char *name, struct bg_config *, char *err,
	    size_t errlen);
/* The interface bound to port, or NULL. */
const struct lv_iface *lv_find_tap(const struct lv_list *, const char *port);

/*
 * watch.c: libvirt's domain events. The first watch starts libvirt's
 * event loop in a thread of its own; its callbacks only write notes to a
 * pipe, which the caller's loop reads (lv_watch_fd) and acts on.
 */
/* A domain changed; the connection is lost; notes were lost: resync. */
enum lv_note_kind { LVN_DOMAIN, LVN_LOST, LVN_RESYNC };
struct lv_note {
	enum lv_note_kind kind;
	char		 uuid[40];	/* LVN_DOMAIN: which one changed */
};
struct lv_watch;

/* Connects to uri and subscribes to lifecycle and device events. */
struct lv_watch	*lv_watch_open(const char *uri, char *err, size_t errlen);
void		 lv_watch_close(struct lv_watch *);
int		 lv_watch_fd(const struct lv_watch *);
struct lv_conn	*lv_watch_conn(struct lv_watch *);
/* The next note: 1, 0 if none is pending, -1 with errno. */
int		 lv_watch_read(struct lv_watch *, struct lv_note *);

#endif
