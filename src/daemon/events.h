/*
 * Detection events: one JSON object per line, to stdout, to an append-only
 * file (fsync'ed) and to syslog. The schema is in docs/daemon.md.
 *
 * Emitting never blocks the caller: lines go to a bounded queue that one
 * writer thread drains, so a slow disk, a full pipe on stdout or a stuck
 * syslog delays events, never protection. When the queue is full, events
 * are counted as dropped (and the count is exported), not held.
 */
#ifndef BG_EVENTS_H
#define BG_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum ev_severity { SEV_INFO, SEV_NOTICE, SEV_WARNING, SEV_CRITICAL };

enum ev_type {
	EV_SPOOF_DROP, EV_FDB_MOVE, EV_ARP_CHANGE, EV_NEW_STATION,
	EV_HOST_NEIGH_CHANGE, EV_PROMISC, EV_HUB_MODE, EV_PORT_JOIN,
	EV_PORT_LEAVE, EV_UNKNOWN_PORT, EV_GUEST_ADD, EV_GUEST_REMOVE,
	EV_BINDING_ADD, EV_BINDING_RENEW, EV_BINDING_REMOVE,
	EV_BINDING_REFUSED, EV_LEARN_LIMITED, EV_DHCP_CLIENT_SPOOF,
	EV_NTYPES
};

extern const char *const ev_type_names[EV_NTYPES];

struct event;

/* A new event of this type; NULL only when out of memory. */
struct event	*event_new(enum ev_type, enum ev_severity);
void	event_free(struct event *);
/* Fields, in the order added; a NULL or empty string is left out. */
void	ev_str(struct event *, const char *key, const char *val);
void	ev_int(struct event *, const char *key, long long val);
void	ev_bool(struct event *, const char *key, bool val);
void	ev_mac(struct event *, const char *key, const uint8_t mac[6]);
/* af is AF_INET or AF_INET6. */
void	ev_ip(struct event *, const char *key, int af, const void *addr);
void	ev_msg(struct event *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The event as one JSON line (malloc'ed, with '\n'); NULL on ENOMEM. */
char	*event_format(const struct event *, const struct timespec *,
	    uint64_t seq);
/* RFC 3339 UTC with microseconds: 2025-11-23T11:45:01.123456Z. */
int	ev_timestamp(char *buf, size_t len, const struct timespec *);
enum ev_type	 event_type(const struct event *);
enum ev_severity event_severity(const struct event *);
/* Formats, queues for the sinks, counts, and frees the event. */
void	event_emit(struct event *);

struct events_conf {
	const char	*file;		/* NULL: no file */
	bool		 to_stdout;
	bool		 to_syslog;
};

/* Opens the sinks and starts the writer. -1 with errno and err set. */
int	events_open(const struct events_conf *, char *err, size_t errlen);
/* Reopens the file (after rotation); -1 with errno, the old one kept. */
int	events_reopen(void);
/* Writes what is queued (waiting at most timeout_ms) and stops. */
void	events_close(int timeout_ms);

struct ev_stats {
	uint64_t	 emitted[EV_NTYPES];
	uint64_t	 dropped;	/* queue full */
	uint64_t	 stdout_dropped;	/* no room on stdout */
	uint64_t	 write_errors;
	uint64_t	 queued;
};
void	events_stats(struct ev_stats *);

#endif
