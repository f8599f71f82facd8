/* compat/protobuf/pbnorm.c: Confluent's normalize() as a copy of the model
 * (see pbnorm.h). The copy lives in an arena of its own (a pbfile from
 * pbfile_new()); it shares the source's strings, which outlive it. Each
 * function mirrors one branch of ProtobufSchemaUtils' `ctx.normalize()`. */
#include "compat/protobuf/pbnorm.h"

#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/protobuf/pbform.h"

struct pn {
	struct pbfile *out; /* the copy, and the arena of everything in it */
	const struct pbnames *names;
	char *scope; /* the package and the enclosing messages, dotted */
	size_t scope_len, scope_cap;
	struct sg_error *err;
	jmp_buf fail;
};

static _Noreturn void pn_oom(struct pn *n)
{
	error_set(n->err, SG_ENOMEM, "out of memory");
	longjmp(n->fail, 1);
}

static void *pn_alloc(struct pn *n, size_t size)
{
	void *p = pbfile_alloc(n->out, size, n->err);
	if (!p)
		longjmp(n->fail, 1);
	return p;
}

#define PN_NEW(n, type) ((type *)pn_alloc((n), sizeof(type)))

static const char *pn_strdup(struct pn *n, const char *s)
{
	const char *p = pbfile_strndup(n->out, s, strlen(s), n->err);
	if (!p)
		longjmp(n->fail, 1);
	return p;
}

static size_t pn_enter(struct pn *n, const char *name)
{
	size_t saved = n->scope_len, ln = strlen(name), need = saved + 1 + ln + 1;
	if (need > n->scope_cap) {
		size_t cap = n->scope_cap ? n->scope_cap : 128;
		while (cap < need)
			cap *= 2;
		char *p = realloc(n->scope, cap);
		if (!p)
			pn_oom(n);
		n->scope = p;
		n->scope_cap = cap;
	}
	if (n->scope_len)
		n->scope[n->scope_len++] = '.';
	memcpy(n->scope + n->scope_len, name, ln + 1);
	n->scope_len += ln;
	return saved;
}

static void pn_leave(struct pn *n, size_t saved)
{
	n->scope_len = saved;
	if (n->scope)
		n->scope[saved] = '\0';
}

/* Confluent's resolve(): "." + the full name `name` resolves to in the
 * current scope, or NULL when it does not resolve. */
static const char *pn_resolve(struct pn *n, const char *name, const struct pbnames_type **type)
{
	const struct pbnames_type *t = pbnames_resolve(n->names, n->scope, n->scope_len, name);
	if (type)
		*type = t;
	if (!t)
		return NULL;
	size_t ln = strlen(t->name);
	char *s = pn_alloc(n, ln + 2);
	s[0] = '.';
	memcpy(s + 1, t->name, ln + 1);
	return s;
}

/* ---- lists: counted, copied into arrays, sorted, chained again ---- */

#define PN_SORT(n, type, head, cmp)                                                                \
	do {                                                                                       \
		size_t count_ = 0;                                                                 \
		for (type *p_ = (head); p_; p_ = p_->next)                                         \
			count_++;                                                                  \
		if (count_ > 1) {                                                                  \
			type **a_ = pn_alloc((n), count_ * sizeof *a_);                            \
			size_t i_ = 0;                                                             \
			for (type *p_ = (head); p_; p_ = p_->next)                                 \
				a_[i_++] = p_;                                                     \
			pn_stable_sort((n), (void **)a_, count_, (cmp));                           \
			for (i_ = 0; i_ + 1 < count_; i_++)                                        \
				a_[i_]->next = a_[i_ + 1];                                         \
			a_[count_ - 1]->next = NULL;                                               \
			(head) = a_[0];                                                            \
		}                                                                                  \
	} while (0)

