/* What the CLI's commands share. */
#ifndef BG_CLI_H
#define BG_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "exitcode.h"
#include "model.h"


#define BG_MAX_OPT_ADDRS	64	/* --ipv4/--ipv6 given to one guest */
#define BG_DEFAULT_EVENTS	"/var/log/bridgeguard/events.jsonl"

struct bg_opts {
	const char	*config;
	bool		 config_given;	/* -c: the file must exist */
	const char	*uri;		/* --uri: libvirt-import, audit */
	int		 verbose;
	bool		 dry_run;
	bool		 json;
	/* run */
	const char	*events;	/* --events FILE */
	const char	*metrics;	/* --metrics ADDR:PORT */
	const char	*socket;	/* --socket PATH (or @name) */
	bool		 no_syslog;
	/* guest add|del, events */
	bool		 save, follow;
	const char	*bridge, *port, *mac;
	const char	*ipv4[BG_MAX_OPT_ADDRS], *ipv6[BG_MAX_OPT_ADDRS];
	size_t		 n_ipv4, n_ipv6;
	int		 argc;		/* what follows the command's options */
	char		**argv;
};

int	status_show(FILE *, const struct bg_config *, const char *config_path,
	    bool json);
int	demo_run(struct bg_opts *);
/* `guest add|del`, `reload`: requests to the daemon (client.c). */
int	ctl_guest_cmd(struct bg_opts *);
int	ctl_reload_cmd(struct bg_opts *);
/*
 * The policy the daemon enforces now, into cfg: 1 if it answered, 0 if no
 * daemon runs (cfg untouched), -1 on error (said).
 */
int	ctl_fetch_config(struct bg_opts *, struct bg_config *cfg);
/* `audit [--json] [--uri URI]` (audit.c): 0, 1 if a finding is high. */
int	audit_cmd(struct bg_opts *);
/* `libvirt-import [--uri URI]` (libvirt.c). */
int	libvirt_import_cmd(struct bg_opts *);
/* `events [--follow] [FILE]` (evprint.c). */
int	events_print_cmd(struct bg_opts *);

#endif
