/*
 * YAML configuration → policy model.
 *
 * libfyaml gives us the document tree with source marks, so every message
 * can say file:line: field: what. The walk below is the schema: each level
 * knows its keys, and anything else is an error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "yaml.h"

static int
guest_ip4(struct cfgctx *cx, struct fy_node *n, const char *field,
    struct in_addr *a)
{
	char buf[64];
	const char *why;

	if (parse_ip4(cx, n, field, a) == -1)
		return -1;
	if ((why = ip4_unbindable(a)) != NULL)
		return cfg_err(cx, node_line(n), field, "%s %s",
		    inet_ntop(AF_INET, a, buf, sizeof(buf)), why);
	return 0;
}

static int
guest_ip6(struct cfgctx *cx, struct fy_node *n, const char *field,
    struct in6_addr *a)
{
	char buf[80];
	const char *why;

	if (scalar(n, buf, sizeof(buf)) == NULL ||
	    inet_pton(AF_INET6, buf, a) != 1)
		return cfg_err(cx, node_line(n), field,
		    "'%s' is not an IPv6 address", scalar(n, buf, sizeof(buf))
		    ? buf : "");
	if ((why = ip6_unbindable(a)) != NULL)
		return cfg_err(cx, node_line(n), field, "%s %s", buf, why);
	return 0;
}

/*
 * A word that asks for learning instead of an address: dhcp in ipv4,
 * slaac or dhcpv6 in ipv6. 1 if item was one, 0 if not, -1 if it is
 * given twice. Whether it is implemented is the validator's to say.
 */
static int
learn_word(struct cfgctx *cx, struct fy_node *item, const char *field,
    int family, struct bg_guest *g)
{
	static const struct {
		int		 family;
		const char	*word;
		unsigned int	 bit;
	} w[] = {
		{ AF_INET, "dhcp", LEARN_DHCP4 },
		{ AF_INET6, "slaac", LEARN_SLAAC },
		{ AF_INET6, "dhcpv6", LEARN_DHCP6 },
	};
	char buf[16];
	size_t i;

	if (scalar(item, buf, sizeof(buf)) == NULL)
		return 0;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		if (w[i].family != family || strcmp(buf, w[i].word) != 0)
			continue;
		if (g->learn & w[i].bit)
			return cfg_err(cx, node_line(item), field,
			    "%s is given twice", buf);
		g->learn |= w[i].bit;
		return 1;
	}
	return 0;
}

/* A list of addresses, and learning words (learn_word()); a single scalar
 * is accepted as a list of one. */
static int
parse_addrs(struct cfgctx *cx, struct fy_node *n, const char *field,
    int family, void **out, int **lines, size_t *count, struct bg_guest *g)
{
	size_t sz = family == AF_INET ? sizeof(struct in_addr) :
	    sizeof(struct in6_addr);
	struct fy_node *item, *one[1] = { n };
	void *it = NULL, *arr;
	size_t cap, i = 0, k = 0;
	char f[96];
	int rc;

	if (fy_node_get_type(n) == FYNT_MAPPING)
		return cfg_err(cx, node_line(n), field,
		    "must be a list of addresses");
	cap = fy_node_get_type(n) == FYNT_SEQUENCE ?
	    (size_t)fy_node_sequence_item_count(n) : 1;
	if (cap == 0)
		return 0;
	if ((arr = calloc(cap, sz)) == NULL ||
	    (*lines = calloc(cap, sizeof(int))) == NULL) {
		free(arr);
		return cfg_err(cx, node_line(n), field, "out of memory");
	}
	for (;;) {
		if (fy_node_get_type(n) == FYNT_SEQUENCE)
			item = fy_node_sequence_iterate(n, &it);
		else
			item = k == 0 ? one[0] : NULL;
		if (item == NULL)
			break;
		snprintf(f, sizeof(f), "%s[%zu]", field, k++);
		if ((rc = learn_word(cx, item, f, family, g)) == 1)
			continue;
		rc = rc == -1 ? -1 : family == AF_INET ?
		    guest_ip4(cx, item, f, (struct in_addr *)arr + i) :
		    guest_ip6(cx, item, f, (struct in6_addr *)arr + i);
		if (rc == -1) {
			free(arr);
			free(*lines);
			*lines = NULL;
			return -1;
		}
		(*lines)[i++] = node_line(item);
	}
	if (i == 0) {			/* learning words only */
		free(arr);
		free(*lines);
		*lines = NULL;
		return 0;
	}
	*out = arr;
	*count = i;
	return 0;
}