/* Java's List.sort is stable: a merge sort keeps equal items in order. */
static void pn_stable_sort(struct pn *n, void **a, size_t count,
                           int (*cmp)(const void *, const void *))
{
	void **tmp = pn_alloc(n, count * sizeof *tmp);
	for (size_t width = 1; width < count; width *= 2) {
		for (size_t lo = 0; lo < count; lo += 2 * width) {
			size_t mid = lo + width < count ? lo + width : count;
			size_t hi = lo + 2 * width < count ? lo + 2 * width : count;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp(a[j], a[i]) < 0 ? a[j++] : a[i++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
		}
		memcpy(a, tmp, count * sizeof *a);
	}
}

/* ---- option values ---- */

/* formatNumber() under normalize: NumberUtils.createNumber() then a
 * DecimalFormat without grouping (at most 3 fraction digits, half-even).
 * Integers may be hex ("0x", "#") or octal (a leading 0), as Java's
 * Integer.decode() reads them. What Java cannot read stays as written. */
static const char *pn_number(struct pn *n, const char *text)
{
	const char *s = text;
	int neg = 0;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (!*s)
		return text;
	char buf[128];
	if (!strpbrk(s, ".eE") || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		int base = 10;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
		} else if (s[0] == '#') {
			base = 16;
			s++;
		} else if (s[0] == '0' && s[1]) {
			base = 8;
			s++;
		}
		if (!*s)
			return text;
		uint64_t v = 0;
		for (; *s; s++) {
			int d = *s >= '0' && *s <= '9'   ? *s - '0'
			        : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
			        : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
			                                 : 99;
			if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
				return text; /* not a number, or past 64 bits: as written */
			v = v * (uint64_t)base + (uint64_t)d;
		}
		if (v == 0)
			neg = 0;
		snprintf(buf, sizeof buf, "%s%llu", neg ? "-" : "", (unsigned long long)v);
		return pn_strdup(n, buf);
	}
	/* a float: Java's createNumber() makes a Float when one holds it */
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789.eE+-", *p))
			return text;
	char *end = NULL;
	float f = strtof(text, &end);
	if (!end || *end)
		return text;
	double d = isinf(f) ? strtod(text, NULL) : (double)f;
	if (isinf(d) || isnan(d))
		return text;
	int len = snprintf(buf, sizeof buf, "%.3f", d);
	if (len <= 0 || (size_t)len >= sizeof buf)
		return text;
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	return pn_strdup(n, buf);
}

static struct pbfile_value *pn_value(struct pn *n, const struct pbfile_value *v);

static int pn_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pbfile_entry *)a)->key, ((const struct pbfile_entry *)b)->key);
}

/* An extension's key "[name]" with the name resolved among the extension
 * fields ("[pkg.name]"); any other key as it is. */
static const char *pn_entry_key(struct pn *n, const char *key)
{
	size_t len = strlen(key);
	if (len < 2 || key[0] != '[' || key[len - 1] != ']')
		return key;
	char *name = pn_alloc(n, len - 1);
	memcpy(name, key + 1, len - 2);
	name[len - 2] = '\0';
	const struct pbnames_type *t =
	    pbnames_resolve_extension(n->names, n->scope, n->scope_len, name);
	if (!t)
		return key;
	size_t lt = strlen(t->name);
	char *s = pn_alloc(n, lt + 3);
	s[0] = '[';
	memcpy(s + 1, t->name, lt);
	memcpy(s + 1 + lt, "]", 2);
	return s;
}

/* formatOptionMap() under normalize: empty lists dropped, keys sorted. */
static struct pbfile_entry *pn_entries(struct pn *n, const struct pbfile_entry *e)
{
	struct pbfile_entry *head = NULL, **tail = &head;
	for (; e; e = e->next) {
		if (e->value->type == PBFILE_V_LIST && !e->value->items)
			continue;
		struct pbfile_entry *c = PN_NEW(n, struct pbfile_entry);
		c->key = pn_entry_key(n, e->key);
		c->value = pn_value(n, e->value);
		*tail = c;
		tail = &c->next;
	}
	PN_SORT(n, struct pbfile_entry, head, pn_entry_cmp);
	return head;
}

static struct pbfile_option *pn_option(struct pn *n, const struct pbfile_option *o);

/* formatOptionMapOrListValue() under normalize: a list of one item is that
 * item; numbers are formatted. */
