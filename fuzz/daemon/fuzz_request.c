/* links: src/daemon/control.c src/lib/connsrv.c src/lib/loop.c src/lib/clock.c src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * libFuzzer harness for the control socket's request decoder: what a
 * client sends, from its first byte, through the header check, the guest
 * request's field checks and the validator a `guest add` meets, against a
 * policy with guests, trusted ports and a mirror. Asserted: a decoded
 * request lies within the input and has its type's exact length; a
 * refused one says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control.h"

static const char policy[] =
"bridges:\n"
"  - name: br0\n"
"    trusted-ports: [uplink0]\n"
"    guests:\n"
"      - { port: vnic-alice, mac: \"52:54:00:00:00:11\", ipv4: [10.0.0.11],"
" ipv6: [\"fd00::11\"] }\n"
"    mirrors:\n"
"      - { name: ids, to: vnic-ids, from: [vnic-alice] }\n"
"  - name: br1\n";

static void
guest_request(const struct bg_config *cfg, const struct ctl_hdr *h,
    const uint8_t *payload)
{
	struct ctl_guest cg;
	struct bg_guest g;
	char err[512];

	memcpy(&cg, payload, sizeof(cg));
	err[0] = '\0';
	if (ctl_guest_check(&cg, h->type, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (h->type != CTL_GUEST_ADD)
		return;
	ctl_guest_model(&cg, &g);
	if (config_check_guest(cfg, cg.bridge, &g, err, sizeof(err)) == -1 &&
	    err[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bg_config cfg;
	static int loaded;
	struct ctl_hdr h;
	const char *why;
	uint8_t *buf;
	char err[512];

	if (!loaded && config_load_string("policy", policy, &cfg, err,
	    sizeof(err)) == -1)
		abort();
	loaded = 1;
	/* An exact-size heap copy: ASan sees any read past the end. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	switch (ctl_decode(buf, size, &h, &why)) {
	case CTL_D_MORE:
		break;
	case CTL_D_BAD:
		if (why == NULL || why[0] == '\0')
			abort();
		break;
	case CTL_D_REQUEST:
		if ((long)h.len != ctl_request_len(h.type) ||
		    sizeof(h) + h.len > size)
			abort();
		if (h.type == CTL_GUEST_ADD || h.type == CTL_GUEST_DEL)
			guest_request(&cfg, &h, buf + sizeof(h));
		break;
	}
	free(buf);
	return 0;
}
