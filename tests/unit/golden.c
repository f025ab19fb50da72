/* Golden files for the unit tests; see golden.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

char *
golden_read(const char *name)
{
	char path[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (getdelim(&text, &len, '\0', f) == -1) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

void
golden_check(const char *name, const char *out)
{
	char path[256], *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("UPDATE_GOLDEN")) {
		assert_non_null(f = fopen(path, "w"));
		fputs(out, f);
		fclose(f);
	}
	if ((want = golden_read(name)) == NULL)
		fail_msg("cannot read %s", path);
	if (strcmp(out, want) != 0)
		fail_msg("%s differs; got:\n%s", path, out);
	free(want);
}

/* uplink0 is trusted, vnic-alice a guest, vnic-x unknown. */
static const struct bg_port example_ports[] = {
	{ "br0", "uplink0", 0 }, { "br0", "vnic-alice", 0 },
	{ "br0", "vnic-x", 0 }, { "br9", "other0", 0 },
};
/* Mirrors: ifindex from the ports; one whose monitor is absent is left out. */
static const struct bg_port mirror_ports[] = {
	{ "br0", "uplink0", 2 }, { "br0", "vnic-alice", 3 },
	{ "br0", "vnic-ids", 5 }, { "br0", "vnic-new", 6 },
	{ "", "bgvx4242", 7 }, { "", "br0", 1 },
};

/* The learning guests' ports and the uplink. */
static const struct bg_port learning_ports[] = {
	{ "br0", "uplink0", 0 }, { "br0", "vnic-carol", 0 },
	{ "br0", "vnic-dave", 0 },
};

#define TODAY	{ RS_COPY_NFT, true, false }

const struct golden_case golden_cases[] = {
	{ "example", "example.yaml", example_ports, 4, TODAY },
	{ "mirrors", "mirrors.yaml", mirror_ports, 5, TODAY },
	/* DHCP snooping, before any lease: DHCP only, and copies of it. */
	{ "learning", "learning.yaml", learning_ports, 3, TODAY },
	/*
	 * A kernel without hooks on absent devices: vnic-bob is absent, so
	 * it has its chains but no ingress base chain (waiting).
	 */
	{ "example-waiting", "example.yaml", example_ports, 4,
	    { RS_COPY_NFT, false, false } },
	/*
	 * Debian's 6.1 and 6.12: waiting as above, and bridge meta ibrname
	 * (unknown ports also matched by their bridge).
	 */
	{ "example-debian", "example.yaml", example_ports, 4,
	    { RS_COPY_NFT, false, true } },
	/*
	 * Without the netdev egress hook: no egress chains; tc filters at
	 * the egress of the monitored ports present (vnic-bob is absent)
	 * and of the bridge; the bridge table marks excluded frames.
	 */
	{ "mirrors-tc", "mirrors.yaml", mirror_ports, 6,
	    { RS_COPY_TC, true, false } },
};
const size_t golden_n_cases = sizeof(golden_cases) / sizeof(golden_cases[0]);

void
golden_build(const struct golden_case *gc, struct bg_config *cfg,
    struct ruleset *rs)
{
	char path[256], err[512];

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, gc->config);
	if (config_load(path, cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	if (ruleset_build(rs, cfg, gc->ports, gc->n_ports, &gc->kernel, err,
	    sizeof(err)) == -1)
		fail_msg("%s: %s", gc->name, err);
}
