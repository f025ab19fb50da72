/* epoll and a list of timers; see loop.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

#define MAX_EVENTS	64
#define MAX_FDS		1024

struct watch {
	loop_fd_cb	 cb;
	void		*arg;
	int		 fd;
};

struct loop {
	int			 ep;
	struct watch		*w[MAX_FDS];	/* by fd */
	struct loop_timer	*timers;
};

struct loop *
loop_new(void)
{
	struct loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < MAX_FDS; i++)
		free(l->w[i]);
	close(l->ep);
	free(l);
}

int
loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	struct watch *w;

	if (fd < 0 || fd >= MAX_FDS || l->w[fd]) {
		errno = fd < 0 || fd >= MAX_FDS ? EMFILE : EEXIST;
		return -1;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	w->cb = cb;
	w->arg = arg;
	w->fd = fd;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		free(w);
		return -1;
	}
	l->w[fd] = w;
	return 0;
}

int
loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
}

/* Call before close(fd): events already fetched for fd are then ignored. */
void
loop_del(struct loop *l, int fd)
{
	if (fd < 0 || fd >= MAX_FDS || l->w[fd] == NULL)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	free(l->w[fd]);
	l->w[fd] = NULL;
}

void
loop_timer_add(struct loop *l, struct loop_timer *t, loop_timer_cb cb,
    void *arg)
{
	t->when = 0;
	t->cb = cb;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
}

void
loop_timer_del(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **pp;

	for (pp = &l->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
}

void
loop_timer_at(struct loop_timer *t, uint64_t when)
{
	t->when = when ? when : 1;
}

static int
timeout_ms(const struct loop *l, int max_ms, uint64_t now)
{
	const struct loop_timer *t;
	int ms = max_ms;

	for (t = l->timers; t; t = t->next) {
		if (t->when == 0)
			continue;
		if (t->when <= now)
			return 0;
		if (ms < 0 || t->when - now < (uint64_t)ms)
			ms = (int)(t->when - now);
	}
	return ms;
}

static void
run_timers(struct loop *l)
{
	struct loop_timer *t;
	uint64_t now = now_ms();
	int again = 1;

	/* A callback may arm or disarm timers: rescan after each one. */
	while (again) {
		again = 0;
		for (t = l->timers; t; t = t->next)
			if (t->when && t->when <= now) {
				t->when = 0;
				t->cb(t->arg);
				again = 1;
				break;
			}
	}
}

int
loop_once(struct loop *l, int max_ms, const sigset_t *waitmask)
{
	struct epoll_event ev[MAX_EVENTS];
	int n, i;

	n = epoll_pwait(l->ep, ev, MAX_EVENTS,
	    timeout_ms(l, max_ms, now_ms()), waitmask);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		int fd = ev[i].data.fd;

		/* An earlier callback may have removed this watch. */
		if (fd >= 0 && fd < MAX_FDS && l->w[fd])
			l->w[fd]->cb(fd, ev[i].events, l->w[fd]->arg);
	}
	run_timers(l);
	return 0;
}
