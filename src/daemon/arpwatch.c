/* The station table; see arpwatch.h. */
#include <stdlib.h>
#include <string.h>

#include "arpwatch.h"
#include "hmap.h"

struct station {
	char		 bridge[BG_IFNAMSIZ];	/* key: bridge, ip */
	uint8_t		 ip[4];
	uint8_t		 mac[6], prev[6];
	uint8_t		 has_prev;
};
#define STATION_KEYLEN	(BG_IFNAMSIZ + 4)

struct arpwatch {
	struct hmap	 h;
};

struct arpwatch *
arpwatch_new(size_t max)
{
	struct arpwatch *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	hmap_init(&a->h, STATION_KEYLEN, sizeof(struct station), max);
	return a;
}

void
arpwatch_free(struct arpwatch *a)
{
	if (a == NULL)
		return;
	hmap_clear(&a->h);
	free(a);
}

static void
key(struct station *k, const char *bridge, const uint8_t ip[4])
{
	memset(k, 0, sizeof(*k));
	strncpy(k->bridge, bridge, sizeof(k->bridge) - 1);
	memcpy(k->ip, ip, 4);
}

enum arp_result
arpwatch_see(struct arpwatch *a, const char *bridge, const uint8_t ip[4],
    const uint8_t mac[6], uint8_t old[6])
{
	struct station k, *s;
	enum arp_result r;
	bool created;

	key(&k, bridge, ip);
	if ((s = hmap_put(&a->h, &k, &created)) == NULL)
		return ARP_FULL;
	if (created) {
		memcpy(s->mac, mac, 6);
		return ARP_NEW;
	}
	if (memcmp(s->mac, mac, 6) == 0)
		return ARP_SAME;
	r = s->has_prev && memcmp(s->prev, mac, 6) == 0 ? ARP_FLIPFLOP :
	    ARP_CHANGED;
	memcpy(old, s->mac, 6);
	memcpy(s->prev, s->mac, 6);
	s->has_prev = 1;
	memcpy(s->mac, mac, 6);
	return r;
}

void
arpwatch_seed(struct arpwatch *a, const char *bridge, const uint8_t ip[4],
    const uint8_t mac[6])
{
	struct station k, *s;
	bool created;

	key(&k, bridge, ip);
	if ((s = hmap_put(&a->h, &k, &created)) == NULL)
		return;
	if (!created && memcmp(s->mac, mac, 6) != 0) {
		memcpy(s->prev, s->mac, 6);
		s->has_prev = 1;
	}
	memcpy(s->mac, mac, 6);
}

void
arpwatch_seed_config(struct arpwatch *a, const struct bg_config *cfg)
{
	size_t i, j, k;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++) {
			const struct bg_guest *g = &cfg->bridges[i].guests[j];

			for (k = 0; k < guest_n_ip4(g); k++)
				arpwatch_seed(a, cfg->bridges[i].name,
				    (const uint8_t *)guest_ip4_at(g, k),
				    g->mac);
		}
}

size_t
arpwatch_size(const struct arpwatch *a)
{
	return a->h.n;
}
