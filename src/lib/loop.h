/*
 * The daemon's one event loop: epoll over file descriptors, plus a few
 * timers kept in a list (there are only a handful: the soonest one bounds
 * the epoll wait). Signals reach the loop only as flags: they are blocked
 * except inside epoll_pwait, so none is lost between a check and a wait.
 */
#ifndef BG_LOOP_H
#define BG_LOOP_H

#include <signal.h>
#include <stdint.h>

struct loop;

typedef void	(*loop_fd_cb)(int fd, uint32_t events, void *arg);
typedef void	(*loop_timer_cb)(void *arg);

struct loop_timer {
	uint64_t		 when;		/* monotonic ms; 0: not armed */
	loop_timer_cb		 cb;
	void			*arg;
	struct loop_timer	*next;
};

struct loop	*loop_new(void);
void	loop_free(struct loop *);
/* Watches fd for events (EPOLLIN...); -1 with errno. */
int	loop_add(struct loop *, int fd, uint32_t events, loop_fd_cb, void *arg);
int	loop_mod(struct loop *, int fd, uint32_t events);
void	loop_del(struct loop *, int fd);
/* Registers a timer once; then arm it with loop_timer_at. */
void	loop_timer_add(struct loop *, struct loop_timer *, loop_timer_cb,
	    void *arg);
void	loop_timer_del(struct loop *, struct loop_timer *);
void	loop_timer_at(struct loop_timer *, uint64_t when);
/* Waits up to max_ms for one round of events and due timers. */
int	loop_once(struct loop *, int max_ms, const sigset_t *waitmask);

#endif