static int
parse_mac(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_guest *g)
{
	char buf[64];
	const char *why;

	if (scalar(v, buf, sizeof(buf)) == NULL ||
	    mac_parse(buf, g->mac) == -1)
		return cfg_err(cx, node_line(v), field,
		    "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
		    scalar(v, buf, sizeof(buf)) ? buf : "");
	if ((why = mac_unbindable(g->mac)) != NULL)
		return cfg_err(cx, node_line(v), field, "%s %s", buf, why);
	g->mac_line = node_line(v);
	return 0;
}

static int
guest_key(struct cfgctx *cx, const char *key, struct fy_node *v, int line,
    const char *field, void *arg)
{
	struct bg_guest *g = arg;

	if (strcmp(key, "port") == 0)
		return parse_ifname(cx, v, line, field, g->port);
	if (strcmp(key, "mac") == 0)
		return parse_mac(cx, v, field, g);
	if (strcmp(key, "ipv4") == 0)
		return parse_addrs(cx, v, field, AF_INET, (void **)&g->ip4,
		    &g->ip4_line, &g->n_ip4, g);
	if (strcmp(key, "ipv6") == 0)
		return parse_addrs(cx, v, field, AF_INET6, (void **)&g->ip6,
		    &g->ip6_line, &g->n_ip6, g);
	if (strcmp(key, "libvirt-uuid") == 0) {
		if (scalar(v, g->libvirt_uuid, sizeof(g->libvirt_uuid)) ==
		    NULL || strlen(g->libvirt_uuid) != 36)
			return cfg_err(cx, node_line(v), field,
			    "must be a domain's UUID");
		return 0;
	}
	return cfg_err(cx, line, field,
	    "unknown key (expected port, mac, ipv4, ipv6, libvirt-uuid)");
}

static int
parse_guest(struct cfgctx *cx, struct fy_node *n, const char *path,
    void *elem)
{
	struct bg_guest *g = elem;

	g->line = node_line(n);
	if (cfg_map_walk(cx, n, path, guest_key, g) == -1)
		return -1;
	if (g->port[0] == '\0')
		return cfg_err(cx, g->line, path, "missing 'port'");
	if (g->mac_line == 0)
		return cfg_err(cx, g->line, path, "missing 'mac'");
	return 0;
}

static int
parse_guests(struct cfgctx *cx, struct fy_node *n, const char *path,
    struct bg_bridge *b)
{
	return cfg_list_walk(cx, n, path, sizeof(*b->guests),
	    (void **)&b->guests, &b->n_guests, parse_guest);
}

static int
parse_trusted(struct cfgctx *cx, struct fy_node *n, const char *path,
    struct bg_bridge *b)
{
	return cfg_list_walk(cx, n, path, sizeof(*b->trusted),
	    (void **)&b->trusted, &b->n_trusted, ifname_item);
}

static int
server_item(struct cfgctx *cx, struct fy_node *n, const char *field,
    void *elem)
{
	char buf[INET_ADDRSTRLEN];

	if (parse_ip4(cx, n, field, elem) == -1)
		return -1;
	/* What no guest may have, no server id is either. */
	if (ip4_unbindable(elem) != NULL)
		return cfg_err(cx, node_line(n), field, "%s cannot be a DHCP "
		    "server's address", inet_ntop(AF_INET, elem, buf,
		    sizeof(buf)));
	return 0;
}

/* dhcp-servers: the DHCP server ids a DHCPACK is believed from. */
static int
parse_dhcp_servers(struct cfgctx *cx, struct fy_node *n, const char *path,
    struct bg_bridge *b)
{
	return cfg_list_walk(cx, n, path, sizeof(*b->dhcp_servers),
	    (void **)&b->dhcp_servers, &b->n_dhcp_servers, server_item);
}