static struct pbfile_value *pn_value(struct pn *n, const struct pbfile_value *v)
{
	if (v->type == PBFILE_V_LIST && v->items && !v->items->next)
		return pn_value(n, v->items);
	struct pbfile_value *c = PN_NEW(n, struct pbfile_value);
	*c = *v;
	c->next = NULL;
	c->items = c->items_tail = NULL;
	c->entries = NULL;
	switch (v->type) {
	case PBFILE_V_PRIM:
		if (v->prim == PBFILE_NUMBER)
			c->text = pn_number(n, v->text);
		break;
	case PBFILE_V_MAP:
		c->entries = pn_entries(n, v->entries);
		break;
	case PBFILE_V_LIST: {
		struct pbfile_value **tail = &c->items;
		for (const struct pbfile_value *it = v->items; it; it = it->next) {
			/* a fresh copy; a one-item list comes back as its item */
			struct pbfile_value *x = pn_value(n, it);
			*tail = x;
			tail = &x->next;
		}
		break;
	}
	case PBFILE_V_OPTION:
		c->option = pn_option(n, v->option);
		break;
	case PBFILE_V_TEXT:
		break;
	}
	return c;
}

static struct pbfile_option *pn_option(struct pn *n, const struct pbfile_option *o)
{
	struct pbfile_option *c = PN_NEW(n, struct pbfile_option);
	*c = *o;
	c->next = NULL;
	if (o->kind == PBFILE_NUMBER) {
		c->value = PN_NEW(n, struct pbfile_value);
		*c->value = *o->value;
		c->value->text = pn_number(n, o->value->text);
	} else if (o->kind == PBFILE_MAP || o->kind == PBFILE_OPTION) {
		c->value = pn_value(n, o->value);
	} else if (o->kind == PBFILE_LIST) {
		/* the top-level list keeps its brackets (appendOptions) */
		c->value = PN_NEW(n, struct pbfile_value);
		*c->value = *o->value;
		c->value->items = NULL;
		struct pbfile_value **tail = &c->value->items;
		for (const struct pbfile_value *it = o->value->items; it; it = it->next) {
			struct pbfile_value *x = pn_value(n, it);
			x->next = NULL;
			*tail = x;
			tail = &x->next;
		}
	}
	return c;
}

static int pn_option_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pbfile_option *)a)->name,
	              ((const struct pbfile_option *)b)->name);
}

/* transformOptionMap(): the value of an OPTION-kind option ((a).b.c = v) as
 * a map {b: {c: v}}, a bare value as a primitive of its kind. */
static struct pbfile_value *pn_option_map(struct pn *n, const struct pbfile_option *o)
{
	const struct pbfile_option *inner = o->value->option;
	struct pbfile_value *map = PN_NEW(n, struct pbfile_value);
	map->type = PBFILE_V_MAP;
	map->entries = PN_NEW(n, struct pbfile_entry);
	map->entries->key = inner->name;
	struct pbfile_value *v;
	switch (inner->kind) {
	case PBFILE_BOOLEAN:
	case PBFILE_ENUM:
	case PBFILE_NUMBER:
		v = PN_NEW(n, struct pbfile_value);
		v->type = PBFILE_V_PRIM;
		v->prim = inner->kind;
		v->text = inner->value->text;
		break;
	case PBFILE_OPTION:
		v = pn_option_map(n, inner);
		break;
	default: /* STRING (a text), MAP, LIST: the value as it is */
		v = inner->value;
		break;
	}
	map->entries->value = v;
	return map;
}

/* Structural equality of two option values (Java's equals() on Wire's
 * values), for merging repeated map keys into a set. */
