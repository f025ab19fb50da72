/* Firewall checks: br_netfilter and iptables' FORWARD, and whether
 * bridgeguard's own ruleset is in force. */
#include <stdio.h>
#include <string.h>

#include "checks.h"

static bool
any_bridge(const struct au_ctx *c)
{
	size_t k;

	for (k = 0; k < c->h->n_links; k++)
		if (c->h->links[k].l.is_bridge)
			return true;
	return false;
}

static void
forward_one(const struct au_ctx *c, const struct au_forward *f,
    const char *tool, const char *sysctl)
{
	if (!f->bridge_nf || !f->present)
		return;
	if (f->established_accept >= 0 && f->port_deny >= 0 &&
	    f->established_accept < f->port_deny)
		au_add(c->r, "br_netfilter_order", AU_HIGH, NULL, NULL,
		    "put the per-port rules before the ESTABLISHED,RELATED "
		    "accept, or let bridgeguard guard the ports and set "
		    "net.bridge.bridge-nf-call-iptables=0 if nothing needs it",
		    "%s=1 sends bridged frames through %s' FORWARD chain, "
		    "where rule %d accepts ESTABLISHED/RELATED before the "
		    "first per-port drop (rule %d): a guest's frames in a "
		    "tracked flow skip its port's deny", sysctl, tool,
		    f->established_accept, f->port_deny);
	if (f->policy_drop)
		au_add(c->r, "br_netfilter_order", AU_MEDIUM, NULL, NULL,
		    "accept bridged traffic explicitly (-m physdev "
		    "--physdev-is-bridged -j ACCEPT), or set the sysctl to 0 "
		    "if nothing needs bridged frames in iptables",
		    "%s=1 sends bridged frames through %s' FORWARD chain, "
		    "whose policy is DROP: guests' traffic no rule accepts "
		    "dies there, silently", sysctl, tool);
}

void
check_br_netfilter_order(const struct au_ctx *c)
{
	if (!any_bridge(c))
		return;
	forward_one(c, &c->h->fwd[0], "iptables",
	    "net.bridge.bridge-nf-call-iptables");
	forward_one(c, &c->h->fwd[1], "ip6tables",
	    "net.bridge.bridge-nf-call-ip6tables");
	forward_one(c, &c->h->legacy[0], "iptables-legacy",
	    "net.bridge.bridge-nf-call-iptables");
	forward_one(c, &c->h->legacy[1], "ip6tables-legacy",
	    "net.bridge.bridge-nf-call-ip6tables");
}

static bool
any_guest_bridge(const struct au_ctx *c)
{
	size_t k;

	for (k = 0; k < c->h->n_links; k++)
		if (c->h->links[k].l.is_bridge &&
		    au_guest_bridge(c, &c->h->links[k]))
			return true;
	return false;
}

void
check_no_protection(const struct au_ctx *c)
{
	const struct au_protect *p = &c->h->prot;
	static const char fix[] = "bridgeguard apply, or start the daemon "
	    "(systemctl start bridgeguard)";

	if (!p->netdev || !p->bridge) {
		if (c->cfg || any_guest_bridge(c))
			au_add(c->r, "no_protection", AU_HIGH, NULL, NULL, fix,
			    "bridgeguard's tables are %s: %s",
			    p->netdev || p->bridge ? "incomplete" : "absent",
			    c->cfg ? "the config's guests are not protected" :
			    "no guest on this host's bridges is protected");
		return;
	}
	if (p->compared && !p->match)
		au_add(c->r, "no_protection", AU_HIGH, NULL, NULL,
		    "bridgeguard apply (or bridgeguard reload with the daemon "
		    "running)",
		    "bridgeguard's tables do not match the config: %s", p->why);
}

/* A waiting guest is no hole (the bridge drops what its port sends until
 * it is hooked), but nothing of it flows until something hooks it. */
void
check_waiting(const struct au_ctx *c)
{
	const struct au_protect *p = &c->h->prot;
	struct bg_bridge *b;
	size_t i;

	for (i = 0; i < p->n_waiting; i++) {
		b = NULL;
		config_guest(c->cfg, p->waiting[i], &b);
		au_add(c->r, "waiting", AU_LOW, b ? b->name : NULL,
		    p->waiting[i], "keep the daemon running (bridgeguard run "
		    "hooks the port as it appears), or apply again once it "
		    "exists", "guest port %s does not exist and this kernel "
		    "cannot hook absent devices: it has no ingress chain yet, "
		    "and the bridge drops what it sends until it is hooked",
		    p->waiting[i]);
	}
}