/* source: static (the default) or libvirt. */
static int
parse_source(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_bridge *b)
{
	char buf[16];

	if (scalar(v, buf, sizeof(buf)) == NULL ||
	    (strcmp(buf, "static") != 0 && strcmp(buf, "libvirt") != 0))
		return cfg_err(cx, node_line(v), field,
		    "must be 'static' or 'libvirt'");
	b->libvirt_line = strcmp(buf, "libvirt") == 0 ? node_line(v) : 0;
	return 0;
}

/* libvirt-uri: URI, with source: libvirt (checked once the bridge is read). */
static int
parse_libvirt_uri(struct cfgctx *cx, struct fy_node *v, const char *field,
    struct bg_bridge *b)
{
	char buf[sizeof(b->libvirt)];

	if (scalar(v, buf, sizeof(buf)) == NULL || buf[0] == '\0' ||
	    strchr(buf, ':') == NULL)
		return cfg_err(cx, node_line(v), field,
		    "must be a libvirt URI such as qemu:///system");
	b->uri_line = node_line(v);
	snprintf(b->libvirt, sizeof(b->libvirt), "%s", buf);
	return 0;
}

/* max-learned-ipv4, -ipv6: how many addresses a guest may learn. */
static int
parse_cap(struct cfgctx *cx, struct fy_node *v, const char *field,
    unsigned long max, unsigned int *out)
{
	unsigned long u;

	if (parse_uint(cx, v, field, 1, max, &u) == -1)
		return -1;
	*out = (unsigned int)u;
	return 0;
}

static int
bridge_key(struct cfgctx *cx, const char *key, struct fy_node *v, int line,
    const char *field, void *arg)
{
	struct bg_bridge *b = arg;
	char buf[32];

	if (strcmp(key, "name") == 0)
		return parse_ifname(cx, v, line, field, b->name);
	if (strcmp(key, "trusted-ports") == 0)
		return parse_trusted(cx, v, field, b);
	if (strcmp(key, "dhcp-servers") == 0)
		return parse_dhcp_servers(cx, v, field, b);
	if (strcmp(key, "unknown-ports") == 0) {
		if (scalar(v, buf, sizeof(buf)) == NULL ||
		    (strcmp(buf, "drop") != 0 && strcmp(buf, "allow") != 0))
			return cfg_err(cx, node_line(v), field,
			    "must be 'drop' or 'allow'");
		b->allow_unknown = strcmp(buf, "allow") == 0;
		return 0;
	}
	if (strcmp(key, "max-learned-ipv4") == 0)
		return parse_cap(cx, v, field, BG_MAX_LEARNED4,
		    &b->max_learned4);
	if (strcmp(key, "max-learned-ipv6") == 0)
		return parse_cap(cx, v, field, BG_MAX_LEARNED6,
		    &b->max_learned6);
	if (strcmp(key, "source") == 0)
		return parse_source(cx, v, field, b);
	if (strcmp(key, "libvirt-uri") == 0)
		return parse_libvirt_uri(cx, v, field, b);
	if (strcmp(key, "guests") == 0)
		return parse_guests(cx, v, field, b);
	if (strcmp(key, "mirrors") == 0)
		return mirror_parse_list(cx, v, field, b);
	return cfg_err(cx, line, field, "unknown key (expected name, "
	    "trusted-ports, dhcp-servers, unknown-ports, max-learned-ipv4, "
	    "max-learned-ipv6, source, libvirt-uri, guests, mirrors)");
}

static int
parse_bridge(struct cfgctx *cx, struct fy_node *n, const char *path,
    void *elem)
{
	struct bg_bridge *b = elem;

	b->line = node_line(n);
	if (cfg_map_walk(cx, n, path, bridge_key, b) == -1)
		return -1;
	if (b->name[0] == '\0')
		return cfg_err(cx, b->line, path, "missing 'name'");
	if (b->uri_line && b->libvirt_line == 0)
		return cfg_err(cx, b->uri_line, path,
		    "libvirt-uri: needs 'source: libvirt'");
	if (b->libvirt_line == 0)
		b->libvirt[0] = '\0';
	else if (b->libvirt[0] == '\0')
		snprintf(b->libvirt, sizeof(b->libvirt), "%s", BG_LIBVIRT_URI);
	return 0;
}

