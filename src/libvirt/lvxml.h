/* The XML reading src/libvirt's parsers share (libxml2 XPath). */
#ifndef BG_LVXML_H
#define BG_LVXML_H

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stddef.h>

#include "lv.h"

/* Parses xml (no network, no messages); NULL if it is not XML. */
xmlDocPtr	lvx_read(const char *xml, xmlXPathContextPtr *x);
void		lvx_free(xmlDocPtr, xmlXPathContextPtr);
/* The string value of expr (string(...)) evaluated at node, or "". */
void	lvx_string(xmlXPathContextPtr, xmlNodePtr node, const char *expr,
	    char *buf, size_t len);
/* Calls add with the text of each node expr selects at node. */
void	lvx_each(xmlXPathContextPtr, xmlNodePtr node, const char *expr,
	    struct lv_iface *i, void (*add)(struct lv_iface *, const char *));
/* Adds an address in text form to i, once; malformed ones are ignored. */
void	lv_add_ip4(struct lv_iface *i, const char *);
void	lv_add_ip6(struct lv_iface *i, const char *);

#endif
