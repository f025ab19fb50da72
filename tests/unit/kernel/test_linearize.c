/* links: src/kernel/linearize.c src/ruleset/ir.c src/ruleset/fields.c src/ruleset/print.c src/ruleset/table.c src/config/model.c */
/*
 * Each kind of statement the rule description has, in both of its forms:
 * the nft text print.c writes, and the expressions linearize.c builds,
 * which must be those nft itself generates for that text. The expected
 * expressions were taken from `nft --debug=netlink --check` of the
 * expected text; the golden configs' rules are checked the same way by
 * tests/integration (test_apply.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linearize.h"
#include "ruleset.h"

struct kind {
	const char	*text;
	const char	*exprs;
};

/* The expressions of r as libnftnl prints them, without the header. */
static void
check(const struct rs_rule *r, const struct kind *k)
{
	struct nftnl_rule *nr;
	char text[256], buf[4096];
	const char *body;
	size_t n;

	assert_string_equal(rs_rule_text(r, text, sizeof(text)), k->text);
	assert_non_null(nr = nft_rule_build(RS_NETDEV, "c", r));
	nftnl_rule_snprintf(buf, sizeof(buf), nr, NFTNL_OUTPUT_DEFAULT, 0);
	assert_non_null(body = strchr(buf, '\n'));
	/* libnftnl 1.2.9 (Debian 13) ends the last expression without the
	 * newline 1.2.4 (Debian 12) prints: end it with one either way. */
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n++] = '\n';
	buf[n] = '\0';
	if (strcmp(body + 1, k->exprs) != 0)
		fail_msg("%s:\n%s\nwant:\n%s", k->text, body + 1, k->exprs);
	nftnl_rule_free(nr);
}

static const struct kind kinds[] = {
	{ "tcp dport 1000-2000 accept",
	  "  [ meta load l4proto => reg 1 ]\n"
	  "  [ cmp eq reg 1 0x00000006 ]\n"
	  "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
	  "  [ range eq reg 1 0x0000e803 0x0000d007 ]\n"
	  "  [ immediate reg 0 accept ]\n" },
	{ "tcp dport != 1000-2000 drop",
	  "  [ meta load l4proto => reg 1 ]\n"
	  "  [ cmp eq reg 1 0x00000006 ]\n"
	  "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
	  "  [ range neq reg 1 0x0000e803 0x0000d007 ]\n"
	  "  [ immediate reg 0 drop ]\n" },
	{ "tcp dport < 1024 accept",
	  "  [ meta load l4proto => reg 1 ]\n"
	  "  [ cmp eq reg 1 0x00000006 ]\n"
	  "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
	  "  [ cmp lt reg 1 0x00000004 ]\n"
	  "  [ immediate reg 0 accept ]\n" },
	{ "udp sport >= 49152 accept",
	  "  [ meta load l4proto => reg 1 ]\n"
	  "  [ cmp eq reg 1 0x00000011 ]\n"
	  "  [ payload load 2b @ transport header + 0 => reg 1 ]\n"
	  "  [ cmp gte reg 1 0x000000c0 ]\n"
	  "  [ immediate reg 0 accept ]\n" },
	{ "limit rate 10/second burst 5 packets log prefix \"x \" group 7 drop",
	  "  [ limit rate 10/second burst 5 type packets flags 0x0 ]\n"
	  "  [ log prefix x  group 7 snaplen 0 qthreshold 0 ]\n"
	  "  [ immediate reg 0 drop ]\n" },
	{ "limit rate over 100/minute burst 5 packets drop",
	  "  [ limit rate 100/minute burst 5 type packets flags 0x1 ]\n"
	  "  [ immediate reg 0 drop ]\n" },
	{ "iifname vmap @ports",
	  "  [ meta load iifname => reg 1 ]\n"
	  "  [ lookup reg 1 set ports dreg 0 ]\n" },
	{ "dup to \"vnic-ids\"",
	  "  [ immediate reg 1 0x00000005 ]\n"
	  "  [ dup sreg_dev 1 ]\n" },
	{ "update @rate { iifname limit rate 10/second burst 5 packets "
	  "counter }",
	  "  [ meta load iifname => reg 1 ]\n"
	  "  [ dynset update reg_key 1 set rate expr [ limit rate 10/second "
	  "burst 5 type packets flags 0x0 ] expr [ counter pkts 0 bytes 0 ] ]\n" },
	{ "add @rate { iifname counter }",
	  "  [ meta load iifname => reg 1 ]\n"
	  "  [ dynset add reg_key 1 set rate expr [ counter pkts 0 bytes 0 ] ]\n" },
	{ "meta mark set meta mark | 0x00000005",
	  "  [ meta load mark => reg 1 ]\n"
	  "  [ bitwise reg 1 = ( reg 1 & 0xfffffffa ) ^ 0x00000005 ]\n"
	  "  [ meta set mark with reg 1 ]\n" },
	{ "goto c2",
	  "  [ immediate reg 0 goto -> c2 ]\n" },
	/* A prefix of 0 bits is masked as nft does it, not a 0-byte load. */
	{ "ip saddr 0.0.0.0/0 return",
	  "  [ meta load protocol => reg 1 ]\n"
	  "  [ cmp eq reg 1 0x00000008 ]\n"
	  "  [ payload load 4b @ network header + 12 => reg 1 ]\n"
	  "  [ bitwise reg 1 = ( reg 1 & 0x00000000 ) ^ 0x00000000 ]\n"
	  "  [ cmp eq reg 1 0x00000000 ]\n"
	  "  [ immediate reg 0 return ]\n" },
	{ "ip6 daddr fd00::/36 return",
	  "  [ meta load protocol => reg 1 ]\n"
	  "  [ cmp eq reg 1 0x0000dd86 ]\n"
	  "  [ payload load 16b @ network header + 24 => reg 1 ]\n"
	  "  [ bitwise reg 1 = ( reg 1 & 0xffffffff 0x000000f0 0x00000000 "
	  "0x00000000 ) ^ 0x00000000 0x00000000 0x00000000 0x00000000 ]\n"
	  "  [ cmp eq reg 1 0x000000fd 0x00000000 0x00000000 0x00000000 ]\n"
	  "  [ immediate reg 0 return ]\n" },
};

