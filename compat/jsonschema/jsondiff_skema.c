/* compat/jsonschema/jsondiff_skema.c: the model of a draft 2019-09 or 2020-12
 * schema object, as json-sKema loads it and Confluent's SchemaTranslator
 * turns it into everit's classes (see jsondiff_model.h for why).
 *
 * Every keyword yields a node of its own, and the nodes are joined in
 * document order (SchemaTranslator.SchemaContext.join): same-type nodes
 * merge, a "type" array absorbs matching nodes, anything else becomes a
 * generated allOf. "properties", "patternProperties" and the unevaluated*
 * keywords are joined last, as json-sKema reads them last.
 */
#include <stddef.h>
#include <string.h>

#include "compat/jsonschema/jsondiff_load.h"

enum parent_kind { P_COMPOSITE, P_ALLOF, P_ANYOF, P_ONEOF };

static int mergeable(enum jdm_kind k)
{
	return k == JDM_ARRAY || k == JDM_NUMBER || k == JDM_OBJECT || k == JDM_STRING;
}

static int same_type(const struct jdm_node *a, const struct jdm_node *b)
{
	return a->kind == b->kind;
}

static int is_gen(const struct jdm_node *n, enum jdm_criterion c)
{
	return n->kind == JDM_COMBINED && n->generated && n->criterion == c;
}

static void *append(struct jdm_space *s, const void *a, size_t na, const void *b, size_t nb,
                    size_t size)
{
	char *p = jdm_alloc(s, (na + nb ? na + nb : 1) * size);
	if (!p)
		return NULL;
	if (na)
		memcpy(p, a, na * size);
	if (nb)
		memcpy(p + na * size, b, nb * size);
	return p;
}

/* A LinkedHashMap putAll: a's entries, then b's, a name of b replacing the
 * same name of a in place. Either side empty (the usual case) is a copy. */
static struct jdm_prop *merge_props(struct jdm_space *s, const struct jdm_prop *a, size_t na,
                                    const struct jdm_prop *b, size_t nb, size_t *n)
{
	struct jdm_prop *p = append(s, a, na, NULL, 0, sizeof *p);
	if (!p || nb == 0) {
		*n = na;
		return p ? p : NULL;
	}
	if (na == 0) {
		*n = nb;
		return append(s, b, nb, NULL, 0, sizeof *p);
	}
	if (!(p = jdm_alloc(s, (na + nb) * sizeof *p)))
		return NULL;
	memcpy(p, a, na * sizeof *p);
	size_t k = na;
	for (size_t i = 0; i < nb; i++) {
		size_t j = 0;
		while (j < k && strcmp(p[j].name, b[i].name))
			j++;
		p[j] = b[i];
		if (j == k)
			k++;
	}
	*n = k;
	return p;
}

