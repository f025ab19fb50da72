/* The audit: read the host once, then run every check on what was read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

static void
au_host_free(struct au_host *h)
{
	free(h->links);
	free(h->addrs);
	free(h->fdb);
	free(h->chains);
	free(h->prot.waiting);
	lv_list_clear(&h->lv);
	memset(h, 0, sizeof(*h));
}

/* libvirt is optional: without it, what it would tell is a note. */
static void
read_libvirt(struct au_host *h, const char *uri, struct au_report *r)
{
	struct lv_conn *lc;
	char err[512];

	if (uri == NULL) {
		au_note(r, "libvirt not asked (--uri URI, or source: libvirt in "
		    "the config): nwfilter and tap names judged from the "
		    "kernel only");
		return;
	}
	if ((lc = lv_open(uri, err, sizeof(err))) == NULL ||
	    lv_interfaces(lc, &h->lv, err, sizeof(err)) == -1)
		au_note(r, "%s", err);
	else
		h->have_lv = true;
	lv_close(lc);
}

static int
read_host(struct au_host *h, const struct au_opts *o, struct au_report *r,
    char *err, size_t errlen)
{
	if (au_read_links(h) == -1) {
		snprintf(err, errlen, "reading links: %s", strerror(errno));
		return -1;
	}
	if (au_read_addrs(h) == -1) {
		snprintf(err, errlen, "reading addresses: %s", strerror(errno));
		return -1;
	}
	if (au_read_fdb(h) == -1) {
		snprintf(err, errlen, "reading the bridges' FDB: %s",
		    strerror(errno));
		return -1;
	}
	if (au_read_chains(h, err, errlen) == -1 ||
	    au_read_forward(h, err, errlen) == -1 ||
	    au_read_legacy(h, err, errlen) == -1 ||
	    au_read_protection(h, o->compare ? o->cfg : NULL, err,
	    errlen) == -1)
		return -1;
	read_libvirt(h, o->uri, r);
	return 0;
}

int
audit_run(const struct au_opts *o, struct au_report *r, char *err,
    size_t errlen)
{
	static void (*const checks[])(const struct au_ctx *) = {
		check_hub_mode, check_promisc, check_unguarded_port,
		check_bridge_address, check_br_netfilter_order,
		check_fdb_duplicate, check_flooding, check_unstable_tap_name,
		check_nwfilter, check_no_protection, check_waiting,
		check_linklocal_learn,
	};
	struct au_host h;
	struct au_ctx c = { &h, o->cfg, r };
	size_t k;

	memset(&h, 0, sizeof(h));
	memset(r, 0, sizeof(*r));
	if (read_host(&h, o, r, err, errlen) == -1) {
		au_host_free(&h);
		return -1;
	}
	for (k = 0; k < sizeof(checks) / sizeof(checks[0]); k++)
		checks[k](&c);
	au_host_free(&h);
	if (r->oom) {
		snprintf(err, errlen, "audit: %s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}