static int pn_same(const struct pbfile_value *a, const struct pbfile_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case PBFILE_V_TEXT:
		return strcmp(a->text, b->text) == 0;
	case PBFILE_V_PRIM:
		return a->prim == b->prim && strcmp(a->text, b->text) == 0;
	case PBFILE_V_MAP: {
		const struct pbfile_entry *x = a->entries, *y = b->entries;
		for (; x && y; x = x->next, y = y->next)
			if (strcmp(x->key, y->key) != 0 || !pn_same(x->value, y->value))
				return 0;
		return !x && !y;
	}
	case PBFILE_V_LIST: {
		const struct pbfile_value *x = a->items, *y = b->items;
		for (; x && y; x = x->next, y = y->next)
			if (!pn_same(x, y))
				return 0;
		return !x && !y;
	}
	case PBFILE_V_OPTION:
		return 0;
	}
	return 0;
}

/* Appends copies of `v`'s items (or `v`) to list `l`, each once. */
static void pn_list_add_set(struct pn *n, struct pbfile_value *l, const struct pbfile_value *v)
{
	const struct pbfile_value *one = v->type == PBFILE_V_LIST ? v->items : v;
	for (; one; one = v->type == PBFILE_V_LIST ? one->next : NULL) {
		int seen = 0;
		struct pbfile_value **tail = &l->items;
		for (; *tail; tail = &(*tail)->next)
			seen |= pn_same(*tail, one);
		if (!seen) {
			struct pbfile_value *c = PN_NEW(n, struct pbfile_value);
			*c = *one;
			c->next = NULL;
			*tail = c;
		}
	}
}

/* ProtobufSchema.merge(): two MAP options of one name become one map, a
 * key of both holding the set of their values as a list; otherwise the
 * later option wins. */
static struct pbfile_option *pn_merge(struct pn *n, struct pbfile_option *a,
                                      struct pbfile_option *b)
{
	if (a->kind != PBFILE_MAP || b->kind != PBFILE_MAP)
		return b;
	struct pbfile_value *map = PN_NEW(n, struct pbfile_value);
	map->type = PBFILE_V_MAP;
	struct pbfile_entry **tail = &map->entries;
	for (const struct pbfile_entry *e = a->value->entries; e; e = e->next) {
		struct pbfile_entry *c = PN_NEW(n, struct pbfile_entry);
		*c = *e;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
	}
	for (const struct pbfile_entry *e = b->value->entries; e; e = e->next) {
		struct pbfile_entry *c = map->entries;
		while (c && strcmp(c->key, e->key) != 0)
			c = c->next;
		if (!c) {
			c = PN_NEW(n, struct pbfile_entry);
			*c = *e;
			c->next = NULL;
			*tail = c;
			tail = &c->next;
			continue;
		}
		struct pbfile_value *l = PN_NEW(n, struct pbfile_value);
		l->type = PBFILE_V_LIST;
		pn_list_add_set(n, l, c->value);
		pn_list_add_set(n, l, e->value);
		c->value = l;
	}
	struct pbfile_option *m = PN_NEW(n, struct pbfile_option);
	*m = *b;
	m->next = NULL;
	m->value = map;
	return m;
}

/* filterOptions() under normalize: a parenthesized name that resolves
 * among the extension fields takes its full name (an OPTION-kind value
 * becoming a map); then sorted by name (stably), and the options of one
 * name merged when they name a known extension that is not repeated. The
 * values are normalized (pn_option) last, as Confluent prints them. */
static struct pbfile_option *pn_options(struct pn *n, const struct pbfile_option *o,
                                        struct pbfile_option *extra)
{
	struct pbfile_option *head = NULL, **tail = &head;
	for (; o; o = o->next) {
		struct pbfile_option *c = PN_NEW(n, struct pbfile_option);
		*c = *o;
		c->next = NULL;
		const struct pbnames_type *t =
		    o->parenthesized
		        ? pbnames_resolve_extension(n->names, n->scope, n->scope_len, o->name)
		        : NULL;
		if (t) {
			c->name = t->name;
			if (o->kind == PBFILE_OPTION) {
				c->kind = PBFILE_MAP;
				c->value = pn_option_map(n, o);
			}
		}
		*tail = c;
		tail = &c->next;
	}
	*tail = extra;
	PN_SORT(n, struct pbfile_option, head, pn_option_cmp);
	/* merge runs of one name that is a known extension, not repeated */
	for (struct pbfile_option **p = &head; *p;) {
		struct pbfile_option *first = *p;
		const struct pbnames_type *t = pbnames_find_extension(n->names, first->name);
		if (t && !t->repeated) {
			struct pbfile_option *merged = first, *q = first->next;
			while (q && strcmp(q->name, first->name) == 0) {
				struct pbfile_option *next = q->next;
				merged = pn_merge(n, merged, q);
				q = next;
			}
			merged->next = q;
			*p = merged;
		}
		p = &(*p)->next;
	}
	/* the values as printed under normalize */
	struct pbfile_option *out = NULL, **otail = &out;
	for (struct pbfile_option *x = head; x; x = x->next) {
		*otail = pn_option(n, x);
		otail = &(*otail)->next;
	}
	return out;
}

