/*
 * The daemon following libvirt (source: libvirt): domains that start,
 * stop, migrate in or out, or gain and lose interfaces change their
 * bindings, each interface one transaction, and each change is a
 * guest_add or guest_remove event naming the domain. A lost connection
 * is retried with backoff while the bindings in force stay; once back,
 * the bindings are resynchronised with what libvirt says.
 */
#ifndef BG_MON_LIBVIRT_H
#define BG_MON_LIBVIRT_H

struct loop;
struct mon_link;
struct policy;
struct stations;
struct mon_libvirt;

/* Idle while no bridge of the policy has source: libvirt. NULL on ENOMEM. */
struct mon_libvirt *mon_libvirt_open(struct loop *, struct policy *,
		    struct mon_link *, struct stations *);
/* The policy was reloaded: reconnect if its URI changed, else resync. */
void	mon_libvirt_reload(struct mon_libvirt *);
void	mon_libvirt_close(struct mon_libvirt *);

#endif
