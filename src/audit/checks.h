/* The checks: each reads the host state and adds its findings. */
#ifndef BG_AUDIT_CHECKS_H
#define BG_AUDIT_CHECKS_H

#include "audit.h"
#include "host.h"

struct au_ctx {
	const struct au_host	*h;
	const struct bg_config	*cfg;	/* NULL if no policy */
	struct au_report	*r;
};

void	au_add(struct au_report *, const char *check, enum au_severity,
	    const char *bridge, const char *port, const char *fix,
	    const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void	au_note(struct au_report *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* classify.c: what a port and a bridge are to the audit. */
enum au_port_role {
	AR_GUEST,	/* bound by the policy */
	AR_TRUSTED, AR_MONITOR,
	AR_UNBOUND,	/* no role on a guarded bridge; a guest's elsewhere */
	AR_UPLINK,	/* not a guest's, on a bridge the policy leaves alone */
};
/* The bridge a port belongs to, NULL if it is none's. */
const struct au_link *au_bridge_of(const struct au_ctx *,
	    const struct au_link *port);
/* Does bridge carry guests: guarded, or with a tap, veth or libvirt port? */
bool	au_guest_bridge(const struct au_ctx *, const struct au_link *br);
enum au_port_role au_port_role(const struct au_ctx *,
	    const struct au_link *br, const struct au_link *port);

/* checks_l2.c */
void	check_hub_mode(const struct au_ctx *);
void	check_flooding(const struct au_ctx *);
void	check_promisc(const struct au_ctx *);
void	check_fdb_duplicate(const struct au_ctx *);
void	check_linklocal_learn(const struct au_ctx *);
/* checks_port.c */
void	check_unguarded_port(const struct au_ctx *);
void	check_bridge_address(const struct au_ctx *);
void	check_unstable_tap_name(const struct au_ctx *);
void	check_nwfilter(const struct au_ctx *);
/* checks_fw.c */
void	check_br_netfilter_order(const struct au_ctx *);
void	check_no_protection(const struct au_ctx *);
void	check_waiting(const struct au_ctx *);

#endif
