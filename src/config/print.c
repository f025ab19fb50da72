/* Model → YAML, for `check`: parse → print → parse gives the same model. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/*
 * A name as YAML reads it back: plain if it cannot be taken for anything
 * else, in block and flow context alike, else double-quoted. (Interface
 * names may hold any printable character but '/', ':' and spaces, and
 * "#x", "[x", "*x", "x,y" or "-" mean something else unquoted.)
 */
static void
print_name(FILE *f, const char *s)
{
	const char *p;

	if (isalnum((unsigned char)s[0]) || s[0] == '_' || s[0] == '.') {
		for (p = s; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
				break;
		if (*p == '\0') {
			fputs(s, f);
			return;
		}
	}
	fputc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void
print_guest(FILE *f, const struct bg_guest *g)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	fprintf(f, "      - port: ");
	print_name(f, g->port);
	fprintf(f, "\n        mac: %s\n", mac_format(g->mac, buf));
	if (g->n_ip4 || (g->learn & LEARN_DHCP4)) {
		fprintf(f, "        ipv4: [%s", g->learn & LEARN_DHCP4 ?
		    "dhcp" : "");
		for (i = 0; i < g->n_ip4; i++)
			fprintf(f, "%s%s", i || (g->learn & LEARN_DHCP4) ?
			    ", " : "", inet_ntop(AF_INET, &g->ip4[i], buf,
			    sizeof(buf)));
		fprintf(f, "]\n");
	}
	if (g->n_ip6 || (g->learn & (LEARN_SLAAC | LEARN_DHCP6))) {
		fprintf(f, "        ipv6: [%s%s%s", g->learn & LEARN_SLAAC ?
		    "slaac" : "", (g->learn & LEARN_SLAAC) &&
		    (g->learn & LEARN_DHCP6) ? ", " : "",
		    g->learn & LEARN_DHCP6 ? "dhcpv6" : "");
		for (i = 0; i < g->n_ip6; i++)
			fprintf(f, "%s\"%s\"", i || (g->learn & (LEARN_SLAAC |
			    LEARN_DHCP6)) ? ", " : "", inet_ntop(AF_INET6,
			    &g->ip6[i], buf, sizeof(buf)));
		fprintf(f, "]\n");
	}
	if (g->libvirt_uuid[0])
		fprintf(f, "        libvirt-uuid: %s\n", g->libvirt_uuid);
}

static void
print_exclude(FILE *f, const struct bg_exclude *e)
{
	char buf[INET6_ADDRSTRLEN];

	if (e->family)
		fprintf(f, "          - { net: %s/%u }\n", inet_ntop(e->family,
		    e->net, buf, sizeof(buf)), e->plen);
	else if (e->port)
		fprintf(f, "          - { proto: %s, port: %u }\n",
		    e->proto == 6 ? "tcp" : "udp", e->port);
	else
		fprintf(f, "          - { proto: %s }\n",
		    e->proto == 6 ? "tcp" : "udp");
}

static void
print_mirror(FILE *f, const struct bg_mirror *m)
{
	static const char *dir[] = { "", "in", "out", "both" };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	size_t i;

	fprintf(f, "      - name: ");
	print_name(f, m->name);
	if (m->to[0]) {
		fprintf(f, "\n        to: ");
		print_name(f, m->to);
	}
	fputc('\n', f);
	if (m->from_all)
		fprintf(f, "        from: all\n");
	else {
		fprintf(f, "        from: [");
		for (i = 0; i < m->n_from; i++) {
			fputs(i ? ", " : "", f);
			print_name(f, m->from[i]);
		}
		fprintf(f, "]\n");
	}
	fprintf(f, "        direction: %s\n", dir[m->direction]);
	if (m->n_excl)
		fprintf(f, "        exclude:\n");
	for (i = 0; i < m->n_excl; i++)
		print_exclude(f, &m->excl[i]);
	if (!m->remote)
		return;
	fprintf(f, "        remote: { vxlan-id: %u, remote-ip: %s", m->vni,
	    inet_ntop(AF_INET, &m->remote_ip, a, sizeof(a)));
	if (m->local_ip.s_addr)
		fprintf(f, ", local-ip: %s", inet_ntop(AF_INET, &m->local_ip, b,
		    sizeof(b)));
	if (m->dev[0]) {
		fputs(", dev: ", f);
		print_name(f, m->dev);
	}
	fprintf(f, ", port: %u }\n", m->udp_port);
}

void
config_print(FILE *f, const struct bg_config *cfg)
{
	char buf[INET_ADDRSTRLEN];
	size_t i, j;

	if (cfg->nflog_group != BG_NFLOG_GROUP)
		fprintf(f, "nflog-group: %u\n", cfg->nflog_group);
	fprintf(f, "bridges:%s\n", cfg->n_bridges ? "" : " []");
	for (i = 0; i < cfg->n_bridges; i++) {
		const struct bg_bridge *b = &cfg->bridges[i];

		fputs("  - name: ", f);
		print_name(f, b->name);
		fprintf(f, "\n    trusted-ports: [");
		for (j = 0; j < b->n_trusted; j++) {
			fputs(j ? ", " : "", f);
			print_name(f, b->trusted[j]);
		}
		fprintf(f, "]\n");
		for (j = 0; j < b->n_dhcp_servers; j++)
			fprintf(f, "%s%s", j ? ", " : "    dhcp-servers: [",
			    inet_ntop(AF_INET, &b->dhcp_servers[j], buf,
			    sizeof(buf)));
		fprintf(f, "%s    unknown-ports: %s\n", b->n_dhcp_servers ?
		    "]\n" : "",
		    b->allow_unknown ? "allow" : "drop");
		if (b->max_learned4)
			fprintf(f, "    max-learned-ipv4: %u\n", b->max_learned4);
		if (b->max_learned6)
			fprintf(f, "    max-learned-ipv6: %u\n", b->max_learned6);
		if (b->libvirt[0])
			fprintf(f, "    source: libvirt\n    libvirt-uri: \"%s\"\n",
			    b->libvirt);
		fprintf(f, "    guests:%s\n", b->n_guests ? "" : " []");
		for (j = 0; j < b->n_guests; j++)
			print_guest(f, &b->guests[j]);
		if (b->n_mirrors)
			fprintf(f, "    mirrors:\n");
		for (j = 0; j < b->n_mirrors; j++)
			print_mirror(f, &b->mirrors[j]);
	}
}