static int
parse_bridges(struct cfgctx *cx, struct fy_node *v, struct bg_config *cfg)
{
	return cfg_list_walk(cx, v, "bridges", sizeof(*cfg->bridges),
	    (void **)&cfg->bridges, &cfg->n_bridges, parse_bridge);
}

static int
root_key(struct cfgctx *cx, const char *key, struct fy_node *v, int line,
    const char *field, void *arg)
{
	struct bg_config *cfg = arg;
	unsigned long group;

	if (strcmp(key, "nflog-group") == 0) {
		if (parse_uint(cx, v, field, 0, 65535, &group) == -1)
			return -1;
		cfg->nflog_group = (unsigned int)group;
		return 0;
	}
	if (strcmp(key, "bridges") == 0)
		return parse_bridges(cx, v, cfg);
	return cfg_err(cx, line, field,
	    "unknown key (expected bridges, nflog-group)");
}

static int
parse_root(struct cfgctx *cx, struct fy_node *root, struct bg_config *cfg)
{
	cfg->nflog_group = BG_NFLOG_GROUP;
	if (root == NULL)
		return cfg_err(cx, 1, "bridges", "the file is empty");
	return cfg_map_walk(cx, root, "", root_key, cfg);
}

/* The first error libfyaml collected, as file:line: yaml: message. */
static int
yaml_error(struct cfgctx *cx, struct fy_diag *diag)
{
	struct fy_diag_error *e;
	void *it = NULL;

	if (diag && (e = fy_diag_errors_iterate(diag, &it)) != NULL)
		return cfg_err(cx, e->line, "yaml", "%s", e->msg);
	/* libfyaml builds no document, and says nothing, from empty input. */
	return cfg_err(cx, 1, "bridges", "the file is empty");
}

static int
config_load_doc(struct cfgctx *cx, const char *text, size_t len,
    struct bg_config *cfg)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	struct fy_diag *diag;
	struct fy_document *doc;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	if ((rc = utf8_check(text, len)) != 0)
		return cfg_err(cx, rc, "yaml", "not UTF-8 text");
	rc = -1;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	if ((diag = fy_diag_create(&dcfg)) == NULL)
		return cfg_err(cx, 0, "yaml", "out of memory");
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	pcfg.diag = diag;
	doc = fy_document_build_from_string(&pcfg, text, len);
	/* Resolving anchors and merge keys costs a fifth of the parse at
	 * 10,000 guests: skip it when the text cannot contain any. An alias
	 * without its anchor must reach the resolver, which refuses it,
	 * or it would be read as its name. */
	if (doc == NULL || (memchr(text, '*', len) &&
	    fy_document_resolve(doc) != 0)) {
		yaml_error(cx, diag);
		goto out;
	}
	if (parse_root(cx, fy_document_root(doc), cfg) == 0 &&
	    config_validate(cx->file, cfg, cx->err, cx->errlen) == 0)
		rc = 0;
out:
	if (rc == -1)
		config_clear(cfg);
	fy_document_destroy(doc);
	/* fy_diag_unref() leaks the errors it collected (libfyaml 0.7.12). */
	fy_diag_destroy(diag);
	return rc;
}

int
config_load_string(const char *name, const char *text, struct bg_config *cfg,
    char *err, size_t errlen)
{
	struct cfgctx cx = { name, err, errlen };

	return config_load_doc(&cx, text, strlen(text), cfg);
}

int
config_load(const char *path, struct bg_config *cfg, char *err, size_t errlen)
{
	struct cfgctx cx = { path, err, errlen };
	FILE *f;
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (getdelim(&text, &len, '\0', f) == -1 && ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	rc = config_load_doc(&cx, text ? text : "", text ? strlen(text) : 0,
	    cfg);
	free(text);
	return rc;
}
