/* links: src/sensor/dhcp6msg.c src/sensor/packet.c */
/*
 * libFuzzer harness for src/sensor/dhcp6msg.c, the DHCPv6 parser snooping
 * relies on (server Replies and clients' Releases and Declines, copied by
 * NFLOG). `make fuzz-run` runs it.
 *
 * The first byte picks the entry point: bit 7 set parses the rest as a
 * DHCPv6 message, else as a packet through pkt_parse_l3() (an IPv6
 * packet, as NFLOG gives it) or, bit 6 set, pkt_parse_frame(), then
 * dhcp6_parse_pkt(). Besides ASan/UBSan's checks, the parser's promises
 * are asserted: flags 0/1, nothing reported that the input could not
 * contain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dhcp6msg.h"

/* The smallest options that say each: an IA_TA (4 + 4) around IAADDRs
 * (4 + 24 each); a DUID-LL (4 + 10); a status code (4 + 2). */
#define MIN_IA		8
#define MIN_IAADDR	28
#define MIN_LL		14
#define MIN_STATUS	6

static void
check(const struct dhcp6_info *d, size_t len, int rc)
{
	static const struct dhcp6_info zero;
	static const uint8_t nomac[6];
	int i;

	if (rc == -1) {
		if (memcmp(d, &zero, sizeof(*d)) != 0)
			abort();
		return;
	}
	if (len < DHCP6_HLEN || d->type < DHCP6_SOLICIT ||
	    d->type > DHCP6_INFORMATION_REQUEST || d->has_client > 1 ||
	    d->client_ll > 1 || d->has_server > 1 || d->more_addrs > 1 ||
	    d->n_addrs > DHCP6_MAX_ADDRS || d->xid > 0xffffff)
		abort();
	if ((d->client_ll && (!d->has_client || len < DHCP6_HLEN + MIN_LL)) ||
	    (!d->client_ll && memcmp(d->client_mac, nomac, 6) != 0))
		abort();
	if ((d->status && len < DHCP6_HLEN + MIN_STATUS) ||
	    (d->more_addrs && d->n_addrs != DHCP6_MAX_ADDRS) ||
	    (d->n_addrs && len < DHCP6_HLEN + MIN_IA +
	    (size_t)(d->n_addrs + d->more_addrs) * MIN_IAADDR))
		abort();
	for (i = d->n_addrs; i < DHCP6_MAX_ADDRS; i++)
		if (memcmp(&d->addrs[i], &zero.addrs[i], sizeof(zero.addrs[i])))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info pi;
	struct dhcp6_info d;
	uint8_t *copy;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	n = size - 1;
	/* An exact-size heap copy: ASan sees any read past the end. */
	if ((copy = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, n);
	if (data[0] & 0x80) {
		rc = dhcp6_parse(copy, n, &d);
		check(&d, n, rc);
	} else {
		if (data[0] & 0x40)
			pkt_parse_frame(copy, n, &pi);
		else
			pkt_parse_l3(0x86dd, copy, n, &pi);
		rc = dhcp6_parse_pkt(copy, n, &pi, &d);
		if (rc == 0 && (pi.af != AF_INET6 || !pi.has_ports ||
		    pi.l4_off + 8 + DHCP6_HLEN > n))
			abort();
		check(&d, rc == 0 ? n - pi.l4_off - 8 : 0, rc);
	}
	free(copy);
	return 0;
}
