/* Helpers the parts of the config parser share (parse.c, parse_mirror.c). */
#ifndef BG_YAML_H
#define BG_YAML_H

#include <libfyaml.h>

#include "model.h"

struct cfgctx {
	const char	*file;
	char		*err;
	size_t		 errlen;
};

/*
 * 0 if text is UTF-8, else the line of the first byte that is not. (The
 * YAML parser is not given other bytes: libfyaml 0.7 loops forever on
 * some, in a directive.)
 */
int	utf8_check(const char *text, size_t len);
/* The 1-based line a node starts at; 0 if unknown. */
int	node_line(struct fy_node *);
/* Formats "file:line: field: msg" into cx->err; returns -1. */
int	cfg_err(struct cfgctx *, int line, const char *field, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));
/* The scalar text of a node, NUL-terminated in buf; NULL if not scalar. */
const char *scalar(struct fy_node *, char *buf, size_t len);
int	want_type(struct cfgctx *, struct fy_node *, enum fy_node_type, int line,
	    const char *field);
int	parse_ifname(struct cfgctx *, struct fy_node *, int line,
	    const char *field, char out[BG_IFNAMSIZ]);
int	parse_ip4(struct cfgctx *, struct fy_node *, const char *field,
	    struct in_addr *);
int	parse_uint(struct cfgctx *, struct fy_node *, const char *field,
	    unsigned long min, unsigned long max, unsigned long *out);

/* Called for each key of a mapping; field is "path.key", line the key's. */
typedef int (*cfg_key_fn)(struct cfgctx *, const char *key, struct fy_node *v,
	    int line, const char *field, void *arg);
/* Checks n is a mapping and calls fn on each key with a value. */
int	cfg_map_walk(struct cfgctx *, struct fy_node *n, const char *path,
	    cfg_key_fn fn, void *arg);

/* Called for each item of a list, with "field[i]" and its new element. */
typedef int (*cfg_item_fn)(struct cfgctx *, struct fy_node *item,
	    const char *field, void *elem);
/* Checks v is a list; allocates *arr of size-byte elements, one per item
 * (counted in *n), and calls fn on each. */
int	cfg_list_walk(struct cfgctx *, struct fy_node *v, const char *field,
	    size_t size, void **arr, size_t *n, cfg_item_fn fn);
/* A cfg_item_fn for lists of interface names. */
int	ifname_item(struct cfgctx *, struct fy_node *item, const char *field,
	    void *elem);

/* bridges[].mirrors */
int	mirror_parse_list(struct cfgctx *, struct fy_node *, const char *field,
	    struct bg_bridge *);

#endif
