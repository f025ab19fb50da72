/* Building blocks shared by the ruleset compilers (ruleset.c, mirror.c). */
#ifndef BG_RS_BUILD_H
#define BG_RS_BUILD_H

#include "ruleset.h"

struct rs_set	*set_new(struct rs_table *, const char *name, enum rs_field,
		    enum rs_field, size_t n_fields, bool counters);
struct rs_chain	*chain_new(struct rs_table *, const char *name,
		    const char *hook, int prio);
struct rs_rule	*rule(struct rs_chain *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
struct rs_expr	*expr(struct rs_rule *, enum rs_op, uint8_t reg);
void	meta(struct rs_rule *, uint32_t key, uint8_t reg);
void	payload(struct rs_rule *, uint32_t base, uint32_t off, uint32_t len,
	    uint8_t reg);
void	cmp(struct rs_rule *, uint32_t op, const void *data, uint32_t len);
void	verdict(struct rs_rule *, uint32_t code, const char *chain);
void	group_bit(struct rs_rule *);
void	dep_proto(struct rs_rule *, const char *proto);
void	dep_l4(struct rs_rule *, uint8_t proto);

/* mirror.c */
size_t	mirror_chains(const struct bg_config *, size_t n_guests,
	    size_t n_ports);
int	build_mirrors(struct ruleset *, const struct bg_config *,
	    const struct bg_port *, size_t n_ports);

#endif