/* ---- fields ---- */

static int pn_field_cmp(const void *a, const void *b)
{
	int32_t x = ((const struct pbfile_field *)a)->tag,
	        y = ((const struct pbfile_field *)b)->tag;
	return (x > y) - (x < y);
}

/* The value type of "map<K, V>" resolved (scalars stay), the key as is. */
static const char *pn_map_type(struct pn *n, const char *key, size_t lk, const char *value,
                               size_t lv)
{
	char *v = pn_alloc(n, lv + 1);
	memcpy(v, value, lv);
	v[lv] = '\0';
	const char *rv = pn_resolve(n, v, NULL);
	if (!rv)
		rv = v;
	size_t lr = strlen(rv);
	char *s = pn_alloc(n, 4 + lk + 2 + lr + 2);
	memcpy(s, "map<", 4);
	memcpy(s + 4, key, lk);
	memcpy(s + 4 + lk, ", ", 2);
	memcpy(s + 4 + lk + 2, rv, lr);
	memcpy(s + 4 + lk + 2 + lr, ">", 2);
	return s;
}

/* toString(FieldElement) under normalize: the type resolved (a map entry
 * message becomes map<K, V>), no label on a map, and `default` and
 * `json_name` sorted in among the options. */
static struct pbfile_field *pn_field(struct pn *n, const struct pbfile_field *f)
{
	struct pbfile_field *c = PN_NEW(n, struct pbfile_field);
	*c = *f;
	c->next = NULL;
	const char *type = f->type;
	if (strncmp(type, "map<", 4) != 0 && !pbfile_is_scalar(type)) {
		const struct pbnames_type *t = NULL;
		const char *r = pn_resolve(n, type, &t);
		if (r)
			type = r;
		if (t && t->kind == PBNAMES_MAP_ENTRY && t->map_key && t->map_value)
			type = pn_map_type(n, t->map_key, strlen(t->map_key), t->map_value,
			                   strlen(t->map_value));
	} else if (strncmp(type, "map<", 4) == 0) {
		const char *comma = strchr(type, ',');
		const char *close = strrchr(type, '>');
		if (comma && close && close > comma) {
			const char *k = type + 4, *v = comma + 1;
			while (*k == ' ')
				k++;
			size_t lk = (size_t)(comma - k);
			while (lk && k[lk - 1] == ' ')
				lk--;
			while (*v == ' ')
				v++;
			size_t lv = (size_t)(close - v);
			while (lv && v[lv - 1] == ' ')
				lv--;
			type = pn_map_type(n, k, lk, v, lv);
		}
	}
	c->type = type;
	if (strncmp(type, "map<", 4) == 0)
		c->label = PBFILE_LABEL_NONE;
	/* default and json_name join the options, as Confluent's
	 * optionsWithSpecialValues, before the sort */
	struct pbfile_option *extra = NULL, **tail = &extra;
	if (f->default_value) {
		struct pbfile_option *o = PN_NEW(n, struct pbfile_option);
		o->name = "default";
		const char *simple = strrchr(type, '.');
		simple = simple ? simple + 1 : type;
		o->kind = strcmp(simple, "bool") == 0     ? PBFILE_BOOLEAN
		          : strcmp(simple, "string") == 0 ? PBFILE_STRING
		          : pbfile_is_scalar(simple)      ? PBFILE_NUMBER
		                                          : PBFILE_ENUM;
		o->value = PN_NEW(n, struct pbfile_value);
		o->value->type = PBFILE_V_TEXT;
		o->value->text =
		    o->kind == PBFILE_NUMBER ? pn_number(n, f->default_value) : f->default_value;
		*tail = o;
		tail = &o->next;
	}
	if (f->json_name) {
		struct pbfile_option *o = PN_NEW(n, struct pbfile_option);
		o->name = "json_name";
		o->kind = PBFILE_STRING;
		o->value = PN_NEW(n, struct pbfile_value);
		o->value->type = PBFILE_V_TEXT;
		o->value->text = f->json_name;
		*tail = o;
	}
	c->default_value = c->json_name = NULL;
	c->options = pn_options(n, f->options, extra);
	return c;
}

