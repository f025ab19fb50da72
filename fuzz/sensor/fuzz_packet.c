/* links: src/sensor/packet.c */
/*
 * libFuzzer harness for src/sensor/packet.c, the parser of frames guests send
 * (NFLOG payloads and ARP seen by the sensor). `make fuzz-run` runs it.
 *
 * The first byte picks the entry point and, for pkt_parse_l3, the
 * ethertype: the rest is the frame. Besides ASan/UBSan's checks, the
 * parser's promises are asserted: fields in range, nothing reported that
 * the input could not contain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "packet.h"

static void
check(const struct pkt_info *p, size_t len, int rc)
{
	if (rc == -1 && (p->has_eth || len >= 14))
		abort();
	if (p->n_vlans > PKT_MAX_VLANS || p->has_eth > 1 || p->is_arp > 1 ||
	    p->has_ports > 1 || p->has_icmp > 1 || p->more_vlans > 1)
		abort();
	if (p->af != 0 && p->af != AF_INET && p->af != AF_INET6)
		abort();
	if (p->is_arp && p->af != 0)
		abort();
	if ((p->af == AF_INET && len < 20) || (p->af == AF_INET6 && len < 40) ||
	    (p->is_arp && len < 28))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x0806, 0x8100 };
	struct pkt_info p;
	uint8_t *copy;
	int rc;

	if (size < 1)
		return 0;
	/* An exact-size heap copy: ASan sees any read past the end. */
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 0x80) {
		rc = pkt_parse_l3(types[data[0] & 3], copy, size - 1, &p);
		check(&p, size - 1, rc);
	} else {
		rc = pkt_parse_frame(copy, size - 1, &p);
		check(&p, size - 1, rc);
	}
	free(copy);
	return 0;
}
