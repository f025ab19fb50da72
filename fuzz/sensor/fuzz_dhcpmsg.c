/* links: src/sensor/dhcpmsg.c src/sensor/packet.c */
/*
 * libFuzzer harness for src/sensor/dhcpmsg.c, the DHCPv4 parser snooping
 * relies on (server answers and clients' releases, copied by NFLOG).
 * `make fuzz-run` runs it.
 *
 * The first byte picks the entry point: bit 7 set parses the rest as a
 * BOOTP message, else as an IPv4 packet through pkt_parse_l3() and
 * dhcp_parse_pkt(), as the sensor does. Besides ASan/UBSan's checks, the
 * parser's promises are asserted: flags 0/1, nothing reported that the
 * input could not contain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpmsg.h"

static void
check(const struct dhcp_info *d, size_t len, int rc)
{
	static const struct dhcp_info zero;

	if (rc == -1) {
		if (memcmp(d, &zero, sizeof(*d)) != 0)
			abort();
		return;
	}
	if (len < DHCP_MIN || (d->op != 1 && d->op != 2) || d->eth > 1 ||
	    d->has_lease > 1 || d->has_server > 1 || d->has_requested > 1)
		abort();
	/* An option is 2 bytes of header and its value, after the cookie
	 * or in file/sname. */
	if (d->type != 0 && len < DHCP_MIN + 3)
		abort();
	if ((!d->has_lease && d->lease != 0) ||
	    (!d->has_server && d->server_id[0] | d->server_id[1] |
	    d->server_id[2] | d->server_id[3]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info pi;
	struct dhcp_info d;
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
		rc = dhcp_parse(copy, n, &d);
		check(&d, n, rc);
	} else {
		pkt_parse_l3(0x0800, copy, n, &pi);
		rc = dhcp_parse_pkt(copy, n, &pi, &d);
		if (rc == 0 && (!pi.has_ports || pi.l4_off + 8 + DHCP_MIN > n))
			abort();
		check(&d, rc == 0 ? n - pi.l4_off - 8 : 0, rc);
	}
	free(copy);
	return 0;
}