static struct pbfile_field *pn_fields(struct pn *n, const struct pbfile_field *f)
{
	struct pbfile_field *head = NULL, **tail = &head;
	for (; f; f = f->next) {
		*tail = pn_field(n, f);
		tail = &(*tail)->next;
	}
	PN_SORT(n, struct pbfile_field, head, pn_field_cmp);
	return head;
}

static int pn_group_cmp(const void *a, const void *b)
{
	int32_t x = ((const struct pbfile_group *)a)->tag,
	        y = ((const struct pbfile_group *)b)->tag;
	return (x > y) - (x < y);
}

static struct pbfile_group *pn_groups(struct pn *n, const struct pbfile_group *g)
{
	struct pbfile_group *head = NULL, **tail = &head;
	for (; g; g = g->next) {
		struct pbfile_group *c = PN_NEW(n, struct pbfile_group);
		*c = *g;
		c->next = NULL;
		c->fields = pn_fields(n, g->fields);
		*tail = c;
		tail = &c->next;
	}
	PN_SORT(n, struct pbfile_group, head, pn_group_cmp);
	return head;
}

static int pn_oneof_cmp(const void *a, const void *b)
{
	int32_t x = ((const struct pbfile_oneof *)a)->fields->tag;
	int32_t y = ((const struct pbfile_oneof *)b)->fields->tag;
	return (x > y) - (x < y);
}

/* Oneofs without fields dropped, their fields sorted, then the oneofs by
 * their first field's tag. */
static struct pbfile_oneof *pn_oneofs(struct pn *n, const struct pbfile_oneof *o)
{
	struct pbfile_oneof *head = NULL, **tail = &head;
	for (; o; o = o->next) {
		if (!o->fields)
			continue;
		struct pbfile_oneof *c = PN_NEW(n, struct pbfile_oneof);
		*c = *o;
		c->next = NULL;
		c->fields = pn_fields(n, o->fields);
		c->groups = pn_groups(n, o->groups);
		c->options = pn_options(n, o->options, NULL);
		*tail = c;
		tail = &c->next;
	}
	PN_SORT(n, struct pbfile_oneof, head, pn_oneof_cmp);
	return head;
}

/* ---- reserved values and extension ranges ---- */

static int32_t pn_range_start(const struct pbfile_reserved *r)
{
	return r->values->kind == PBFILE_R_NAME ? INT32_MAX : r->values->start;
}

/* The Java toString() of a reserved value, the second sort key: "5",
 * "5..7" (Kotlin's IntRange) or the name. */
static void pn_range_text(const struct pbfile_reserved *r, char *buf, size_t cap)
{
	const struct pbfile_range *v = r->values;
	if (v->kind == PBFILE_R_NAME)
		snprintf(buf, cap, "%s", v->name);
	else if (v->kind == PBFILE_R_TAG)
		snprintf(buf, cap, "%d", (int)v->start);
	else
		snprintf(buf, cap, "%d..%d", (int)v->start, (int)v->end);
}

