/*
 * Drop windows, for spoof_drop events: the first dropped frame of a
 * (port, reason) opens a window; when it closes, one event says how many
 * frames were dropped in it. The count is the kernel's own per-port counter minus
 * what earlier events reported, so it stays exact even when NFLOG, under
 * a flood, loses messages: NFLOG says *that* something was dropped and
 * what it looked like, the counter says *how much*. Pure: the caller
 * reads counters and emits events.
 */
#ifndef BG_DROPWIN_H
#define BG_DROPWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "packet.h"

#define DROPWIN_MS	500

struct drop_win {
	char		 port[BG_IFNAMSIZ];	/* key: port, reason */
	uint32_t	 reason;
	bool		 open;
	uint64_t	 opened, due;		/* ms */
	uint64_t	 seen;			/* NFLOG messages in it */
	uint64_t	 baseline;		/* counter already reported */
	bool		 has_pkt;		/* the first frame: */
	struct pkt_info	 pkt;
	bool		 outgoing;
	int		 ifindex;
};

struct dropwin;

struct dropwin	*dropwin_new(uint64_t window_ms, size_t max);
void	dropwin_free(struct dropwin *);
/*
 * One drop of (port, reason) at now. Returns its window, opened if it was
 * not; *opened says so (the caller then records the first frame).
 * NULL if the table is full.
 */
struct drop_win	*dropwin_drop(struct dropwin *, const char *port,
	    unsigned int reason,
	    uint64_t now, bool *opened);
/* The soonest time a window is due, 0 if none is open. */
uint64_t	dropwin_next_due(const struct dropwin *);
/* Up to max windows due at now (all open ones if all). */
size_t	dropwin_due(struct dropwin *, uint64_t now, bool all,
	    struct drop_win **out,
	    size_t max);
/*
 * Closes w given the counter's value now (have: it could be read) and
 * returns the number of frames to report: 0 means nothing to say.
 */
uint64_t	dropwin_close(struct dropwin *, struct drop_win *,
	    uint64_t counter,
	    bool have);
/* Counters start again from zero (a full apply replaced the sets). */
void	dropwin_reset(struct dropwin *);
/* The baseline of (port, reason): 0 if never seen. */
uint64_t	dropwin_baseline(const struct dropwin *, const char *port,
	    unsigned int reason);

#endif