static void
test_kinds(void **state)
{
	static const uint8_t lo[2] = { 0x03, 0xe8 }, hi[2] = { 0x07, 0xd0 },
	    p1024[2] = { 0x04, 0x00 }, p49152[2] = { 0xc0, 0x00 };
	static const struct ir_limit ten = { 10, 1, 5, false },
	    over = { 100, 60, 0, true };
	const struct ir_stateful st[2] = { { S_LIMIT, ten },
	    { S_COUNTER, { 0, 0, 0, false } } };
	static const uint8_t any4[4] = { 0 }, fd00[16] = { 0xfd, 0x00 };
	struct rs_rule *r[14];
	size_t i;

	(void)state;
	for (i = 0; i < 14; i++)
		assert_non_null(r[i] = ir_rule_new());
	ir_range(r[0], FLD_TCP_DPORT, false, lo, hi);
	ir_verdict(r[0], NF_ACCEPT, NULL);
	ir_range(r[1], FLD_TCP_DPORT, true, lo, hi);
	ir_verdict(r[1], NF_DROP, NULL);
	ir_cmp(r[2], FLD_TCP_DPORT, OP_LT, p1024);
	ir_verdict(r[2], NF_ACCEPT, NULL);
	ir_cmp(r[3], FLD_UDP_SPORT, OP_GTE, p49152);
	ir_verdict(r[3], NF_ACCEPT, NULL);
	ir_limit(r[4], &ten);
	ir_log(r[4], "x ", 7);
	ir_verdict(r[4], NF_DROP, NULL);
	ir_limit(r[5], &over);
	ir_verdict(r[5], NF_DROP, NULL);
	ir_vmap(r[6], IR_KEY(FLD_IIFNAME), "ports");
	ir_dup(r[7], "vnic-ids", 5);
	ir_dynset(r[8], DYN_UPDATE, "rate", IR_KEY(FLD_IIFNAME), st, 2);
	ir_dynset(r[9], DYN_ADD, "rate", IR_KEY(FLD_IIFNAME), &st[1], 1);
	ir_mark_or(r[10], 5);
	ir_verdict(r[11], (uint32_t)NFT_GOTO, "c2");
	ir_prefix(r[12], FLD_IP_SADDR, any4, 0);
	ir_verdict(r[12], (uint32_t)NFT_RETURN, NULL);
	ir_prefix(r[13], FLD_IP6_DADDR, fd00, 36);
	ir_verdict(r[13], (uint32_t)NFT_RETURN, NULL);
	for (i = 0; i < 14; i++) {
		assert_false(r[i]->overflow);
		check(r[i], &kinds[i]);
		free(r[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
