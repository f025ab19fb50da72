/*
 * The containers of a ruleset: tables of sets and chains, chains of rules
 * and devices. They grow as builders fill them and stop at their bounds;
 * what did not fit is recorded, and rs_table_check() says where.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

/*
 * Makes room for one more of n elements of size bytes in the array whose
 * pointer is at arrp (copied, not cast: it is no void *). -1 on ENOMEM.
 */
static int
grow(void *arrp, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 8;
	memcpy(&p, arrp, sizeof(p));
	if ((p = realloc(p, c * size)) == NULL)
		return -1;
	memcpy(arrp, &p, sizeof(p));
	*cap = c;
	return 0;
}

struct rs_set *
ruleset_set(const struct rs_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_sets; i++)
		if (strcmp(t->sets[i]->name, name) == 0)
			return t->sets[i];
	return NULL;
}

struct rs_set *
rs_table_set(struct rs_table *t, const char *name, const enum ir_type *key,
    size_t n_key, bool counters)
{
	struct rs_set *s;

	if (n_key == 0 || n_key > IR_MAX_CONCAT ||
	    grow(&t->sets, &t->cap_sets, t->n_sets, sizeof(*t->sets)) == -1 ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		t->nomem = true;
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	memcpy(s->key, key, n_key * sizeof(*key));
	s->n_key = n_key;
	s->counters = counters;
	t->sets[t->n_sets++] = s;
	return s;
}

struct rs_set *
rs_table_dynset(struct rs_table *t, const char *name, const enum ir_type *key,
    size_t n_key)
{
	struct rs_set *s = rs_table_set(t, name, key, n_key, false);

	if (s)
		s->dynamic = true;
	return s;
}

struct rs_chain *
rs_chain_new(const char *name, enum rs_hook hook, int prio)
{
	struct rs_chain *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (strlen(name) >= sizeof(c->name))
		c->overflow = true;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->hook = hook;
	c->prio = prio;
	return c;
}

void
rs_chain_free(struct rs_chain *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_rules; i++)
		free(c->rules[i]);
	free(c->rules);
	free(c->devs);
	free(c);
}

struct rs_chain *
rs_table_chain(struct rs_table *t, const char *name, enum rs_hook hook,
    int prio)
{
	struct rs_chain *c;

	if (grow(&t->chains, &t->cap_chains, t->n_chains,
	    sizeof(*t->chains)) == -1 ||
	    (c = rs_chain_new(name, hook, prio)) == NULL) {
		t->nomem = true;
		return NULL;
	}
	t->chains[t->n_chains++] = c;
	return c;
}

struct rs_rule *
rs_chain_rule(struct rs_chain *c)
{
	struct rs_rule *r;

	if (c == NULL)
		return NULL;
	if (c->n_rules == RS_MAX_RULES) {
		c->overflow = true;
		return NULL;
	}
	if (grow(&c->rules, &c->cap_rules, c->n_rules,
	    sizeof(*c->rules)) == -1 || (r = ir_rule_new()) == NULL) {
		c->nomem = true;
		return NULL;
	}
	c->rules[c->n_rules++] = r;
	return r;
}

void
rs_chain_dev(struct rs_chain *c, const char *dev)
{
	if (c == NULL)
		return;
	if (c->n_devs == RS_DEVS_PER_CHAIN || strlen(dev) >= BG_IFNAMSIZ) {
		c->overflow = true;
		return;
	}
	if (grow(&c->devs, &c->cap_devs, c->n_devs, sizeof(*c->devs)) == -1) {
		c->nomem = true;
		return;
	}
	memset(c->devs[c->n_devs], 0, BG_IFNAMSIZ);
	memcpy(c->devs[c->n_devs++], dev, strlen(dev));
}

void
rs_table_free(struct rs_table *t)
{
	size_t i;

	for (i = 0; i < t->n_sets; i++) {
		free(t->sets[i]->elems);
		free(t->sets[i]);
	}
	for (i = 0; i < t->n_chains; i++)
		rs_chain_free(t->chains[i]);
	free(t->sets);
	free(t->chains);
	memset(t, 0, sizeof(*t));
}

static int
chain_check(const struct rs_chain *c, char *err, size_t errlen)
{
	size_t i;

	if (c->nomem) {
		errno = ENOMEM;
		return snprintf(err, errlen, "chain %s: %s", c->name,
		    strerror(ENOMEM)), -1;
	}
	for (i = 0; i < c->n_rules; i++)
		if (c->rules[i]->overflow) {
			errno = E2BIG;
			return snprintf(err, errlen, "chain %s: rule %zu: more "
			    "than %d statements, or a name or key too long",
			    c->name, i + 1, IR_MAX_STMTS), -1;
		}
	if (c->overflow) {
		errno = E2BIG;
		return snprintf(err, errlen, "chain %s: more than %d rules or "
		    "%d devices, or a name too long", c->name, RS_MAX_RULES,
		    RS_DEVS_PER_CHAIN), -1;
	}
	return 0;
}

int
rs_table_check(const struct rs_table *t, char *err, size_t errlen)
{
	size_t i;

	if (t->nomem) {
		errno = ENOMEM;
		return snprintf(err, errlen, "table %s: %s",
		    rs_family_name(t->family), strerror(ENOMEM)), -1;
	}
	for (i = 0; i < t->n_chains; i++)
		if (chain_check(t->chains[i], err, errlen) == -1)
			return -1;
	return 0;
}

size_t
rs_key_len(const struct rs_set *s)
{
	return ir_key_len(s->key, s->n_key);
}

/* One field of an element: ifnames come as strings, MACs as 6 bytes. */
static void
put_field(uint8_t *dst, enum ir_type t, const void *v)
{
	if (t == T_IFNAME)
		strncpy((char *)dst, v, BG_IFNAMSIZ - 1);
	else
		memcpy(dst, v, ir_types[t].len);
}

int
rs_set_add(struct rs_set *s, const void *a, const void *b)
{
	struct rs_elem *e;

	if (grow(&s->elems, &s->cap, s->n, sizeof(*s->elems)) == -1)
		return -1;
	e = &s->elems[s->n++];
	memset(e, 0, sizeof(*e));
	put_field(e->key, s->key[0], a);
	if (s->n_key > 1)
		put_field(e->key + ir_key_len(s->key, 1), s->key[1], b);
	return 0;
}

int
rs_set_add_jump(struct rs_set *s, const char *name, const char *chain)
{
	struct rs_elem *e;

	if (rs_set_add(s, name, NULL) == -1)
		return -1;
	e = &s->elems[s->n - 1];
	snprintf(e->jump, sizeof(e->jump), "%s", chain);
	return 0;
}

bool
rs_port_present(const struct bg_port *ports, size_t n_ports,
    const char *name)
{
	size_t i;

	for (i = 0; i < n_ports; i++)
		if (strcmp(ports[i].port, name) == 0)
			return true;
	return false;
}

bool
rs_chain_equal(const struct rs_chain *a, const struct rs_chain *b)
{
	size_t i;

	if (strcmp(a->name, b->name) != 0 || a->hook != b->hook ||
	    a->prio != b->prio || a->role != b->role ||
	    strcmp(a->port, b->port) != 0 || a->n_rules != b->n_rules ||
	    a->n_devs != b->n_devs || (a->n_devs && memcmp(a->devs, b->devs,
	    a->n_devs * sizeof(*a->devs)) != 0))
		return false;
	/* Rules are plain data, zeroed before they are filled. */
	for (i = 0; i < a->n_rules; i++)
		if (memcmp(a->rules[i], b->rules[i], sizeof(*a->rules[i])) != 0)
			return false;
	return true;
}