/* SchemaUtils.merge(toBuilder(a), b): a's keywords, overlaid with b's. */
static struct jdm_node *merge(struct jdm_space *s, const struct jdm_node *a,
                              const struct jdm_node *b)
{
	struct jdm_node *n = jdm_node_new(s, a->kind);
	if (!n)
		return NULL;
	*n = *a;
#define OVER(f)                                                                                    \
	if (b->f.has)                                                                              \
	n->f = b->f
#define OVERP(f)                                                                                   \
	if (b->f)                                                                                  \
	n->f = b->f
	OVERP(id);
	OVERP(title);
	OVERP(description);
	if (b->has_default) {
		n->has_default = 1;
		n->def = b->def;
	}
	OVERP(connect_type);
	OVERP(uneval);
	OVER(min_contains);
	OVER(max_contains);
	switch (a->kind) {
	case JDM_STRING:
		OVER(min_length);
		OVER(max_length);
		OVERP(pattern);
		break;
	case JDM_NUMBER:
		OVER(minimum);
		OVER(maximum);
		OVER(excl_minimum);
		OVER(excl_maximum);
		OVER(multiple_of);
		n->integer |= b->integer;
		break;
	case JDM_OBJECT: {
		n->props = merge_props(s, a->props, a->nprops, b->props, b->nprops, &n->nprops);
		n->sdeps = merge_props(s, a->sdeps, a->nsdeps, b->sdeps, b->nsdeps, &n->nsdeps);
		n->required = append(s, a->required, a->nrequired, b->required, b->nrequired,
		                     sizeof *n->required);
		n->pprops =
		    append(s, a->pprops, a->npprops, b->pprops, b->npprops, sizeof *n->pprops);
		n->pdeps = jdm_alloc(s, (a->npdeps + b->npdeps + 1) * sizeof *n->pdeps);
		if (!n->props || !n->sdeps || !n->required || !n->pprops || !n->pdeps)
			return NULL;
		n->nrequired = a->nrequired + b->nrequired;
		n->npprops = a->npprops + b->npprops;
		if (a->npdeps)
			memcpy(n->pdeps, a->pdeps, a->npdeps * sizeof *n->pdeps);
		n->npdeps = a->npdeps;
		if (a->npdeps == 0 && b->npdeps) {
			memcpy(n->pdeps, b->pdeps, b->npdeps * sizeof *n->pdeps);
			n->npdeps = b->npdeps;
		}
		for (size_t i = 0; a->npdeps && i < b->npdeps; i++) {
			size_t j = 0;
			while (j < n->npdeps && strcmp(n->pdeps[j].name, b->pdeps[i].name))
				j++;
			if (j == n->npdeps) {
				n->pdeps[n->npdeps++] = b->pdeps[i];
			} else {
				struct jdm_pdep *d = &n->pdeps[j];
				const char **names =
				    append(s, d->names, d->nnames, b->pdeps[i].names,
				           b->pdeps[i].nnames, sizeof *names);
				if (!names)
					return NULL;
				d->names = names;
				d->nnames += b->pdeps[i].nnames;
			}
		}
		n->no_additional |= b->no_additional;
		OVERP(additional);
		OVER(min_props);
		OVER(max_props);
		break;
	}
	case JDM_ARRAY:
		OVER(min_items);
		OVER(max_items);
		n->unique |= b->unique;
		OVERP(all_items);
		if (b->nitems) {
			n->items =
			    append(s, a->items, a->nitems, b->items, b->nitems, sizeof *n->items);
			if (!n->items)
				return NULL;
			n->nitems = a->nitems + b->nitems;
		}
		n->no_additional_items |= b->no_additional_items;
		OVERP(additional_items);
		OVERP(contains);
		break;
	default:
		break;
	}
#undef OVER
#undef OVERP
	return n;
}

/* A growable list of nodes in the space. */
struct nlist {
	struct jdm_node **v;
	size_t n, cap;
};

static int nl_push(struct jdm_space *s, struct nlist *l, struct jdm_node *x)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct jdm_node **v = jdm_alloc(s, cap * sizeof *v);
		if (!v)
			return -1;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = x;
	return 0;
}

/* Merges `x` into the first node of the same mergeable type, else appends it. */
static int accumulate(struct jdm_space *s, struct nlist *l, struct jdm_node *x)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i]->kind == x->kind && mergeable(x->kind)) {
			struct jdm_node *m = merge(s, l->v[i], x);
			if (!m)
				return -1;
			l->v[i] = m;
			return 0;
		}
	}
	return nl_push(s, l, x);
}

static int flatten_into(struct jdm_space *s, struct nlist *l, struct jdm_node *x, int acc)
{
	if (is_gen(x, JDM_ALL)) {
		for (size_t i = 0; i < x->nsubs; i++)
			if ((acc ? accumulate(s, l, x->subs[i]) : nl_push(s, l, x->subs[i])) < 0)
				return -1;
		return 0;
	}
	return acc ? accumulate(s, l, x) : nl_push(s, l, x);
}

static struct jdm_node *from_list(struct jdm_space *s, enum jdm_criterion c, int generated,
                                  const struct nlist *l)
{
	struct jdm_node *n = jdm_combined_new(s, c, l->n);
	if (!n)
		return NULL;
	if (l->n)
		memcpy(n->subs, l->v, l->n * sizeof *l->v);
	n->nsubs = l->n;
	n->generated = generated;
	return n;
}

static int contains_type(const struct jdm_node *comb, const struct jdm_node *x)
{
	for (size_t i = 0; i < comb->nsubs; i++)
		if (comb->subs[i]->kind == x->kind ||
		    (comb->subs[i]->kind == JDM_COMBINED && x->kind == JDM_COMBINED))
			return 1;
	return 0;
}