static int pn_reserved_cmp(const void *a, const void *b)
{
	const struct pbfile_reserved *x = a, *y = b;
	int32_t sx = pn_range_start(x), sy = pn_range_start(y);
	if (sx != sy)
		return (sx > sy) - (sx < sy);
	char tx[512], ty[512];
	pn_range_text(x, tx, sizeof tx);
	pn_range_text(y, ty, sizeof ty);
	return strcmp(tx, ty);
}

static int pn_extensions_cmp(const void *a, const void *b)
{
	int32_t sx = pn_range_start(a), sy = pn_range_start(b);
	return (sx > sy) - (sx < sy);
}

/* Each value its own statement (a range of one number printed as that
 * number), sorted by start; reserved ones then by their text. */
static struct pbfile_reserved *pn_reserveds(struct pn *n, const struct pbfile_reserved *r,
                                            int extensions)
{
	struct pbfile_reserved *head = NULL, **tail = &head;
	for (; r; r = r->next)
		for (const struct pbfile_range *v = r->values; v; v = v->next) {
			struct pbfile_reserved *c = PN_NEW(n, struct pbfile_reserved);
			c->values = PN_NEW(n, struct pbfile_range);
			*c->values = *v;
			c->values->next = NULL;
			if (v->kind == PBFILE_R_RANGE && v->start == v->end)
				c->values->kind = PBFILE_R_TAG;
			c->options = pn_options(n, r->options, NULL);
			*tail = c;
			tail = &c->next;
		}
	if (extensions)
		PN_SORT(n, struct pbfile_reserved, head, pn_extensions_cmp);
	else
		PN_SORT(n, struct pbfile_reserved, head, pn_reserved_cmp);
	return head;
}

/* ---- extend blocks ---- */

/* Names resolved, fields of the blocks of one resolved name gathered in the
 * order the names first appear, then sorted by tag. */
static struct pbfile_extend *pn_extends(struct pn *n, const struct pbfile_extend *e)
{
	struct pbfile_extend *head = NULL, **tail = &head;
	for (; e; e = e->next) {
		const char *name = pn_resolve(n, e->name, NULL);
		if (!name)
			name = e->name;
		struct pbfile_extend *c = head;
		while (c && strcmp(c->name, name) != 0)
			c = c->next;
		if (!c) {
			c = PN_NEW(n, struct pbfile_extend);
			c->name = name;
			*tail = c;
			tail = &c->next;
		}
		struct pbfile_field **ft = &c->fields;
		while (*ft)
			ft = &(*ft)->next;
		for (const struct pbfile_field *f = e->fields; f; f = f->next) {
			*ft = pn_field(n, f);
			ft = &(*ft)->next;
		}
	}
	for (struct pbfile_extend *c = head; c; c = c->next)
		PN_SORT(n, struct pbfile_field, c->fields, pn_field_cmp);
	return head;
}

/* ---- types ---- */

static int pn_constant_cmp(const void *a, const void *b)
{
	const struct pbfile_constant *x = a, *y = b;
	if (x->tag != y->tag)
		return (x->tag > y->tag) - (x->tag < y->tag);
	return strcmp(x->name, y->name);
}

static struct pbfile_type *pn_types(struct pn *n, const struct pbfile_type *t);

static struct pbfile_type *pn_type(struct pn *n, const struct pbfile_type *t)
{
	struct pbfile_type *c = PN_NEW(n, struct pbfile_type);
	*c = *t;
	c->next = NULL;
	size_t saved = pn_enter(n, t->name);
	c->options = pn_options(n, t->options, NULL);
	c->reserveds = pn_reserveds(n, t->reserveds, 0);
	if (t->is_enum) {
		struct pbfile_constant *head = NULL, **tail = &head;
		for (const struct pbfile_constant *k = t->constants; k; k = k->next) {
			struct pbfile_constant *x = PN_NEW(n, struct pbfile_constant);
			*x = *k;
			x->next = NULL;
			x->options = pn_options(n, k->options, NULL);
			*tail = x;
			tail = &x->next;
		}
		PN_SORT(n, struct pbfile_constant, head, pn_constant_cmp);
		c->constants = head;
	} else {
		c->fields = pn_fields(n, t->fields);
		c->oneofs = pn_oneofs(n, t->oneofs);
		c->groups = pn_groups(n, t->groups);
		c->extensions = pn_reserveds(n, t->extensions, 1);
		c->extends = pn_extends(n, t->extends);
		c->nested = pn_types(n, t->nested);
	}
	pn_leave(n, saved);
	return c;
}

