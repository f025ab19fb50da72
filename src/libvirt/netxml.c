/*
 * A libvirt network's XML → what it says of one interface: the bridge it
 * runs on, and the addresses its DHCP server reserves for the interface
 * (IPv4 hosts by MAC, DHCPv6 hosts by the domain's name, as libvirt's
 * dnsmasq matches them).
 */
#include <stdio.h>
#include <string.h>

#include "lv.h"
#include "lvxml.h"

int
lv_parse_network(const char *xml, struct lv_iface *i)
{
	char mac[18], expr[256];
	xmlXPathContextPtr x;
	xmlDocPtr d;

	if ((d = lvx_read(xml, &x)) == NULL)
		return -1;
	if (i->bridge[0] == '\0')
		lvx_string(x, NULL, "string(/network/bridge/@name)", i->bridge,
		    sizeof(i->bridge));
	mac_format(i->mac, mac);
	snprintf(expr, sizeof(expr), "/network/ip[not(@family) or "
	    "@family='ipv4']/dhcp/host[translate(@mac,'ABCDEF','abcdef')="
	    "'%s']/@ip", mac);
	lvx_each(x, NULL, expr, i, lv_add_ip4);
	/* A name with a quote would end the expression: not looked up. */
	if (strchr(i->domain, '\'') == NULL) {
		snprintf(expr, sizeof(expr), "/network/ip[@family='ipv6']/dhcp/"
		    "host[@name='%s']/@ip", i->domain);
		lvx_each(x, NULL, expr, i, lv_add_ip6);
	}
	lvx_free(d, x);
	return 0;
}