/* SchemaTranslator.SchemaContext.join(parent, a, b). */
static struct jdm_node *join(struct jdm_space *s, enum parent_kind parent, struct jdm_node *a,
                             struct jdm_node *b)
{
	struct nlist l = {0};
	if (same_type(a, b) && mergeable(a->kind))
		return merge(s, a, b);
	if (is_gen(a, JDM_ANY) && contains_type(a, b)) {
		for (size_t i = 0; i < a->nsubs; i++)
			if (nl_push(s, &l, a->subs[i]) < 0)
				return NULL;
		if (accumulate(s, &l, b) < 0)
			return NULL;
		return from_list(s, JDM_ANY, 1, &l);
	}
	if (is_gen(b, JDM_ANY) && contains_type(b, a)) {
		for (size_t i = 0; i < b->nsubs; i++)
			if (nl_push(s, &l, b->subs[i]) < 0)
				return NULL;
		if (accumulate(s, &l, a) < 0)
			return NULL;
		return from_list(s, JDM_ANY, 1, &l);
	}
	if (parent != P_COMPOSITE && a->kind == JDM_COMBINED) {
		for (size_t i = 0; i < a->nsubs; i++)
			if (nl_push(s, &l, a->subs[i]) < 0)
				return NULL;
		if (flatten_into(s, &l, b, 0) < 0)
			return NULL;
		enum jdm_criterion c = parent == P_ALLOF   ? JDM_ALL
		                       : parent == P_ANYOF ? JDM_ANY
		                                           : JDM_ONE;
		return from_list(s, c, 0, &l);
	}
	if (flatten_into(s, &l, a, 1) < 0 || flatten_into(s, &l, b, 1) < 0)
		return NULL;
	return from_list(s, JDM_ALL, 1, &l);
}

static struct jdm_node *bare_type(struct jdm_loader *l, const char *t)
{
	struct jdm_space *s = l->space;
	enum jdm_kind k;
	if (!strcmp(t, "string"))
		k = JDM_STRING;
	else if (!strcmp(t, "integer") || !strcmp(t, "number"))
		k = JDM_NUMBER;
	else if (!strcmp(t, "boolean"))
		k = JDM_BOOLEAN;
	else if (!strcmp(t, "null"))
		k = JDM_NULL;
	else if (!strcmp(t, "array"))
		k = JDM_ARRAY;
	else if (!strcmp(t, "object"))
		k = JDM_OBJECT;
	else {
		jdm_fail(s, SG_EINVALID_SCHEMA, "unknown type '%.60s'", t);
		return NULL;
	}
	struct jdm_node *n = jdm_node_new(s, k);
	if (n)
		n->integer = !strcmp(t, "integer");
	return n;
}

/* Where a keyword is read: its schema object and the object's place. */
struct at {
	struct jdm_loader *l;
	const json_t *o;
	int doc;
	const char *base;
	int depth;
};

/* A keyword's node; *none is set when the keyword is not one of the group's. */
typedef struct jdm_node *keyword_fn(const struct at *a, const char *k, const json_t *v, int *none);

static struct jdm_node *load(const struct at *a, const json_t *v)
{
	return jdm_load_any(a->l, v, a->doc, a->base, a->depth + 1);
}

static struct jdm_node *node(const struct at *a, enum jdm_kind kind)
{
	return jdm_node_new(a->l->space, kind);
}

/* The keywords that hold one number: each makes a node of its own. */
static const struct {
	const char *kw;
	enum jdm_kind kind;
	size_t field; /* offset of its struct jdm_num in the node */
	int integer;  /* must be an integer */
} limits[] = {
    {"minLength", JDM_STRING, offsetof(struct jdm_node, min_length), 1},
    {"maxLength", JDM_STRING, offsetof(struct jdm_node, max_length), 1},
    {"minItems", JDM_ARRAY, offsetof(struct jdm_node, min_items), 1},
    {"maxItems", JDM_ARRAY, offsetof(struct jdm_node, max_items), 1},
    {"minProperties", JDM_OBJECT, offsetof(struct jdm_node, min_props), 1},
    {"maxProperties", JDM_OBJECT, offsetof(struct jdm_node, max_props), 1},
    {"minimum", JDM_NUMBER, offsetof(struct jdm_node, minimum), 0},
    {"maximum", JDM_NUMBER, offsetof(struct jdm_node, maximum), 0},
    {"exclusiveMinimum", JDM_NUMBER, offsetof(struct jdm_node, excl_minimum), 0},
    {"exclusiveMaximum", JDM_NUMBER, offsetof(struct jdm_node, excl_maximum), 0},
    {"multipleOf", JDM_NUMBER, offsetof(struct jdm_node, multiple_of), 0},
};