/* filterTypes() under normalize: a map entry message is not printed (its
 * fields print as map<K, V>); the others keep their order. */
static struct pbfile_type *pn_types(struct pn *n, const struct pbfile_type *t)
{
	struct pbfile_type *head = NULL, **tail = &head;
	for (; t; t = t->next) {
		if (!t->is_enum) {
			size_t saved = pn_enter(n, t->name);
			const struct pbnames_type *known = pbnames_find(n->names, n->scope);
			pn_leave(n, saved);
			if (known && known->kind == PBNAMES_MAP_ENTRY)
				continue;
		}
		*tail = pn_type(n, t);
		tail = &(*tail)->next;
	}
	return head;
}

/* ---- the file ---- */

static int pn_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pbfile_name *)a)->name, ((const struct pbfile_name *)b)->name);
}

/* Sorted, each once. */
static struct pbfile_name *pn_imports(struct pn *n, const struct pbfile_name *i)
{
	struct pbfile_name *head = NULL, **tail = &head;
	for (; i; i = i->next) {
		struct pbfile_name *c = PN_NEW(n, struct pbfile_name);
		c->name = i->name;
		*tail = c;
		tail = &c->next;
	}
	PN_SORT(n, struct pbfile_name, head, pn_name_cmp);
	for (struct pbfile_name *c = head; c && c->next;)
		if (strcmp(c->name, c->next->name) == 0)
			c->next = c->next->next;
		else
			c = c->next;
	return head;
}

static void pn_file(struct pn *n, const struct pbfile *f)
{
	struct pbfile *o = n->out;
	/* the syntax line is printed for proto3 only */
	o->syntax = f->syntax == PBFILE_SYNTAX_PROTO3 ? PBFILE_SYNTAX_PROTO3 : PBFILE_SYNTAX_NONE;
	o->package = f->package;
	if (f->package)
		pn_enter(n, f->package);
	o->imports = pn_imports(n, f->imports);
	o->public_imports = pn_imports(n, f->public_imports);
	o->options = pn_options(n, f->options, NULL);
	o->types = pn_types(n, f->types);
	o->extends = pn_extends(n, f->extends);
	struct pbfile_service **stail = &o->services;
	for (const struct pbfile_service *s = f->services; s; s = s->next) {
		struct pbfile_service *c = PN_NEW(n, struct pbfile_service);
		*c = *s;
		c->next = NULL;
		c->options = pn_options(n, s->options, NULL);
		struct pbfile_rpc **rtail = &c->rpcs;
		for (const struct pbfile_rpc *r = s->rpcs; r; r = r->next) {
			struct pbfile_rpc *x = PN_NEW(n, struct pbfile_rpc);
			*x = *r;
			x->next = NULL;
			const char *req = pn_resolve(n, r->request, NULL);
			const char *resp = pn_resolve(n, r->response, NULL);
			x->request = req ? req : r->request;
			x->response = resp ? resp : r->response;
			x->options = pn_options(n, r->options, NULL);
			*rtail = x;
			rtail = &x->next;
		}
		*stail = c;
		stail = &c->next;
	}
}

char *pbnorm_normalized(const struct pbfile *f, const struct pbnames *names, struct sg_error *err)
{
	struct pbfile *out = pbfile_new(err);
	if (!out)
		return NULL;
	/* volatile: read after a longjmp() */
	struct pn *volatile n = calloc(1, sizeof *n);
	if (!n) {
		pbfile_free(out);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	n->out = out;
	n->names = names;
	n->err = err;
	char *s = NULL;
	if (setjmp(n->fail) == 0) {
		pn_file(n, f);
		s = pbform_canonical(out, err);
	}
	free(n->scope);
	free(n);
	pbfile_free(out);
	return s;
}
