/*
 * Event sinks: a bounded queue drained by one writer thread.
 *
 * This is the one thread in bridgeguard, and the reason is fsync: the
 * events file is synced so that an event seen is an event kept, and a sync
 * (or a blocked stdout, or a stuck syslog) must not hold up the loop that
 * keeps ports protected. The loop only ever takes the lock to append.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "events.h"

#define QUEUE_MAX	4096		/* lines */
#define QUEUE_BYTES	(8 << 20)
#define BATCH_MAX	256
#define STDOUT_WAIT_MS	10		/* per line, for a slow reader */

struct line {
	char		*s;
	size_t		 len;
	int		 prio;		/* syslog priority */
};

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv, idle;
	pthread_t	 thread;
	bool		 running, stop, busy;
	struct line	 q[QUEUE_MAX];
	size_t		 head, n, bytes;
	int		 fd;
	char		*path;
	bool		 to_stdout, to_syslog;
	uint64_t	 seq;
	struct ev_stats	 st;
} w = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
	.fd = -1,
};

static const int sev_prio[4] = { LOG_INFO, LOG_NOTICE, LOG_WARNING,
    LOG_CRIT };

static int
open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/* Whole lines in one writev, so concurrent readers never see half. */
static void
write_file(int fd, struct line *b, size_t n)
{
	struct iovec iov[BATCH_MAX];
	size_t i, total = 0;
	ssize_t r;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = b[i].s;
		iov[i].iov_len = b[i].len;
		total += b[i].len;
	}
	r = writev(fd, iov, (int)n);
	if (r != (ssize_t)total || fdatasync(fd) == -1) {
		pthread_mutex_lock(&w.mu);
		w.st.write_errors++;
		pthread_mutex_unlock(&w.mu);
	}
}

/*
 * stdout may be a pipe nobody reads: a line goes out only if there is room
 * for it now (poll; lines are shorter than PIPE_BUF, so such a write does
 * not block), else it is counted as dropped for stdout. The file, written
 * first, has it anyway.
 */
static void
write_stdout(const struct line *l)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	size_t off = 0;
	ssize_t n;

	while (off < l->len) {
		if (poll(&pfd, 1, STDOUT_WAIT_MS) != 1 ||
		    (n = write(STDOUT_FILENO, l->s + off, l->len - off)) <= 0) {
			pthread_mutex_lock(&w.mu);
			w.st.stdout_dropped++;
			pthread_mutex_unlock(&w.mu);
			return;
		}
		off += (size_t)n;
	}
}

static void
write_batch(struct line *b, size_t n, int fd)
{
	size_t i;

	if (fd != -1)
		write_file(fd, b, n);
	for (i = 0; i < n; i++) {
		if (w.to_syslog)
			syslog(LOG_DAEMON | b[i].prio, "%.*s",
			    (int)(b[i].len - 1), b[i].s);
		if (w.to_stdout)
			write_stdout(&b[i]);
	}
}

/* Takes up to BATCH_MAX lines off the queue; called locked. */
static size_t
take(struct line *b)
{
	size_t n = 0;

	while (w.n && n < BATCH_MAX) {
		b[n] = w.q[w.head];
		w.bytes -= b[n].len;
		w.head = (w.head + 1) % QUEUE_MAX;
		w.n--;
		n++;
	}
	return n;
}

static void *
writer(void *arg)
{
	struct line b[BATCH_MAX];
	size_t n, i;
	int fd;

	(void)arg;
	pthread_mutex_lock(&w.mu);
	for (;;) {
		while (w.n == 0 && !w.stop) {
			w.busy = false;
			pthread_cond_broadcast(&w.idle);
			pthread_cond_wait(&w.cv, &w.mu);
		}
		if (w.n == 0 && w.stop)
			break;
		w.busy = true;
		n = take(b);
		fd = w.fd;
		pthread_mutex_unlock(&w.mu);
		write_batch(b, n, fd);
		for (i = 0; i < n; i++)
			free(b[i].s);
		pthread_mutex_lock(&w.mu);
	}
	w.busy = false;
	pthread_cond_broadcast(&w.idle);
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

int
events_open(const struct events_conf *c, char *err, size_t errlen)
{
	int e;

	w.to_stdout = c->to_stdout;
	w.to_syslog = c->to_syslog;
	if (c->file) {
		if ((w.path = strdup(c->file)) == NULL ||
		    (w.fd = open_file(c->file)) == -1) {
			e = errno;
			snprintf(err, errlen, "opening events file %s: %s",
			    c->file, strerror(e));
			free(w.path);
			w.path = NULL;
			errno = e;
			return -1;
		}
	}
	if (w.to_syslog)
		openlog("bridgeguard", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	w.stop = false;
	if ((e = pthread_create(&w.thread, NULL, writer, NULL)) != 0) {
		snprintf(err, errlen, "starting the event writer: %s",
		    strerror(e));
		events_close(0);
		errno = e;
		return -1;
	}
	w.running = true;
	return 0;
}

int
events_reopen(void)
{
	int fd, old;

	if (w.path == NULL)
		return 0;
	if ((fd = open_file(w.path)) == -1)
		return -1;
	pthread_mutex_lock(&w.mu);
	old = w.fd;
	w.fd = fd;
	/* The writer may be using the old fd: wait for it to be idle. */
	while (w.busy)
		pthread_cond_wait(&w.idle, &w.mu);
	pthread_mutex_unlock(&w.mu);
	close(old);
	return 0;
}

/*
 * Waits for the queue to drain, at most timeout_ms: a stuck stdout must not
 * keep the daemon from exiting (the writer is then left to the exit).
 */
void
events_close(int timeout_ms)
{
	struct timespec ts;
	bool drained = true;
	size_t i;

	if (w.running) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&w.mu);
		w.stop = true;
		pthread_cond_signal(&w.cv);
		while ((w.n || w.busy) && drained)
			drained = pthread_cond_timedwait(&w.idle, &w.mu,
			    &ts) == 0;
		pthread_mutex_unlock(&w.mu);
		if (!drained)
			return;
		pthread_join(w.thread, NULL);
		w.running = false;
	}
	for (i = 0; i < w.n; i++)
		free(w.q[(w.head + i) % QUEUE_MAX].s);
	w.n = w.bytes = 0;
	if (w.fd != -1)
		close(w.fd);
	w.fd = -1;
	free(w.path);
	w.path = NULL;
}

void
event_emit(struct event *e)
{
	struct timespec ts;
	enum ev_type type;
	char *s;
	size_t len;

	if (e == NULL)
		return;
	type = event_type(e);
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&w.mu);
	s = event_format(e, &ts, ++w.seq);
	len = s ? strlen(s) : 0;
	w.st.emitted[type]++;
	if (s == NULL || !w.running || w.n == QUEUE_MAX ||
	    w.bytes + len > QUEUE_BYTES) {
		w.st.dropped++;
		free(s);
	} else {
		struct line *l = &w.q[(w.head + w.n) % QUEUE_MAX];

		l->s = s;
		l->len = len;
		l->prio = sev_prio[event_severity(e)];
		w.n++;
		w.bytes += len;
		w.st.queued++;
		pthread_cond_signal(&w.cv);
	}
	pthread_mutex_unlock(&w.mu);
	event_free(e);
}

void
events_stats(struct ev_stats *st)
{
	pthread_mutex_lock(&w.mu);
	*st = w.st;
	pthread_mutex_unlock(&w.mu);
}
