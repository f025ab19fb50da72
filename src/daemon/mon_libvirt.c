/*
 * source: libvirt, followed: the connection, its notes and its loss.
 * libvirt's notes (lv_watch) say which domain changed; the domain's
 * interfaces are then read afresh and made the bindings (lvsync.c), so a
 * missed or repeated note does no harm. The libvirt URI followed is the
 * first one the policy names; bridges naming another are bound at load
 * and reload only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "lv.h"
#include "lvsync.h"
#include "mon_libvirt.h"
#include "policy.h"

#define RETRY_FIRST_MS	1000
#define RETRY_MAX_MS	30000

struct mon_libvirt {
	struct loop		*loop;
	struct policy		*pol;
	char			 uri[256];	/* "" if idle */
	struct lv_watch		*w;		/* NULL while disconnected */
	struct loop_timer	 retry;
	unsigned int		 backoff_ms;
	struct lvsync		 sync;
};

static void	connect_now(struct mon_libvirt *);

/* The URI of the first bridge with source: libvirt, or "". */
static const char *
policy_uri(const struct mon_libvirt *m)
{
	const struct bg_config *cfg = policy_config(m->pol);
	size_t k;

	for (k = 0; k < cfg->n_bridges; k++)
		if (cfg->bridges[k].libvirt[0])
			return cfg->bridges[k].libvirt;
	return "";
}

/* One domain (uuid), or all of them (NULL), made as libvirt says. */
static void
sync_domains(struct mon_libvirt *m, const char *uuid)
{
	struct lv_list now = { 0 };
	char err[512];
	int rc;

	rc = uuid ? lv_domain_interfaces(lv_watch_conn(m->w), uuid, &now,
	    err, sizeof(err)) : lv_interfaces(lv_watch_conn(m->w), &now, err,
	    sizeof(err));
	if (rc == -1) {
		log_warnx("%s; the bindings in force stay", err);
		lv_list_clear(&now);
		return;
	}
	lvsync_apply(&m->sync, m->uri, uuid, &now);
	lv_list_clear(&now);
}

static void
disconnect(struct mon_libvirt *m)
{
	if (m->w == NULL)
		return;
	loop_del(m->loop, lv_watch_fd(m->w));
	lv_watch_close(m->w);
	m->w = NULL;
}

static void
retry_later(struct mon_libvirt *m)
{
	loop_timer_at(&m->retry, now_ms() + m->backoff_ms);
	m->backoff_ms = m->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
	    m->backoff_ms * 2;
}

static void
notes_cb(int fd, uint32_t events, void *arg)
{
	struct mon_libvirt *m = arg;
	struct lv_note n;
	int rc;

	(void)fd;
	(void)events;
	while (m->w && (rc = lv_watch_read(m->w, &n)) == 1) {
		if (n.kind == LVN_LOST) {
			log_warnx("libvirt: lost the connection to %s; the "
			    "bindings in force stay, reconnecting", m->uri);
			disconnect(m);
			m->backoff_ms = RETRY_FIRST_MS;
			retry_later(m);
			return;
		}
		sync_domains(m, n.kind == LVN_DOMAIN ? n.uuid : NULL);
	}
}

static void
connect_now(struct mon_libvirt *m)
{
	char err[512];

	if (m->uri[0] == '\0' || m->w)
		return;
	if ((m->w = lv_watch_open(m->uri, err, sizeof(err))) == NULL) {
		log_warnx("%s; retrying in %u s", err, m->backoff_ms / 1000);
		retry_later(m);
		return;
	}
	if (loop_add(m->loop, lv_watch_fd(m->w), EPOLLIN, notes_cb, m) ==
	    -1) {
		log_warn("watching libvirt");
		lv_watch_close(m->w);
		m->w = NULL;
		retry_later(m);
		return;
	}
	log_info("libvirt: following the domains of %s", m->uri);
	m->backoff_ms = RETRY_FIRST_MS;
	sync_domains(m, NULL);
}

static void
retry_cb(void *arg)
{
	connect_now(arg);
}

struct mon_libvirt *
mon_libvirt_open(struct loop *loop, struct policy *pol,
    struct mon_link *links, struct stations *st)
{
	struct mon_libvirt *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	*m = (struct mon_libvirt){ .loop = loop, .pol = pol,
	    .backoff_ms = RETRY_FIRST_MS,
	    .sync = { .pol = pol, .links = links, .st = st } };
	loop_timer_add(loop, &m->retry, retry_cb, m);
	snprintf(m->uri, sizeof(m->uri), "%s", policy_uri(m));
	connect_now(m);
	return m;
}

void
mon_libvirt_reload(struct mon_libvirt *m)
{
	if (strcmp(m->uri, policy_uri(m)) != 0) {
		disconnect(m);
		loop_timer_at(&m->retry, 0);
		snprintf(m->uri, sizeof(m->uri), "%s", policy_uri(m));
		m->backoff_ms = RETRY_FIRST_MS;
		connect_now(m);
	} else if (m->w)
		sync_domains(m, NULL);
}

void
mon_libvirt_close(struct mon_libvirt *m)
{
	if (m == NULL)
		return;
	disconnect(m);
	loop_timer_del(m->loop, &m->retry);
	lvsync_free(&m->sync);
	free(m);
}
