/*
 * libvirt's domain events, handed to the caller's loop through a pipe.
 *
 * libvirt delivers events from an event loop someone must run: the first
 * watch starts its default one in a thread that does nothing else. The
 * callbacks, in that thread, only write a note (the domain's UUID) to a
 * non-blocking pipe; the daemon's own loop reads it and asks libvirt what
 * the domain is now. A note that does not fit asks for a full resync
 * instead, so nothing is lost. A watch lives until libvirt has let go of
 * every callback that may still use it (the registrations' free
 * callbacks), so a late event never writes to a closed descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lv.h"
#include "lvconn.h"

enum { EV_LIFECYCLE, EV_ADDED, EV_REMOVED, EV_N };

struct lv_watch {
	struct lv_conn	*c;
	int		 rfd, wfd;
	int		 ids[EV_N];
	bool		 close_cb;
	int		 refs;		/* the owner's, and libvirt's */
	int		 overflow;	/* a note did not fit: resync */
};

static pthread_once_t loop_once = PTHREAD_ONCE_INIT;
static int loop_ok;

static void *
loop_run(void *arg)
{
	(void)arg;
	for (;;)
		if (virEventRunDefaultImpl() < 0)
			usleep(100000);	/* not expected: do not spin */
	return NULL;
}

static void
loop_start(void)
{
	pthread_t t;

	if (virEventRegisterDefaultImpl() == 0 &&
	    pthread_create(&t, NULL, loop_run, NULL) == 0) {
		pthread_detach(t);
		loop_ok = 1;
	}
}

static void
unref(void *arg)
{
	struct lv_watch *w = arg;

	if (__atomic_sub_fetch(&w->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		close(w->wfd);
		free(w);
	}
}

static void
note(struct lv_watch *w, enum lv_note_kind kind, virDomainPtr d)
{
	struct lv_note n;

	memset(&n, 0, sizeof(n));
	n.kind = kind;
	if (d && virDomainGetUUIDString(d, n.uuid) == -1)
		n.kind = LVN_RESYNC;
	if (write(w->wfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		__atomic_store_n(&w->overflow, 1, __ATOMIC_RELEASE);
}

static int
on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail,
    void *arg)
{
	(void)c;
	(void)event;
	(void)detail;
	note(arg, LVN_DOMAIN, d);
	return 0;
}

static void
on_device(virConnectPtr c, virDomainPtr d, const char *alias, void *arg)
{
	(void)c;
	(void)alias;
	note(arg, LVN_DOMAIN, d);
}

static void
on_close(virConnectPtr c, int reason, void *arg)
{
	(void)c;
	(void)reason;
	note(arg, LVN_LOST, NULL);
}

/* One event registration; it holds a reference to w until libvirt lets
 * go of it. */
static int
subscribe(struct lv_watch *w, int which, int id,
    virConnectDomainEventGenericCallback cb)
{
	__atomic_add_fetch(&w->refs, 1, __ATOMIC_ACQ_REL);
	w->ids[which] = virConnectDomainEventRegisterAny(w->c->conn, NULL, id,
	    cb, w, unref);
	if (w->ids[which] < 0) {
		__atomic_sub_fetch(&w->refs, 1, __ATOMIC_ACQ_REL);
		return -1;
	}
	return 0;
}

static int
subscribe_all(struct lv_watch *w, char *err, size_t errlen)
{
	if (subscribe(w, EV_LIFECYCLE, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
	    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle)) == -1 ||
	    subscribe(w, EV_ADDED, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
	    VIR_DOMAIN_EVENT_CALLBACK(on_device)) == -1 ||
	    subscribe(w, EV_REMOVED, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
	    VIR_DOMAIN_EVENT_CALLBACK(on_device)) == -1) {
		lv_err(err, errlen, "subscribing to domain events");
		return -1;
	}
	__atomic_add_fetch(&w->refs, 1, __ATOMIC_ACQ_REL);
	if (virConnectRegisterCloseCallback(w->c->conn, on_close, w,
	    unref) == 0)
		w->close_cb = true;
	else	/* drivers without one (test:///) lose no connection */
		__atomic_sub_fetch(&w->refs, 1, __ATOMIC_ACQ_REL);
	/* A remote daemon that dies unseen is found by keepalives. */
	if (virConnectSetKeepAlive(w->c->conn, 5, 3) == -1)
		virResetLastError();
	virResetLastError();
	return 0;
}

struct lv_watch *
lv_watch_open(const char *uri, char *err, size_t errlen)
{
	struct lv_watch *w;
	int fds[2];

	pthread_once(&loop_once, loop_start);
	if (!loop_ok) {
		lv_err(err, errlen, "starting libvirt's event loop");
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "libvirt: watching events: %s",
		    strerror(errno));
		free(w);
		return NULL;
	}
	w->rfd = fds[0];
	w->wfd = fds[1];
	w->refs = 1;
	memset(w->ids, -1, sizeof(w->ids));
	if ((w->c = lv_open(uri, err, errlen)) == NULL ||
	    subscribe_all(w, err, errlen) == -1) {
		lv_watch_close(w);
		return NULL;
	}
	return w;
}

void
lv_watch_close(struct lv_watch *w)
{
	int k;

	if (w == NULL)
		return;
	for (k = 0; k < EV_N && w->c; k++)
		if (w->ids[k] >= 0)
			virConnectDomainEventDeregisterAny(w->c->conn,
			    w->ids[k]);
	if (w->close_cb && w->c)
		virConnectUnregisterCloseCallback(w->c->conn, on_close);
	virResetLastError();
	lv_close(w->c);
	w->c = NULL;
	close(w->rfd);
	unref(w);
}

int
lv_watch_fd(const struct lv_watch *w)
{
	return w->rfd;
}

struct lv_conn *
lv_watch_conn(struct lv_watch *w)
{
	return w->c;
}

int
lv_watch_read(struct lv_watch *w, struct lv_note *n)
{
	ssize_t r = read(w->rfd, n, sizeof(*n));

	if (r == (ssize_t)sizeof(*n))
		return 1;
	if (r == -1 && errno != EAGAIN)
		return -1;
	if (__atomic_exchange_n(&w->overflow, 0, __ATOMIC_ACQ_REL)) {
		memset(n, 0, sizeof(*n));
		n->kind = LVN_RESYNC;
		return 1;
	}
	return 0;
}
