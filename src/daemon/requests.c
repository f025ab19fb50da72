/*
 * The control socket's requests (control.h) → policy changes: guest
 * add|del (with --save, the file rewritten), reload, and the policy in
 * force for `status`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "log.h"
#include "requests.h"
#include "txn.h"

/* --save: the policy in force, written where the next start reads it. */
static int
save_config(struct requests *d, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->config_path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "saving %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "# Written by bridgeguard (guest add/del --save).\n");
	config_print(f, policy_config(d->pol));
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0 || !ok || rename(tmp, d->config_path) == -1) {
		snprintf(err, errlen, "saving %s: %s", d->config_path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static uint32_t __attribute__((format(printf, 4, 5)))
answer(char **out, size_t *len, uint32_t type, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*out = NULL;
		n = 0;
	}
	*len = (size_t)n;
	return type;
}

static const char *
port_bridge(struct requests *d, const char *port)
{
	const struct bg_link *br = mon_link_bridge_of(d->links,
	    mon_link_byname(d->links, port));

	return br ? br->name : NULL;
}

static uint32_t
guest_add(struct requests *d, struct ctl_guest *cg, char **out, size_t *len)
{
	struct txn_stats ps;
	struct bg_guest g;
	char err[512];

	ctl_guest_model(cg, &g);
	if (policy_guest_add(d->pol, cg->bridge, &g, port_bridge(d,
	    cg->port), err, sizeof(err)) == -1)
		return answer(out, len, CTL_ERROR, "guest add: %s", err);
	stations_bind(d->stations, cg->bridge, &g);
	if ((cg->flags & CTL_F_SAVE) && save_config(d, err, sizeof(err)))
		return answer(out, len, CTL_ERROR, "guest bound, but %s", err);
	policy_stats(d->pol, &ps);
	log_info("guest %s bound on %s", cg->port, cg->bridge);
	return answer(out, len, CTL_OK, "guest %s bound on %s (%zu changes "
	    "committed in %llu us)", cg->port, cg->bridge, ps.last_elems,
	    (unsigned long long)ps.last_us);
}

static uint32_t
guest_del(struct requests *d, struct ctl_guest *cg, char **out, size_t *len)
{
	struct txn_stats ps;
	char err[512];

	if (policy_guest_del(d->pol, cg->port, (cg->flags & CTL_F_MAC) ?
	    cg->mac : NULL, cg->bridge[0] ? cg->bridge : NULL,
	    port_bridge(d, cg->port), err, sizeof(err)) == -1)
		return answer(out, len, CTL_ERROR, "guest del: %s", err);
	if ((cg->flags & CTL_F_SAVE) && save_config(d, err, sizeof(err)))
		return answer(out, len, CTL_ERROR, "guest unbound, but %s",
		    err);
	policy_stats(d->pol, &ps);
	log_info("guest %s unbound", cg->port);
	return answer(out, len, CTL_OK, "guest %s unbound (%zu changes "
	    "committed in %llu us)", cg->port, ps.last_elems,
	    (unsigned long long)ps.last_us);
}

static uint32_t
policy_text(struct requests *d, char **out, size_t *len)
{
	FILE *f;

	if ((f = open_memstream(out, len)) == NULL)
		return answer(out, len, CTL_ERROR, "out of memory");
	config_print(f, policy_config(d->pol));
	if (fclose(f) != 0) {
		free(*out);
		return answer(out, len, CTL_ERROR, "out of memory");
	}
	return CTL_OK;
}

uint32_t
requests_handle(void *arg, uint32_t type, const void *payload, size_t plen,
    char **out, size_t *len)
{
	struct requests *d = arg;
	struct ctl_guest cg;
	char err[1024];

	if (type == CTL_RELOAD) {
		if (d->reload(d->arg, err, sizeof(err)) == -1) {
			log_warnx("reload: %s; the running policy stays in "
			    "force", err);
			return answer(out, len, CTL_ERROR, "reload: %s; the "
			    "running policy stays in force", err);
		}
		log_info("reloaded %s (control socket)", d->config_path);
		return answer(out, len, CTL_OK, "reloaded %s", d->config_path);
	}
	if (type == CTL_CONFIG)
		return policy_text(d, out, len);
	if (plen != sizeof(cg))
		return answer(out, len, CTL_ERROR, "bad message length");
	memcpy(&cg, payload, sizeof(cg));	/* aligned, and ours */
	if (ctl_guest_check(&cg, type, err, sizeof(err)) == -1)
		return answer(out, len, CTL_ERROR, "bad request: %s", err);
	return type == CTL_GUEST_ADD ? guest_add(d, &cg, out, len) :
	    guest_del(d, &cg, out, len);
}