static struct jdm_node *limit_keyword(const struct at *a, const char *k, const json_t *v, int *none)
{
	(void)v;
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		if (strcmp(limits[i].kw, k))
			continue;
		struct jdm_node *n = node(a, limits[i].kind);
		if (!n)
			return NULL;
		struct jdm_num *f = (struct jdm_num *)(void *)((char *)n + limits[i].field);
		int rc = limits[i].integer ? jdm_read_int(a->l, a->o, k, f)
		                           : jdm_read_num(a->l, a->o, k, f);
		return rc < 0 ? NULL : n;
	}
	*none = 1;
	return NULL;
}

/* "type": one bare type, or a generated anyOf of them. */
static struct jdm_node *type_keyword(const struct at *a, const json_t *v)
{
	if (json_is_string(v))
		return bare_type(a->l, json_string_value(v));
	if (!json_is_array(v)) {
		jdm_bad(a->l, "type", "a string or an array of strings");
		return NULL;
	}
	struct jdm_node *n = jdm_combined_new(a->l->space, JDM_ANY, json_array_size(v));
	if (!n)
		return NULL;
	n->generated = 1;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		if (!json_is_string(e)) {
			jdm_bad(a->l, "type", "a string or an array of strings");
			return NULL;
		}
		if (!(n->subs[n->nsubs++] = bare_type(a->l, json_string_value(e))))
			return NULL;
	}
	return n;
}

/* allOf, anyOf, oneOf: the subschemas joined one by one under that parent. */
static struct jdm_node *combinator_keyword(const struct at *a, const char *k, const json_t *v)
{
	if (!json_is_array(v)) {
		jdm_bad(a->l, k, "an array of schemas");
		return NULL;
	}
	enum parent_kind p = k[0] == 'o' ? P_ONEOF : k[1] == 'l' ? P_ALLOF : P_ANYOF;
	enum jdm_criterion c = p == P_ALLOF ? JDM_ALL : p == P_ANYOF ? JDM_ANY : JDM_ONE;
	struct jdm_node *acc = jdm_combined_new(a->l->space, c, 0);
	for (size_t i = 0; acc && i < json_array_size(v); i++) {
		struct jdm_node *sub = load(a, json_array_get(v, i));
		acc = sub ? join(a->l->space, p, acc, sub) : NULL;
	}
	return acc;
}

/* $ref, type, enum, const, pattern, not, if and the combinators. */
static struct jdm_node *schema_keyword(const struct at *a, const char *k, const json_t *v,
                                       int *none)
{
	struct jdm_node *n;
	if (!strcmp(k, "$ref"))
		return jdm_ref_new(a->l, v, a->doc, a->base);
	if (!strcmp(k, "type"))
		return type_keyword(a, v);
	if (!strcmp(k, "enum"))
		return jdm_enum_new(a->l, v);
	if (!strcmp(k, "const")) {
		if ((n = node(a, JDM_CONST)))
			n->value = v;
		return n;
	}
	if (!strcmp(k, "pattern")) {
		if (!(n = node(a, JDM_STRING)) || jdm_read_str(a->l, a->o, k, &n->pattern) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "not")) {
		if (!(n = node(a, JDM_NOT)) || !(n->not_schema = load(a, v)))
			return NULL;
		return n;
	}
	if (!strcmp(k, "if"))
		return jdm_cond_new(a->l, a->o, a->doc, a->base, a->depth);
	if (!strcmp(k, "allOf") || !strcmp(k, "anyOf") || !strcmp(k, "oneOf"))
		return combinator_keyword(a, k, v);
	*none = 1;
	return NULL;
}

/* required, dependentRequired, dependentSchemas, propertyNames and
 * additionalProperties ("properties" and "patternProperties" are read last,
 * by jdm_load2020()). */
