/*
 * The tables behind the rule description (ir.h): value types, the fields
 * rules read and the dependencies nft adds before them. A field nft knows
 * and a rule needs is one row here; print.c and kernel/linearize.c read
 * it the same way.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <string.h>

#include "ir.h"

const struct ir_typedesc ir_types[T_N] = {
	[T_IFNAME] = { "ifname", 41, BG_IFNAMSIZ, true },
	[T_ETHER] = { "ether_addr", 9, 6, false },
	[T_IPV4] = { "ipv4_addr", 7, 4, false },
	[T_IPV6] = { "ipv6_addr", 8, 16, false },
	[T_ETHERTYPE] = { "ether_type", 10, 2, false },
	[T_L4PROTO] = { "inet_proto", 12, 1, false },
	[T_INET_SERVICE] = { "inet_service", 13, 2, false },
	[T_ICMPV6_TYPE] = { "icmpv6_type", 29, 1, false },
	[T_MARK] = { "mark", 19, 4, true },
	[T_IFTYPE] = { "iface_type", 21, 2, true },
	[T_BITS] = { "integer", 4, 0, false },
	[T_UINT] = { "integer", 4, 0, false },
	[T_BYTES] = { "integer", 4, 0, false },
};

#define META(n, k, t)		{ n, B_META, k, 0, 0, t, { D_NONE, D_NONE } }
#define PAYLOAD(n, b, o, l, t, d0, d1)	{ n, b, 0, o, l, t, { d0, d1 }, 0 }
/* Bytes of the transport header, as nft writes a raw payload. */
#define TH(n, o, l, t)	PAYLOAD(n, B_TH, o, l, t, D_NONE, D_NONE)

