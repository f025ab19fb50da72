/*
 * `bridgeguard audit`: what on this host (this network namespace) is
 * already unsafe for the guests of its bridges. Reads only: rtnetlink,
 * sysfs/procfs, nftables (iptables-nft's and ebtables-nft's tables too)
 * and, given a connection, libvirt. Never prints: the CLI does.
 */
#ifndef BG_AUDIT_H
#define BG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum au_severity { AU_LOW, AU_MEDIUM, AU_HIGH };

struct au_finding {
	char			 check[24];	/* hub_mode, promisc, ... */
	enum au_severity	 severity;
	char			 bridge[BG_IFNAMSIZ];	/* "" if none */
	char			 port[BG_IFNAMSIZ];	/* "" if none */
	char			 message[320];
	char			 fix[240];
};

struct au_report {
	struct au_finding	*v;
	size_t			 n;
	bool			 oom;
	/* What could not be inspected (no libvirt, ...), for the reader. */
	char			 notes[4][200];
	size_t			 n_notes;
};

struct au_opts {
	const struct bg_config	*cfg;	/* the policy, NULL if none */
	const char		*uri;	/* libvirt to ask, NULL: none */
	bool			 compare;	/* cfg is whole: compare it with
					 * bridgeguard's tables */
};

/* Runs every check into r; -1 (with err) only if the host cannot be
 * read at all. */
int	audit_run(const struct au_opts *, struct au_report *r, char *err,
	    size_t errlen);
void	au_report_free(struct au_report *);
bool	au_report_high(const struct au_report *);
const char *au_severity_name(enum au_severity);

#endif
