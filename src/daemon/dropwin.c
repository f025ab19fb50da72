/* Drop windows; see dropwin.h. */
#include <stdlib.h>
#include <string.h>

#include "dropwin.h"
#include "hmap.h"

#define DROPWIN_KEYLEN	(BG_IFNAMSIZ + sizeof(uint32_t))

struct dropwin {
	struct hmap	 h;
	uint64_t	 window;
	size_t		 n_open;
};

struct dropwin *
dropwin_new(uint64_t window_ms, size_t max)
{
	struct dropwin *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	hmap_init(&a->h, DROPWIN_KEYLEN, sizeof(struct drop_win), max);
	a->window = window_ms;
	return a;
}

void
dropwin_free(struct dropwin *a)
{
	if (a == NULL)
		return;
	hmap_clear(&a->h);
	free(a);
}

static void
win_key(struct drop_win *k, const char *port, unsigned int reason)
{
	memset(k, 0, sizeof(*k));
	strncpy(k->port, port, sizeof(k->port) - 1);
	k->reason = reason;
}

struct drop_win *
dropwin_drop(struct dropwin *a, const char *port, unsigned int reason,
    uint64_t now,
    bool *opened)
{
	struct drop_win k, *w;
	bool created;

	*opened = false;
	win_key(&k, port, reason);
	if ((w = hmap_put(&a->h, &k, &created)) == NULL)
		return NULL;
	if (!w->open) {
		w->open = true;
		w->opened = now;
		w->due = now + a->window;
		w->seen = 0;
		w->has_pkt = false;
		a->n_open++;
		*opened = true;
	}
	w->seen++;
	return w;
}

uint64_t
dropwin_next_due(const struct dropwin *a)
{
	struct hmap_iter it = { 0 };
	const struct drop_win *w;
	uint64_t due = 0;

	if (a->n_open == 0)
		return 0;
	while ((w = hmap_next(&a->h, &it)) != NULL)
		if (w->open && (due == 0 || w->due < due))
			due = w->due;
	return due;
}

size_t
dropwin_due(struct dropwin *a, uint64_t now, bool all, struct drop_win **out,
    size_t max)
{
	struct hmap_iter it = { 0 };
	struct drop_win *w;
	size_t n = 0;

	if (a->n_open == 0)
		return 0;
	while (n < max && (w = hmap_next(&a->h, &it)) != NULL)
		if (w->open && (all || w->due <= now))
			out[n++] = w;
	return n;
}

uint64_t
dropwin_close(struct dropwin *a, struct drop_win *w, uint64_t counter,
    bool have)
{
	uint64_t n;

	if (w->open)
		a->n_open--;
	w->open = false;
	if (!have)
		return w->seen;
	/* A counter below what we reported was reset: count from zero. */
	n = counter >= w->baseline ? counter - w->baseline : counter;
	w->baseline = counter;
	return n;
}

void
dropwin_reset(struct dropwin *a)
{
	struct hmap_iter it = { 0 };
	struct drop_win *w;

	while ((w = hmap_next(&a->h, &it)) != NULL)
		w->baseline = 0;
}

uint64_t
dropwin_baseline(const struct dropwin *a, const char *port, unsigned int reason)
{
	struct drop_win k, *w;

	win_key(&k, port, reason);
	return (w = hmap_get(&a->h, &k)) != NULL ? w->baseline : 0;
}
