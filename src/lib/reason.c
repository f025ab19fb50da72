/* The drop reasons; see reason.h. */
#include <stdio.h>
#include <string.h>

#include "reason.h"

static const char *const names[R_N] = {
	[R_MAC] = "mac", [R_ETHERTYPE] = "ethertype", [R_IPV4] = "ipv4",
	[R_IPV6] = "ipv6", [R_ARP] = "arp", [R_DHCP] = "dhcp-server",
	[R_RA] = "ra", [R_ND] = "nd", [R_FRAGMENT] = "fragment",
	[R_DHCP_CLIENT] = "dhcp-client", [R_EGRESS] = "egress",
	[R_UNKNOWN] = "unknown-port", [R_UNHOOKED] = "unhooked",
};

const char *
reason_name(unsigned int reason)
{
	return reason < R_N ? names[reason] : "?";
}

const char *
reason_prefix(unsigned int reason, char *buf, size_t len)
{
	snprintf(buf, len, "bg %s ", reason_name(reason));
	return buf;
}

int
reason_of_prefix(const char *prefix)
{
	size_t i, n;

	if (prefix == NULL || strncmp(prefix, "bg ", 3) != 0)
		return -1;
	prefix += 3;
	n = strcspn(prefix, " ");
	for (i = 0; i < R_N; i++)
		if (strlen(names[i]) == n && strncmp(prefix, names[i], n) == 0)
			return (int)i;
	return -1;
}