static struct jdm_node *object_keyword(const struct at *a, const char *k, const json_t *v,
                                       int *none)
{
	struct jdm_loader *l = a->l;
	struct jdm_node *n, *sub;
	if (!strcmp(k, "required"))
		return (n = node(a, JDM_OBJECT)) &&
		               jdm_read_names(l, v, k, &n->required, &n->nrequired) == 0
		           ? n
		           : NULL;
	if (!strcmp(k, "dependentRequired")) {
		if (!json_is_object(v)) {
			jdm_bad(l, k, "an object");
			return NULL;
		}
		if (!(n = node(a, JDM_OBJECT)) ||
		    !(n->pdeps = jdm_alloc(l->space, (json_object_size(v) + 1) * sizeof *n->pdeps)))
			return NULL;
		const char *dk;
		json_t *dv;
		json_object_foreach(JV(v), dk, dv)
		{
			struct jdm_pdep *d = &n->pdeps[n->npdeps++];
			d->name = dk;
			if (jdm_read_names(l, dv, k, &d->names, &d->nnames) < 0)
				return NULL;
		}
		return n;
	}
	if (!strcmp(k, "dependentSchemas"))
		return (n = node(a, JDM_OBJECT)) &&
		               jdm_read_props(l, v, k, 0, a->doc, a->base, a->depth, &n->sdeps,
		                              &n->nsdeps) == 0
		           ? n
		           : NULL;
	if (!strcmp(k, "propertyNames"))
		return load(a, v) ? node(a, JDM_OBJECT) : NULL;
	if (!strcmp(k, "additionalProperties")) {
		if (!(sub = load(a, v)) || !(n = node(a, JDM_OBJECT)))
			return NULL;
		if (sub->kind == JDM_FALSE)
			n->no_additional = 1;
		else if (sub->kind != JDM_TRUE)
			n->additional = sub;
		return n;
	}
	*none = 1;
	return NULL;
}

/* contains (with minContains and maxContains), prefixItems, items and
 * uniqueItems. */
static struct jdm_node *array_keyword(const struct at *a, const char *k, const json_t *v, int *none)
{
	struct jdm_node *n, *sub;
	if (!strcmp(k, "contains")) {
		if (!(n = node(a, JDM_ARRAY)) || !(n->contains = load(a, v)))
			return NULL;
		n->min_contains = (struct jdm_num){.has = 1, .v = 1};
		jdm_read_lenient_num(a->o, "minContains", &n->min_contains);
		jdm_read_lenient_num(a->o, "maxContains", &n->max_contains);
		return n;
	}
	if (!strcmp(k, "prefixItems"))
		return (n = node(a, JDM_ARRAY)) &&
		               jdm_read_schemas(a->l, v, k, a->doc, a->base, a->depth, &n->items,
		                                &n->nitems) == 0
		           ? n
		           : NULL;
	if (!strcmp(k, "items")) {
		if (!(sub = load(a, v)) || !(n = node(a, JDM_ARRAY)))
			return NULL;
		const json_t *pre = json_object_get(a->o, "prefixItems");
		size_t npre = json_is_array(pre) ? json_array_size(pre) : 0;
		if (sub->kind == JDM_FALSE)
			n->no_additional_items = 1;
		else if (sub->kind != JDM_TRUE && npre == 0)
			n->all_items = sub;
		else if (sub->kind != JDM_TRUE)
			n->additional_items = sub;
		return n;
	}
	if (!strcmp(k, "uniqueItems"))
		return (n = node(a, JDM_ARRAY)) && jdm_read_bool(a->l, a->o, k, &n->unique) == 0
		           ? n
		           : NULL;
	*none = 1;
	return NULL;
}

/* The node one keyword of a 2020-12 schema object contributes, or NULL with
 * *none set when it contributes nothing. */
static struct jdm_node *keyword(const struct at *a, const char *k, const json_t *v, int *none)
{
	static keyword_fn *const groups[] = {limit_keyword, schema_keyword, object_keyword,
	                                     array_keyword};
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		*none = 0;
		struct jdm_node *n = groups[i](a, k, v, none);
		if (!*none)
			return n;
	}
	return NULL;
}

/* Whether a 2020-12 schema object has a keyword json-sKema does not know, or a
 * non-empty $defs: both end up in the translated node's unprocessed properties. */
