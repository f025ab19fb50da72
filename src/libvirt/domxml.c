/*
 * A domain's XML → its bridged interfaces. libvirt hands out XML; libxml2
 * reads it (no text matching). Addresses come from the interface's
 * nwfilter parameters IP and IPV6; interfaces of a libvirt network are
 * completed by the network (its bridge, its DHCP hosts).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

#include "lv.h"
#include "lvxml.h"

/* The first string expr selects under node, into buf ("" if none). */
void
lvx_string(xmlXPathContextPtr x, xmlNodePtr node, const char *expr,
    char *buf, size_t len)
{
	xmlXPathObjectPtr o;

	buf[0] = '\0';
	x->node = node;
	o = xmlXPathEvalExpression(BAD_CAST expr, x);
	if (o && o->type == XPATH_STRING && o->stringval)
		snprintf(buf, len, "%s", (const char *)o->stringval);
	xmlXPathFreeObject(o);
}

xmlDocPtr
lvx_read(const char *xml, xmlXPathContextPtr *x)
{
	xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), "libvirt.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	if (d == NULL)
		return NULL;
	if ((*x = xmlXPathNewContext(d)) == NULL) {
		xmlFreeDoc(d);
		return NULL;
	}
	return d;
}

void
lvx_free(xmlDocPtr d, xmlXPathContextPtr x)
{
	xmlXPathFreeContext(x);
	xmlFreeDoc(d);
}

void
lv_add_ip4(struct lv_iface *i, const char *s)
{
	struct in_addr a;
	size_t k;

	if (inet_pton(AF_INET, s, &a) != 1 || i->n_ip4 == LV_MAX_ADDRS)
		return;
	for (k = 0; k < i->n_ip4; k++)
		if (i->ip4[k].s_addr == a.s_addr)
			return;
	i->ip4[i->n_ip4++] = a;
}

void
lv_add_ip6(struct lv_iface *i, const char *s)
{
	struct in6_addr a;
	size_t k;

	if (inet_pton(AF_INET6, s, &a) != 1 || i->n_ip6 == LV_MAX_ADDRS)
		return;
	for (k = 0; k < i->n_ip6; k++)
		if (memcmp(&i->ip6[k], &a, sizeof(a)) == 0)
			return;
	i->ip6[i->n_ip6++] = a;
}

bool
lv_generated_name(const char *n)
{
	static const char *const prefix[] = { "vnet", "macvtap", "macvlan",
	    "testnet" };
	size_t k, len;

	for (k = 0; k < sizeof(prefix) / sizeof(prefix[0]); k++) {
		len = strlen(prefix[k]);
		if (strncmp(n, prefix[k], len) == 0 && n[len] != '\0' &&
		    strspn(n + len, "0123456789") == strlen(n + len))
			return true;
	}
	return false;
}

void
lvx_each(xmlXPathContextPtr x, xmlNodePtr node, const char *expr,
    struct lv_iface *i, void (*add)(struct lv_iface *, const char *))
{
	xmlXPathObjectPtr o;
	int k;

	x->node = node;
	o = xmlXPathEvalExpression(BAD_CAST expr, x);
	for (k = 0; o && o->nodesetval && k < o->nodesetval->nodeNr; k++) {
		xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[k]);

		if (v)
			add(i, (const char *)v);
		xmlFree(v);
	}
	xmlXPathFreeObject(o);
}

/* Does the persistent definition name this interface's tap (by MAC)? */
static bool
stable_name(xmlXPathContextPtr px, const char *mac)
{
	char expr[160], dev[BG_IFNAMSIZ];

	if (px == NULL)
		return false;
	snprintf(expr, sizeof(expr), "string(/domain/devices/interface"
	    "[translate(mac/@address,'ABCDEF','abcdef')='%s']/target/@dev)",
	    mac);
	lvx_string(px, NULL, expr, dev, sizeof(dev));
	return dev[0] != '\0' && !lv_generated_name(dev);
}

/* One <interface>; 1 if it is a bridge port to keep, 0 if not. */
static int
parse_iface(xmlXPathContextPtr x, xmlXPathContextPtr px, xmlNodePtr n,
    struct lv_iface *i)
{
	char type[16], mac[32];

	lvx_string(x, n, "string(@type)", type, sizeof(type));
	lvx_string(x, n, "string(target/@dev)", i->tap, sizeof(i->tap));
	lvx_string(x, n, "string(mac/@address)", mac, sizeof(mac));
	if (i->tap[0] == '\0' || mac_parse(mac, i->mac) == -1)
		return 0;
	mac_format(i->mac, mac);
	if (strcmp(type, "bridge") == 0)
		lvx_string(x, n, "string(source/@bridge)", i->bridge,
		    sizeof(i->bridge));
	else if (strcmp(type, "network") == 0)
		lvx_string(x, n, "string(source/@network)", i->network,
		    sizeof(i->network));
	else
		return 0;
	i->stable_name = stable_name(px, mac);
	lvx_string(x, n, "string(filterref/@filter)", i->filter,
	    sizeof(i->filter));
	lvx_each(x, n, "filterref/parameter[@name='IP']/@value", i,
	    lv_add_ip4);
	lvx_each(x, n, "filterref/parameter[@name='IPV6']/@value", i,
	    lv_add_ip6);
	return 1;
}

void
lv_list_clear(struct lv_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct lv_iface *
list_add(struct lv_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct lv_iface *v = reallocarray(l->v, cap, sizeof(*v));

		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n];
}

/* The interfaces under the domain element, into l. */
static int
parse_ifaces(xmlXPathContextPtr x, xmlXPathContextPtr px, lv_net_fn net,
    void *arg, struct lv_list *l)
{
	char name[LV_NAME], uuid[40];
	xmlXPathObjectPtr o;
	struct lv_iface *i;
	int k, rc = 0;

	lvx_string(x, NULL, "string(/domain/name)", name, sizeof(name));
	lvx_string(x, NULL, "string(/domain/uuid)", uuid, sizeof(uuid));
	x->node = NULL;
	o = xmlXPathEvalExpression(BAD_CAST "/domain/devices/interface", x);
	for (k = 0; o && o->nodesetval && k < o->nodesetval->nodeNr; k++) {
		if ((i = list_add(l)) == NULL) {
			rc = -1;
			break;
		}
		snprintf(i->domain, sizeof(i->domain), "%s", name);
		snprintf(i->uuid, sizeof(i->uuid), "%s", uuid);
		if (parse_iface(x, px, o->nodesetval->nodeTab[k], i) != 1)
			continue;
		if (i->network[0] && (net == NULL || net(arg, i) != 0))
			continue;
		if (i->bridge[0])
			l->n++;
	}
	xmlXPathFreeObject(o);
	return rc;
}

int
lv_parse_domain(const char *xml, const char *inactive_xml, lv_net_fn net,
    void *arg, struct lv_list *l)
{
	xmlXPathContextPtr x = NULL, px = NULL;
	xmlDocPtr d, pd = NULL;
	int rc;

	if ((d = lvx_read(xml, &x)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (inactive_xml)
		pd = lvx_read(inactive_xml, &px);
	rc = parse_ifaces(x, px, net, arg, l);
	if (pd)
		lvx_free(pd, px);
	lvx_free(d, x);
	return rc;
}
