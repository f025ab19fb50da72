/* bridges[].mirrors: SPAN sessions, local (to a port) or remote (VXLAN). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml.h"


static int
parse_from(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_mirror *m)
{
	char buf[16];

	if (scalar(v, buf, sizeof(buf)) && strcmp(buf, "all") == 0) {
		m->from_all = true;
		return 0;
	}
	if (fy_node_get_type(v) != FYNT_SEQUENCE)
		return cfg_err(cx, node_line(v), field,
		    "must be 'all' or a list of ports");
	if (fy_node_sequence_item_count(v) == 0)
		return cfg_err(cx, node_line(v), field, "is empty");
	return cfg_list_walk(cx, v, field, sizeof(*m->from), (void **)&m->from,
	    &m->n_from, ifname_item);
}

static int
parse_net(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_exclude *e)
{
	char buf[64], *slash;
	unsigned long plen;
	int max;

	if (scalar(v, buf, sizeof(buf)) == NULL)
		return cfg_err(cx, node_line(v), field, "must be a network");
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	e->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	max = e->family == AF_INET ? 32 : 128;
	if (inet_pton(e->family, buf, e->net) != 1)
		return cfg_err(cx, node_line(v), field,
		    "'%s' is not an address", buf);
	plen = (unsigned long)max;
	if (slash && (*slash == '\0' || (plen = strtoul(slash, &slash, 10),
	    *slash) || plen > (unsigned long)max))
		return cfg_err(cx, node_line(v), field,
		    "bad prefix length (0 to %d)", max);
	e->plen = (uint8_t)plen;
	return 0;
}

static int
exclude_key(struct cfgctx *cx, const char *key, struct fy_node *v, int line,
    const char *field, void *arg)
{
	struct bg_exclude *e = arg;
	unsigned long port;
	char buf[16];

	if (strcmp(key, "proto") == 0) {
		if (scalar(v, buf, sizeof(buf)) == NULL ||
		    (strcmp(buf, "tcp") && strcmp(buf, "udp")))
			return cfg_err(cx, node_line(v), field,
			    "must be tcp or udp");
		e->proto = buf[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		return 0;
	}
	if (strcmp(key, "port") == 0) {
		if (parse_uint(cx, v, field, 1, 65535, &port) == -1)
			return -1;
		e->port = (uint16_t)port;
		return 0;
	}
	if (strcmp(key, "net") == 0)
		return parse_net(cx, v, field, e);
	return cfg_err(cx, line, field,
	    "unknown key (expected proto, port, net)");
}

static int
parse_exclude_one(struct cfgctx *cx, struct fy_node *n, const char *path,
    void *elem)
{
	struct bg_exclude *e = elem;

	if (cfg_map_walk(cx, n, path, exclude_key, e) == -1)
		return -1;
	if ((e->family != 0) == (e->proto != 0))
		return cfg_err(cx, node_line(n), path,
		    "needs either 'net' or 'proto' (with an optional 'port')");
	if (e->port && !e->proto)
		return cfg_err(cx, node_line(n), path, "'port' needs 'proto'");
	return 0;
}

static int
parse_exclude(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_mirror *m)
{
	return cfg_list_walk(cx, v, field, sizeof(*m->excl), (void **)&m->excl,
	    &m->n_excl, parse_exclude_one);
}

static int
remote_key(struct cfgctx *cx, const char *key, struct fy_node *v, int line,
    const char *field, void *arg)
{
	struct bg_mirror *m = arg;
	unsigned long u;

	if (strcmp(key, "vxlan-id") == 0) {
		if (parse_uint(cx, v, field, 1, 16777215, &u) == -1)
			return -1;
		m->vni = (uint32_t)u;
		return 0;
	}
	if (strcmp(key, "remote-ip") == 0)
		return parse_ip4(cx, v, field, &m->remote_ip);
	if (strcmp(key, "local-ip") == 0)
		return parse_ip4(cx, v, field, &m->local_ip);
	if (strcmp(key, "dev") == 0)
		return parse_ifname(cx, v, 0, field, m->dev);
	if (strcmp(key, "port") == 0) {
		if (parse_uint(cx, v, field, 1, 65535, &u) == -1)
			return -1;
		m->udp_port = (uint16_t)u;
		return 0;
	}
	return cfg_err(cx, line, field, "unknown key (expected vxlan-id, "
	    "remote-ip, local-ip, dev, port)");
}

static int
parse_remote(struct cfgctx *cx, struct fy_node *n, const char *path,
    struct bg_mirror *m)
{
	m->remote = true;
	m->udp_port = 4789;
	if (cfg_map_walk(cx, n, path, remote_key, m) == -1)
		return -1;
	if (m->vni == 0)
		return cfg_err(cx, node_line(n), path, "missing 'vxlan-id'");
	if (m->remote_ip.s_addr == 0)
		return cfg_err(cx, node_line(n), path, "missing 'remote-ip'");
	return 0;
}

static int
parse_direction(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_mirror *m)
{
	char buf[16];

	if (scalar(v, buf, sizeof(buf)) == NULL)
		buf[0] = '\0';
	if (strcmp(buf, "in") == 0)
		m->direction = DIR_IN;
	else if (strcmp(buf, "out") == 0)
		m->direction = DIR_OUT;
	else if (strcmp(buf, "both") == 0)
		m->direction = DIR_BOTH;
	else
		return cfg_err(cx, node_line(v), field,
		    "must be in, out or both");
	return 0;
}

static int
mirror_key(struct cfgctx *cx, const char *key, struct fy_node *v, int line,
    const char *field, void *arg)
{
	struct bg_mirror *m = arg;
	char buf[64];

	if (strcmp(key, "name") == 0) {
		if (scalar(v, buf, sizeof(buf)) == NULL || buf[0] == '\0' ||
		    strlen(buf) >= sizeof(m->name) ||
		    strspn(buf, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(buf))
			return cfg_err(cx, node_line(v), field, "must be 1-31 "
			    "letters, digits, '-' or '_'");
		memcpy(m->name, buf, strlen(buf) + 1);
		return 0;
	}
	if (strcmp(key, "to") == 0)
		return parse_ifname(cx, v, 0, field, m->to);
	if (strcmp(key, "from") == 0)
		return parse_from(cx, v, field, m);
	if (strcmp(key, "direction") == 0)
		return parse_direction(cx, v, field, m);
	if (strcmp(key, "exclude") == 0)
		return parse_exclude(cx, v, field, m);
	if (strcmp(key, "remote") == 0)
		return parse_remote(cx, v, field, m);
	return cfg_err(cx, line, field, "unknown key (expected name, "
	    "to, from, direction, exclude, remote)");
}

static int
parse_mirror(struct cfgctx *cx, struct fy_node *n, const char *path,
    void *elem)
{
	struct bg_mirror *m = elem;

	m->line = node_line(n);
	m->direction = DIR_BOTH;
	if (cfg_map_walk(cx, n, path, mirror_key, m) == -1)
		return -1;
	if (m->name[0] == '\0')
		return cfg_err(cx, m->line, path, "missing 'name'");
	if (!m->from_all && m->n_from == 0)
		return cfg_err(cx, m->line, path, "missing 'from'");
	if ((m->to[0] != '\0') == m->remote)
		return cfg_err(cx, m->line, path,
		    "needs either 'to' (a monitor port) or 'remote'");
	return 0;
}

int
mirror_parse_list(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_bridge *b)
{
	return cfg_list_walk(cx, v, field, sizeof(*b->mirrors),
	    (void **)&b->mirrors, &b->n_mirrors, parse_mirror);
}