static int has_unknown_keyword(const json_t *o)
{
	static const char *const known[] = {"$id",
	                                    "$anchor",
	                                    "$dynamicRef",
	                                    "$dynamicAnchor",
	                                    "$ref",
	                                    "$schema",
	                                    "$vocabulary",
	                                    "minLength",
	                                    "maxLength",
	                                    "allOf",
	                                    "anyOf",
	                                    "oneOf",
	                                    "additionalProperties",
	                                    "properties",
	                                    "patternProperties",
	                                    "title",
	                                    "description",
	                                    "readOnly",
	                                    "writeOnly",
	                                    "deprecated",
	                                    "default",
	                                    "enum",
	                                    "const",
	                                    "false",
	                                    "true",
	                                    "type",
	                                    "not",
	                                    "required",
	                                    "maximum",
	                                    "minimum",
	                                    "exclusiveMaximum",
	                                    "exclusiveMinimum",
	                                    "multipleOf",
	                                    "uniqueItems",
	                                    "items",
	                                    "prefixItems",
	                                    "contains",
	                                    "minContains",
	                                    "maxContains",
	                                    "if",
	                                    "then",
	                                    "else",
	                                    "dependentSchemas",
	                                    "dependentRequired",
	                                    "unevaluatedItems",
	                                    "unevaluatedProperties",
	                                    "minItems",
	                                    "maxItems",
	                                    "minProperties",
	                                    "maxProperties",
	                                    "propertyNames",
	                                    "pattern",
	                                    "format",
	                                    NULL};
	const char *k;
	json_t *v;
	json_object_foreach(JV(o), k, v)
	{
		if (!strcmp(k, "$defs")) {
			if (json_is_object(v) && json_object_size(v))
				return 1;
			continue;
		}
		size_t i = 0;
		while (known[i] && strcmp(known[i], k))
			i++;
		if (!known[i])
			return 1;
	}
	return 0;
}

static struct jdm_node *fold(struct jdm_space *s, struct jdm_node *acc, struct jdm_node *x)
{
	return acc ? join(s, P_COMPOSITE, acc, x) : x;
}

struct jdm_node *jdm_load2020(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                              int depth)
{
	struct jdm_space *s = l->space;
	const struct at a = {l, o, doc, base, depth};
	struct jdm_node *product = NULL;
	const char *k;
	json_t *v;
	json_object_foreach(JV(o), k, v)
	{
		int none;
		struct jdm_node *kn = keyword(&a, k, v, &none);
		if (none)
			continue;
		if (!kn || !(product = fold(s, product, kn)))
			return NULL;
	}
	/* One object node per property, merged in order: the same as one node
	 * holding them all, built directly. */
	const json_t *pv = json_object_get(o, "properties");
	struct jdm_node *n;
	if (pv) {
		if (!(n = jdm_node_new(s, JDM_OBJECT)) ||
		    jdm_read_props(l, pv, "properties", 0, doc, base, depth, &n->props,
		                   &n->nprops) < 0)
			return NULL;
		if (n->nprops && !(product = fold(s, product, n)))
			return NULL;
	}
	if ((pv = json_object_get(o, "patternProperties"))) {
		if (!(n = jdm_node_new(s, JDM_OBJECT)) ||
		    jdm_read_patterns(l, pv, doc, base, depth, &n->pprops, &n->npprops) < 0)
			return NULL;
		if (n->npprops && !(product = fold(s, product, n)))
			return NULL;
	}
	static const char *const unevkw[] = {"unevaluatedItems", "unevaluatedProperties"};
	for (int m = 0; m < 2; m++) {
		const json_t *uv = json_object_get(o, unevkw[m]);
		if (!uv)
			continue;
		if (!(n = jdm_node_new(s, m == 0 ? JDM_ARRAY : JDM_OBJECT)) ||
		    !(n->uneval = jdm_load_any(l, uv, doc, base, depth + 1)) ||
		    !(product = fold(s, product, n)))
			return NULL;
	}
	if (!product) {
		product = jdm_node_new(s, JDM_EMPTY);
	} else if (is_gen(product, JDM_ALL) && product->nsubs == 0) {
		product = jdm_node_new(s, JDM_EMPTY);
	} else if (is_gen(product, JDM_ALL) && product->nsubs == 1) {
		struct jdm_node *copy = jdm_node_new(s, JDM_EMPTY);
		if (copy)
			*copy = *product->subs[0];
		product = copy;
	}
	if (!product || jdm_annotations(l, o, product, 0) < 0)
		return NULL;
	if (has_unknown_keyword(o)) {
		/* The translator then replaces the node's unprocessed properties with
		 * the unknown keywords, dropping the ones it had put there itself. */
		product->uneval = NULL;
		product->min_contains.has = 0;
		product->max_contains.has = 0;
	}
	return product;
}