const struct ir_field ir_fields[FLD_N] = {
	[FLD_IIFNAME] = META("iifname", NFT_META_IIFNAME, T_IFNAME),
	[FLD_OIFNAME] = META("oifname", NFT_META_OIFNAME, T_IFNAME),
	[FLD_IIFTYPE] = META("meta iiftype", NFT_META_IIFTYPE, T_IFTYPE),
	[FLD_PROTOCOL] = META("meta protocol", NFT_META_PROTOCOL, T_ETHERTYPE),
	[FLD_L4PROTO] = META("meta l4proto", NFT_META_L4PROTO, T_L4PROTO),
	[FLD_MARK] = META("meta mark", NFT_META_MARK, T_MARK),
	[FLD_IBRNAME] = META("meta ibrname", NFT_META_BRI_IIFNAME, T_IFNAME),
	[FLD_ETHER_DADDR] = PAYLOAD("ether daddr", B_LL, 0, 6, T_ETHER,
	    D_ETHER, D_NONE),
	[FLD_ETHER_SADDR] = PAYLOAD("ether saddr", B_LL, 6, 6, T_ETHER,
	    D_ETHER, D_NONE),
	[FLD_ETHER_TYPE] = PAYLOAD("ether type", B_LL, 12, 2, T_ETHERTYPE,
	    D_ETHER, D_NONE),
	/* The first byte of the destination MAC: its group bit. Raw, so
	 * that nothing depends on an input device (the output hook has
	 * none). */
	[FLD_LL_GROUP] = PAYLOAD("@ll,0,8", B_LL, 0, 1, T_BITS, D_NONE,
	    D_NONE),
	[FLD_IP_SADDR] = PAYLOAD("ip saddr", B_NH, 12, 4, T_IPV4, D_IP,
	    D_NONE),
	[FLD_IP_DADDR] = PAYLOAD("ip daddr", B_NH, 16, 4, T_IPV4, D_IP,
	    D_NONE),
	[FLD_IP6_SADDR] = PAYLOAD("ip6 saddr", B_NH, 8, 16, T_IPV6, D_IP6,
	    D_NONE),
	[FLD_IP6_DADDR] = PAYLOAD("ip6 daddr", B_NH, 24, 16, T_IPV6, D_IP6,
	    D_NONE),
	/* ARP's htype, ptype, hlen and plen at once. */
	[FLD_ARP_HEAD] = PAYLOAD("@nh,0,48", B_NH, 0, 6, T_BYTES, D_NONE,
	    D_NONE),
	[FLD_ARP_SHA] = PAYLOAD("arp saddr ether", B_NH, 8, 6, T_ETHER, D_ARP,
	    D_NONE),
	[FLD_ARP_SPA] = PAYLOAD("arp saddr ip", B_NH, 14, 4, T_IPV4, D_ARP,
	    D_NONE),
	[FLD_UDP_SPORT] = PAYLOAD("udp sport", B_TH, 0, 2, T_INET_SERVICE,
	    D_UDP, D_NONE),
	[FLD_UDP_DPORT] = PAYLOAD("udp dport", B_TH, 2, 2, T_INET_SERVICE,
	    D_UDP, D_NONE),
	[FLD_TCP_SPORT] = PAYLOAD("tcp sport", B_TH, 0, 2, T_INET_SERVICE,
	    D_TCP, D_NONE),
	[FLD_TCP_DPORT] = PAYLOAD("tcp dport", B_TH, 2, 2, T_INET_SERVICE,
	    D_TCP, D_NONE),
	[FLD_ICMPV6_TYPE] = PAYLOAD("icmpv6 type", B_TH, 0, 1, T_ICMPV6_TYPE,
	    D_IP6, D_ICMPV6),
	[FLD_IP_FRAGOFF] = PAYLOAD("ip frag-off", B_NH, 6, 2, T_UINT, D_IP,
	    D_NONE),
	[FLD_IP6_NEXTHDR] = PAYLOAD("ip6 nexthdr", B_NH, 6, 1, T_L4PROTO,
	    D_IP6, D_NONE),
	[FLD_IP6_LENGTH] = PAYLOAD("ip6 length", B_NH, 4, 2, T_UINT, D_IP6,
	    D_NONE),
	/* The fragment header's offset (13 bits): 0 in a first fragment. A
	 * packet without that header does not match at all. */
	[FLD_FRAG_OFF] = { "frag frag-off", B_EXTHDR, 44 /* fragment */, 2, 2,
	    T_UINT, { D_IP6, D_NONE }, 0xfff8 },
	[FLD_TH_7] = TH("@th,56,8", 7, 1, T_BITS),
	[FLD_TH_19] = TH("@th,152,8", 19, 1, T_BITS),
	[FLD_TH_8] = TH("@th,64,8", 8, 1, T_BITS),
	[FLD_ND_TARGET] = TH("@th,64,128", 8, 16, T_BYTES),
	[FLD_ND_OPT] = TH("@th,192,16", 24, 2, T_BITS),
	[FLD_ND_LLADDR] = TH("@th,208,48", 26, 6, T_BITS),
	[FLD_RS_OPT] = TH("@th,64,16", 8, 2, T_BITS),
	[FLD_RS_LLADDR] = TH("@th,80,48", 10, 6, T_BITS),
	[FLD_BOOTP_CHADDR] = TH("@th,288,48", 36, 6, T_BITS),
};

const struct ir_depdesc ir_deps[D_N] = {
	[D_ETHER] = { FLD_IIFTYPE, 1 /* ARPHRD_ETHER */, true },
	[D_IP] = { FLD_PROTOCOL, 0x0800, false },
	[D_IP6] = { FLD_PROTOCOL, 0x86dd, false },
	[D_ARP] = { FLD_PROTOCOL, 0x0806, false },
	[D_TCP] = { FLD_L4PROTO, IPPROTO_TCP, false },
	[D_UDP] = { FLD_L4PROTO, IPPROTO_UDP, false },
	[D_ICMPV6] = { FLD_L4PROTO, IPPROTO_ICMPV6, false },
};

size_t
ir_field_len(enum ir_fid f)
{
	const struct ir_field *d = &ir_fields[f];

	return d->base == B_META ? ir_types[d->type].len : d->len;
}

void
ir_dep_value(enum ir_dep d, uint8_t out[IR_DATA])
{
	const struct ir_depdesc *dd = &ir_deps[d];
	size_t len = ir_field_len(dd->field);
	uint16_t v16 = dd->value;

	memset(out, 0, IR_DATA);
	if (len == 1)
		out[0] = (uint8_t)dd->value;
	else if (ir_types[ir_fields[dd->field].type].host)
		memcpy(out, &v16, 2);
	else {
		out[0] = (uint8_t)(dd->value >> 8);
		out[1] = (uint8_t)dd->value;
	}
}

size_t
ir_key_len(const enum ir_type *t, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += (ir_types[t[i]].len + 3u) & ~3u;
	return len;
}
