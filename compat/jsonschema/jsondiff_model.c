/* compat/jsonschema/jsondiff_model.c: builds the everit-like model of a JSON Schema
 * document (see jsondiff_model.h for what and why).
 *
 * Two loaders share the model:
 *  - load7() follows everit's SchemaLoader for drafts 4, 6 and 7: a $ref hides
 *    its siblings; otherwise enum, allOf/oneOf/anyOf, not, const, type and the
 *    keywords "sniffed" per type each yield one node, and several nodes become a
 *    synthetic allOf.
 *  - load2020() follows json-sKema plus Confluent's SchemaTranslator for drafts
 *    2019-09 and 2020-12: every keyword yields a node, and nodes are joined in
 *    document order (same-type nodes merge, a "type" array absorbs matching
 *    nodes, anything else becomes a generated allOf).
 */
#include "compat/jsonschema/jsondiff_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jsregex.h"
#include "compat/jsonschema/jsuri.h"

/* jansson's iteration macros take non-const values. */
#define JV(x) ((json_t *)(uintptr_t)(x))

/* ---- arena --------------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

/* A map from a pointer or a string to a pointer, open addressing. */
struct map {
	const void **keys;
	void **vals;
	size_t n, cap;
	int strings; /* keys are NUL-terminated strings compared by content */
};

struct jdm_space {
	struct chunk *chunks;
	size_t bytes, max_bytes;
	struct sg_error *err;
	int failed;          /* an error was recorded */
	struct map patterns; /* pattern string -> struct jsregex* */
	struct jsregex_scratch *scratch;
	struct jdm_loader **loaders;
	size_t nloaders;
};

struct doc {
	const json_t *root;
	const char *uri;  /* where the document came from ("" for the schema itself) */
	const char *base; /* uri with the root's own $id applied */
	struct map ids;   /* resolved $id or anchor URI -> struct idref* */
};

/* A subschema named by a $id or an anchor, with the base URI in effect just
 * outside it (load_any() applies the subschema's own $id). */
struct idref {
	const json_t *schema;
	const char *parent_base;
};

struct jdm_loader {
	struct jdm_space *space;
	enum jdm_draft draft;
	struct doc docs[JDM_MAX_DOCS];
	int ndocs;
	struct map memo; /* const json_t* -> struct jdm_node* */
	jdm_resolve_fn resolve;
	void *resolve_ctx;
};

__attribute__((format(printf, 3, 4))) static int fail(struct jdm_space *s, int code,
                                                      const char *fmt, ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->failed = 1;
	return error_set(s->err, code, "%s", msg);
}

struct jdm_space *jdm_space_new(size_t max_bytes, struct sg_error *err)
{
	struct jdm_space *s = calloc(1, sizeof *s);
	if (!s) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	s->max_bytes = max_bytes ? max_bytes : JDM_DEFAULT_BYTES;
	s->err = err;
	s->patterns.strings = 1;
	return s;
}

static void map_free(struct map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->n = m->cap = 0;
}

void jdm_space_free(struct jdm_space *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->patterns.cap; i++)
		if (s->patterns.keys && s->patterns.keys[i] && s->patterns.vals[i])
			jsregex_free(s->patterns.vals[i]);
	map_free(&s->patterns);
	jsregex_scratch_free(s->scratch);
	for (size_t i = 0; i < s->nloaders; i++) {
		struct jdm_loader *l = s->loaders[i];
		for (int d = 0; d < l->ndocs; d++)
			map_free(&l->docs[d].ids);
		map_free(&l->memo);
		free(l);
	}
	free(s->loaders);
	struct chunk *c = s->chunks;
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(s);
}

static int charge(struct jdm_space *s, size_t n)
{
	if (n > s->max_bytes || s->bytes > s->max_bytes - n)
		return fail(s, SG_ELIMIT, "schema comparison needs more than the memory limit");
	s->bytes += n;
	return 0;
}

void *jdm_alloc(struct jdm_space *s, size_t n)
{
	size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (need == 0)
		need = sizeof(max_align_t);
	struct chunk *c = s->chunks;
	if (!c || c->cap - c->used < need) {
		size_t cap = need > 65536 ? need : 65536;
		if (charge(s, cap + sizeof *c) < 0)
			return NULL;
		c = malloc(sizeof *c + cap);
		if (!c) {
			fail(s, SG_ENOMEM, "out of memory");
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		c->next = s->chunks;
		s->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

static char *sdup(struct jdm_space *s, const char *a, size_t n)
{
	char *p = jdm_alloc(s, n + 1);
	if (p) {
		memcpy(p, a, n);
		p[n] = '\0';
	}
	return p;
}

/* ---- maps ---------------------------------------------------------------- */

static size_t map_hash(const struct map *m, const void *k)
{
	uint64_t h = 1469598103934665603ull;
	if (m->strings) {
		for (const unsigned char *p = k; *p; p++)
			h = (h ^ *p) * 1099511628211ull;
	} else {
		h ^= (uint64_t)(uintptr_t)k;
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return (size_t)h;
}

static int map_eq(const struct map *m, const void *a, const void *b)
{
	return m->strings ? strcmp(a, b) == 0 : a == b;
}

static void **map_slot(const struct map *m, const void *k)
{
	if (!m->cap)
		return NULL;
	size_t i = map_hash(m, k) & (m->cap - 1);
	while (m->keys[i]) {
		if (map_eq(m, m->keys[i], k))
			return &m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

static void *map_get(const struct map *m, const void *k)
{
	void **v = map_slot(m, k);
	return v ? *v : NULL;
}

static int map_put(struct jdm_space *s, struct map *m, const void *k, void *v)
{
	void **slot = map_slot(m, k);
	if (slot) {
		*slot = v;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		if (charge(s, cap * 2 * sizeof(void *)) < 0)
			return -1;
		const void **keys = calloc(cap, sizeof *keys);
		void **vals = calloc(cap, sizeof *vals);
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return fail(s, SG_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = map_hash(m, m->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	size_t i = map_hash(m, k) & (m->cap - 1);
	while (m->keys[i])
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = k;
	m->vals[i] = v;
	m->n++;
	return 0;
}

/* ---- URIs ------------------------------------------------------------------ */

/* Moves `m` (from malloc, `n` bytes plus a NUL, may be NULL for out of
 * memory) into the space. */
static char *adopt(struct jdm_space *s, char *m, size_t n)
{
	if (!m) {
		fail(s, SG_ENOMEM, "out of memory");
		return NULL;
	}
	char *p = sdup(s, m, n);
	free(m);
	return p;
}

/* jsuri_resolve() into the space. */
static char *uri_resolve(struct jdm_space *s, const char *base, const char *ref)
{
	char *u = jsuri_resolve(base, ref);
	return adopt(s, u, u ? strlen(u) : 0);
}

/* ---- documents and $id index ------------------------------------------------ */

static const char *id_keyword(const struct jdm_loader *l)
{
	return l->draft == JDM_DRAFT4 ? "id" : "$id";
}

static int is_data_keyword(const char *k)
{
	return !strcmp(k, "enum") || !strcmp(k, "const") || !strcmp(k, "default") ||
	       !strcmp(k, "examples");
}

/* Applies the $id of object `j` (if any) to `base`: the base URI in effect
 * inside `j`. Under drafts 4-7 a $ref hides its sibling $id, and an $id that is
 * only a fragment names the schema without moving the base. */
static const char *base_inside(struct jdm_loader *l, const json_t *j, const char *base)
{
	const json_t *id = json_is_object(j) ? json_object_get(j, id_keyword(l)) : NULL;
	if (!json_is_string(id) || json_string_value(id)[0] == '#')
		return base;
	if (l->draft < JDM_DRAFT2019 && json_object_get(j, "$ref"))
		return base;
	char *b = uri_resolve(l->space, base, json_string_value(id));
	if (b)
		b[strcspn(b, "#")] = '\0';
	return b;
}

static int add_id(struct jdm_loader *l, struct doc *d, const char *key, const json_t *schema,
                  const char *parent_base)
{
	if (map_get(&d->ids, key))
		return 0;
	struct idref *r = jdm_alloc(l->space, sizeof *r);
	if (!r)
		return -1;
	r->schema = schema;
	r->parent_base = parent_base;
	return map_put(l->space, &d->ids, key, r);
}

/* Records every $id (and anchor) of a document so $refs can find them.
 * `base` is the base URI in effect just outside `j`. */
static int index_ids(struct jdm_loader *l, struct doc *d, const json_t *j, const char *base,
                     int depth, size_t *budget)
{
	struct jdm_space *s = l->space;
	if (depth > 4 * JDM_MAX_DEPTH)
		return fail(s, SG_ELIMIT, "schema nested more than 200 levels deep");
	if (*budget == 0)
		return fail(s, SG_ELIMIT, "schema has too many subschemas");
	(*budget)--;
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(JV(j), i, v)
		{
			if (index_ids(l, d, v, base, depth + 1, budget) < 0)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(j))
		return 0;
	const char *inside = base_inside(l, j, base);
	if (!inside)
		return -1;
	const json_t *id = json_object_get(j, id_keyword(l));
	if (json_is_string(id) && strcmp(json_string_value(id), "#") &&
	    (l->draft >= JDM_DRAFT2019 || !json_object_get(j, "$ref"))) {
		const char *key = json_string_value(id)[0] == '#'
		                      ? uri_resolve(s, base, json_string_value(id))
		                      : inside;
		if (!key || add_id(l, d, key, j, base) < 0)
			return -1;
	}
	const json_t *anchor = json_object_get(j, "$anchor");
	if (l->draft >= JDM_DRAFT2019 && json_is_string(anchor)) {
		size_t bl = strlen(inside), al = strlen(json_string_value(anchor));
		char *key = jdm_alloc(s, bl + al + 2);
		if (!key)
			return -1;
		memcpy(key, inside, bl);
		key[bl] = '#';
		memcpy(key + bl + 1, json_string_value(anchor), al + 1);
		if (add_id(l, d, key, j, base) < 0)
			return -1;
	}
	const char *k;
	json_t *v;
	json_object_foreach(JV(j), k, v)
	{
		if (is_data_keyword(k))
			continue;
		if (index_ids(l, d, v, inside, depth + 1, budget) < 0)
			return -1;
	}
	return 0;
}

static int add_doc(struct jdm_loader *l, const json_t *root, const char *uri)
{
	if (l->ndocs >= JDM_MAX_DOCS) {
		fail(l->space, SG_ELIMIT, "more than 64 referenced schema documents");
		return -1;
	}
	struct doc *d = &l->docs[l->ndocs];
	memset(d, 0, sizeof *d);
	d->root = root;
	d->uri = uri;
	d->ids.strings = 1;
	if (!(d->base = base_inside(l, root, uri)))
		return -1;
	l->ndocs++;
	size_t budget = 1000000;
	if (index_ids(l, d, root, uri, 0, &budget) < 0)
		return -1;
	return l->ndocs - 1;
}

static enum jdm_draft draft_of(const json_t *root)
{
	static const struct {
		const char *url;
		enum jdm_draft draft;
	} known[] = {
	    {"http://json-schema.org/draft-04/schema", JDM_DRAFT4},
	    {"https://json-schema.org/draft-04/schema", JDM_DRAFT4},
	    {"http://json-schema.org/schema", JDM_DRAFT4},
	    {"https://json-schema.org/schema", JDM_DRAFT4},
	    {"http://json-schema.org/draft-06/schema", JDM_DRAFT6},
	    {"https://json-schema.org/draft-06/schema", JDM_DRAFT6},
	    {"http://json-schema.org/draft-07/schema", JDM_DRAFT7},
	    {"https://json-schema.org/draft-07/schema", JDM_DRAFT7},
	    {"http://json-schema.org/draft/2019-09/schema", JDM_DRAFT2019},
	    {"https://json-schema.org/draft/2019-09/schema", JDM_DRAFT2019},
	    {"http://json-schema.org/draft/2020-12/schema", JDM_DRAFT2020},
	    {"https://json-schema.org/draft/2020-12/schema", JDM_DRAFT2020},
	};
	const json_t *v = json_is_object(root) ? json_object_get(root, "$schema") : NULL;
	if (!json_is_string(v))
		return JDM_DRAFT7;
	const char *u = json_string_value(v);
	size_t n = strlen(u);
	if (n && u[n - 1] == '#')
		n--;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i].url) == n && !strncmp(known[i].url, u, n))
			return known[i].draft;
	return JDM_DRAFT7;
}

struct jdm_loader *jdm_loader_new(struct jdm_space *s, const json_t *root, jdm_resolve_fn resolve,
                                  void *resolve_ctx)
{
	struct jdm_loader **ls = realloc(s->loaders, (s->nloaders + 1) * sizeof *ls);
	if (!ls) {
		fail(s, SG_ENOMEM, "out of memory");
		return NULL;
	}
	s->loaders = ls;
	struct jdm_loader *l = calloc(1, sizeof *l);
	if (!l) {
		fail(s, SG_ENOMEM, "out of memory");
		return NULL;
	}
	s->loaders[s->nloaders++] = l;
	l->space = s;
	l->draft = draft_of(root);
	l->resolve = resolve;
	l->resolve_ctx = resolve_ctx;
	if (add_doc(l, root, "") < 0)
		return NULL;
	return l;
}

/* ---- keyword readers ------------------------------------------------------- */

static struct jdm_node *node_new(struct jdm_space *s, enum jdm_kind kind)
{
	struct jdm_node *n = jdm_alloc(s, sizeof *n);
	if (n)
		n->kind = kind;
	return n;
}

static int bad(struct jdm_loader *l, const char *key, const char *what)
{
	char msg[160];
	snprintf(msg, sizeof msg, "keyword '%.60s' must be %s", key, what);
	return fail(l->space, SG_EINVALID_SCHEMA, "%s", msg);
}

static int read_num(struct jdm_loader *l, const json_t *o, const char *key, struct jdm_num *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_number(v))
		return bad(l, key, "a number");
	out->has = 1;
	out->v = json_number_value(v);
	out->json = v;
	return 0;
}

/* Whether a double has no fraction (without libm). */
static int is_integral(double v)
{
	if (!isfinite(v))
		return 0;
	if (v > -9e15 && v < 9e15)
		return (double)(long long)v == v;
	return 1;
}

static int read_int(struct jdm_loader *l, const json_t *o, const char *key, struct jdm_num *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) && !(json_is_real(v) && is_integral(json_real_value(v))))
		return bad(l, key, "an integer");
	out->has = 1;
	out->v = json_number_value(v);
	out->json = v;
	return 0;
}

static int read_str(struct jdm_loader *l, const json_t *o, const char *key, const char **out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad(l, key, "a string");
	*out = json_string_value(v);
	return 0;
}

static int read_bool(struct jdm_loader *l, const json_t *o, const char *key, int *present, int *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(l, key, "a boolean");
	if (present)
		*present = 1;
	*out = json_is_true(v);
	return 0;
}

static int read_names(struct jdm_loader *l, const json_t *v, const char *key, const char ***out,
                      size_t *n)
{
	if (!json_is_array(v))
		return bad(l, key, "an array of strings");
	size_t len = json_array_size(v);
	const char **names = jdm_alloc(l->space, (len ? len : 1) * sizeof *names);
	if (!names)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(v, i);
		if (!json_is_string(e))
			return bad(l, key, "an array of strings");
		names[i] = json_string_value(e);
	}
	*out = names;
	*n = len;
	return 0;
}

static int is_schema_value(const json_t *v)
{
	return json_is_object(v) || json_is_boolean(v);
}

/* ---- draft 4 / 6 / 7 (everit) -------------------------------------------- */

static struct jdm_node *load_any(struct jdm_loader *l, const json_t *j, int doc, const char *base,
                                 int depth);

static const char *const number_kw[] = {"minimum",          "maximum",    "exclusiveMinimum",
                                        "exclusiveMaximum", "multipleOf", NULL};
static const char *const string_kw[] = {"minLength", "maxLength", "pattern", "format", NULL};
static const char *const array_kw[] = {"items",       "additionalItems", "minItems", "maxItems",
                                       "uniqueItems", "contains",        NULL};
static const char *const object_kw[] = {
    "properties",           "required",      "minProperties",
    "maxProperties",        "dependencies",  "patternProperties",
    "additionalProperties", "propertyNames", NULL};

static int has_any(const struct jdm_loader *l, const json_t *o, const char *const *kw)
{
	for (; *kw; kw++) {
		if (l->draft == JDM_DRAFT4 &&
		    (!strcmp(*kw, "contains") || !strcmp(*kw, "propertyNames")))
			continue;
		if (json_object_get(o, *kw))
			return 1;
	}
	return 0;
}

static int string_props7(struct jdm_loader *l, const json_t *o, struct jdm_node *n)
{
	const char *fmt = NULL;
	if (read_int(l, o, "minLength", &n->min_length) < 0 ||
	    read_int(l, o, "maxLength", &n->max_length) < 0 ||
	    read_str(l, o, "pattern", &n->pattern) < 0 || read_str(l, o, "format", &fmt) < 0)
		return -1;
	return 0;
}

static int number_props7(struct jdm_loader *l, const json_t *o, struct jdm_node *n)
{
	if (read_num(l, o, "minimum", &n->minimum) < 0 ||
	    read_num(l, o, "maximum", &n->maximum) < 0 ||
	    read_num(l, o, "multipleOf", &n->multiple_of) < 0)
		return -1;
	if (n->multiple_of.has && n->multiple_of.v == 0)
		return bad(l, "multipleOf", "non-zero");
	if (l->draft == JDM_DRAFT4) {
		int dummy;
		if (read_bool(l, o, "exclusiveMinimum", NULL, &dummy) < 0 ||
		    read_bool(l, o, "exclusiveMaximum", NULL, &dummy) < 0)
			return -1;
		return 0;
	}
	if (read_num(l, o, "exclusiveMinimum", &n->excl_minimum) < 0 ||
	    read_num(l, o, "exclusiveMaximum", &n->excl_maximum) < 0)
		return -1;
	return 0;
}

static int array_props7(struct jdm_loader *l, const json_t *o, struct jdm_node *n, int doc,
                        const char *base, int depth)
{
	struct jdm_space *s = l->space;
	if (read_int(l, o, "minItems", &n->min_items) < 0 ||
	    read_int(l, o, "maxItems", &n->max_items) < 0 ||
	    read_bool(l, o, "uniqueItems", NULL, &n->unique) < 0)
		return -1;
	const json_t *v = json_object_get(o, "additionalItems");
	if (json_is_boolean(v)) {
		n->no_additional_items = json_is_false(v);
	} else if (json_is_object(v)) {
		if (!(n->additional_items = load_any(l, v, doc, base, depth + 1)))
			return -1;
	} else if (v) {
		return bad(l, "additionalItems", "a boolean or a schema");
	}
	v = json_object_get(o, "items");
	if (is_schema_value(v)) {
		if (!(n->all_items = load_any(l, v, doc, base, depth + 1)))
			return -1;
	} else if (json_is_array(v)) {
		n->nitems = json_array_size(v);
		n->items = jdm_alloc(s, (n->nitems ? n->nitems : 1) * sizeof *n->items);
		if (!n->items)
			return -1;
		for (size_t i = 0; i < n->nitems; i++)
			if (!(n->items[i] =
			          load_any(l, json_array_get(v, i), doc, base, depth + 1)))
				return -1;
	} else if (v) {
		return bad(l, "items", "a schema or an array of schemas");
	}
	v = json_object_get(o, "contains");
	if (v && l->draft != JDM_DRAFT4 && !(n->contains = load_any(l, v, doc, base, depth + 1)))
		return -1;
	return 0;
}

static int props_of(struct jdm_loader *l, const json_t *v, const char *key, struct jdm_prop **out,
                    size_t *n, int skip_id, int doc, const char *base, int depth)
{
	if (!json_is_object(v))
		return bad(l, key, "an object");
	size_t cap = json_object_size(v);
	struct jdm_prop *p = jdm_alloc(l->space, (cap ? cap : 1) * sizeof *p);
	if (!p)
		return -1;
	size_t i = 0;
	const char *k;
	json_t *e;
	json_object_foreach(JV(v), k, e)
	{
		if (skip_id && !strcmp(k, id_keyword(l)) && !json_is_object(e))
			continue;
		p[i].name = k;
		if (!(p[i].schema = load_any(l, e, doc, base, depth + 1)))
			return -1;
		i++;
	}
	*out = p;
	*n = i;
	return 0;
}

static int object_props7(struct jdm_loader *l, const json_t *o, struct jdm_node *n, int doc,
                         const char *base, int depth)
{
	struct jdm_space *s = l->space;
	if (read_int(l, o, "minProperties", &n->min_props) < 0 ||
	    read_int(l, o, "maxProperties", &n->max_props) < 0)
		return -1;
	const json_t *v = json_object_get(o, "properties");
	if (v && props_of(l, v, "properties", &n->props, &n->nprops, 1, doc, base, depth) < 0)
		return -1;
	v = json_object_get(o, "additionalProperties");
	if (json_is_boolean(v)) {
		n->no_additional = json_is_false(v);
	} else if (json_is_object(v)) {
		if (!(n->additional = load_any(l, v, doc, base, depth + 1)))
			return -1;
	} else if (v) {
		return bad(l, "additionalProperties", "a boolean or a schema");
	}
	v = json_object_get(o, "required");
	if (v && read_names(l, v, "required", &n->required, &n->nrequired) < 0)
		return -1;
	v = json_object_get(o, "patternProperties");
	if (v) {
		struct jdm_prop *pp;
		size_t np;
		if (props_of(l, v, "patternProperties", &pp, &np, 0, doc, base, depth) < 0)
			return -1;
		n->pprops = jdm_alloc(s, (np ? np : 1) * sizeof *n->pprops);
		if (!n->pprops)
			return -1;
		for (size_t i = 0; i < np; i++) {
			n->pprops[i].pattern = pp[i].name;
			n->pprops[i].schema = pp[i].schema;
		}
		n->npprops = np;
	}
	v = json_object_get(o, "dependencies");
	if (v) {
		if (!json_is_object(v))
			return bad(l, "dependencies", "an object");
		size_t cap = json_object_size(v) ? json_object_size(v) : 1;
		n->pdeps = jdm_alloc(s, cap * sizeof *n->pdeps);
		n->sdeps = jdm_alloc(s, cap * sizeof *n->sdeps);
		if (!n->pdeps || !n->sdeps)
			return -1;
		const char *k;
		json_t *e;
		json_object_foreach(JV(v), k, e)
		{
			if (is_schema_value(e)) {
				struct jdm_prop *d = &n->sdeps[n->nsdeps++];
				d->name = k;
				if (!(d->schema = load_any(l, e, doc, base, depth + 1)))
					return -1;
			} else if (json_is_array(e)) {
				struct jdm_pdep *d = &n->pdeps[n->npdeps++];
				d->name = k;
				if (read_names(l, e, "dependencies", &d->names, &d->nnames) < 0)
					return -1;
			} else {
				return bad(l, "dependencies", "an object of schemas or arrays");
			}
		}
	}
	v = json_object_get(o, "propertyNames");
	if (v && l->draft != JDM_DRAFT4 && !load_any(l, v, doc, base, depth + 1))
		return -1;
	return 0;
}

/* One node for an explicit "type" name, with the keywords that go with it. */
static struct jdm_node *typed7(struct jdm_loader *l, const json_t *o, const char *type, int doc,
                               const char *base, int depth)
{
	struct jdm_space *s = l->space;
	struct jdm_node *n = NULL;
	int rc = 0;
	if (!strcmp(type, "string")) {
		if ((n = node_new(s, JDM_STRING)))
			rc = string_props7(l, o, n);
	} else if (!strcmp(type, "integer") || !strcmp(type, "number")) {
		if ((n = node_new(s, JDM_NUMBER))) {
			n->integer = type[0] == 'i';
			rc = number_props7(l, o, n);
		}
	} else if (!strcmp(type, "boolean")) {
		n = node_new(s, JDM_BOOLEAN);
	} else if (!strcmp(type, "null")) {
		n = node_new(s, JDM_NULL);
	} else if (!strcmp(type, "array")) {
		if ((n = node_new(s, JDM_ARRAY)))
			rc = array_props7(l, o, n, doc, base, depth);
	} else if (!strcmp(type, "object")) {
		if ((n = node_new(s, JDM_OBJECT)))
			rc = object_props7(l, o, n, doc, base, depth);
	} else {
		fail(s, SG_EINVALID_SCHEMA, "unknown type '%.60s'", type);
		return NULL;
	}
	return rc < 0 ? NULL : n;
}

static struct jdm_node *combined_new(struct jdm_space *s, enum jdm_criterion c, size_t n)
{
	struct jdm_node *node = node_new(s, JDM_COMBINED);
	if (!node)
		return NULL;
	node->criterion = c;
	node->subs = jdm_alloc(s, (n ? n : 1) * sizeof *node->subs);
	return node->subs ? node : NULL;
}

static struct jdm_node *combined_of(struct jdm_loader *l, const json_t *v, const char *key,
                                    enum jdm_criterion c, int doc, const char *base, int depth)
{
	if (!json_is_array(v)) {
		bad(l, key, "an array of schemas");
		return NULL;
	}
	struct jdm_node *n = combined_new(l->space, c, json_array_size(v));
	if (!n)
		return NULL;
	for (size_t i = 0; i < json_array_size(v); i++)
		if (!(n->subs[n->nsubs++] =
		          load_any(l, json_array_get(v, i), doc, base, depth + 1)))
			return NULL;
	return n;
}

static struct jdm_node *ref_new(struct jdm_loader *l, const json_t *v, int doc, const char *base)
{
	if (!json_is_string(v)) {
		bad(l, "$ref", "a string");
		return NULL;
	}
	struct jdm_node *n = node_new(l->space, JDM_REF);
	if (n) {
		n->ref = json_string_value(v);
		n->ref_base = base;
		n->ref_doc = doc;
		n->loader = l;
	}
	return n;
}

static int annotations(struct jdm_loader *l, const json_t *o, struct jdm_node *n, int with_id)
{
	if (with_id && read_str(l, o, id_keyword(l), &n->id) < 0)
		return -1;
	if (read_str(l, o, "title", &n->title) < 0 ||
	    read_str(l, o, "description", &n->description) < 0)
		return -1;
	const json_t *d = json_object_get(o, "default");
	if (d) {
		if (l->draft >= JDM_DRAFT2019 && json_is_null(d)) {
			n->has_default = 0;
		} else {
			n->has_default = 1;
			n->def = d;
		}
	}
	const json_t *ct = json_object_get(o, "connect.type");
	if (json_is_string(ct))
		n->connect_type = json_string_value(ct);
	return 0;
}

#define MAX_PARTS 12

static struct jdm_node *load7(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                              int depth)
{
	struct jdm_space *s = l->space;
	if (json_object_get(o, "$ref")) {
		struct jdm_node *n = ref_new(l, json_object_get(o, "$ref"), doc, base);
		if (!n || annotations(l, o, n, 1) < 0)
			return NULL;
		return n;
	}
	struct jdm_node *parts[MAX_PARTS];
	int np = 0;
	const json_t *v;
	if ((v = json_object_get(o, "enum"))) {
		if (!json_is_array(v)) {
			bad(l, "enum", "an array");
			return NULL;
		}
		struct jdm_node *n = node_new(s, JDM_ENUM);
		if (!n)
			return NULL;
		n->nvalues = json_array_size(v);
		n->values = jdm_alloc(s, (n->nvalues ? n->nvalues : 1) * sizeof *n->values);
		if (!n->values)
			return NULL;
		for (size_t i = 0; i < n->nvalues; i++)
			n->values[i] = json_array_get(v, i);
		parts[np++] = n;
	}
	/* everit collects the combinators in a HashSet: allOf, oneOf, anyOf. */
	static const struct {
		const char *key;
		enum jdm_criterion c;
	} comb[] = {{"allOf", JDM_ALL}, {"oneOf", JDM_ONE}, {"anyOf", JDM_ANY}};
	for (int i = 0; i < 3; i++) {
		if ((v = json_object_get(o, comb[i].key))) {
			if (!(parts[np++] =
			          combined_of(l, v, comb[i].key, comb[i].c, doc, base, depth)))
				return NULL;
		}
	}
	if ((v = json_object_get(o, "not"))) {
		struct jdm_node *n = node_new(s, JDM_NOT);
		if (!n || !(n->not_schema = load_any(l, v, doc, base, depth + 1)))
			return NULL;
		parts[np++] = n;
	}
	if (l->draft != JDM_DRAFT4 && (v = json_object_get(o, "const"))) {
		struct jdm_node *n = node_new(s, JDM_CONST);
		if (!n)
			return NULL;
		n->value = v;
		parts[np++] = n;
	}
	int took_string = 0, took_number = 0, took_array = 0, took_object = 0;
	if ((v = json_object_get(o, "type"))) {
		if (json_is_string(v)) {
			const char *t = json_string_value(v);
			if (!(parts[np++] = typed7(l, o, t, doc, base, depth)))
				return NULL;
			took_string |= !strcmp(t, "string");
			took_number |= !strcmp(t, "number") || !strcmp(t, "integer");
			took_array |= !strcmp(t, "array");
			took_object |= !strcmp(t, "object");
		} else if (json_is_array(v)) {
			struct jdm_node *any = combined_new(s, JDM_ANY, json_array_size(v));
			if (!any)
				return NULL;
			for (size_t i = 0; i < json_array_size(v); i++) {
				const json_t *e = json_array_get(v, i);
				if (!json_is_string(e)) {
					bad(l, "type", "a string or an array of strings");
					return NULL;
				}
				const char *t = json_string_value(e);
				if (!(any->subs[any->nsubs++] = typed7(l, o, t, doc, base, depth)))
					return NULL;
				took_string |= !strcmp(t, "string");
				took_number |= !strcmp(t, "number") || !strcmp(t, "integer");
				took_array |= !strcmp(t, "array");
				took_object |= !strcmp(t, "object");
			}
			parts[np++] = any;
		} else {
			bad(l, "type", "a string or an array of strings");
			return NULL;
		}
	}
	if (!took_array && has_any(l, o, array_kw)) {
		struct jdm_node *n = node_new(s, JDM_ARRAY);
		if (!n || array_props7(l, o, n, doc, base, depth) < 0)
			return NULL;
		parts[np++] = n;
	}
	if (!took_object && has_any(l, o, object_kw)) {
		struct jdm_node *n = node_new(s, JDM_OBJECT);
		if (!n || object_props7(l, o, n, doc, base, depth) < 0)
			return NULL;
		parts[np++] = n;
	}
	if (!took_number && has_any(l, o, number_kw)) {
		struct jdm_node *n = node_new(s, JDM_NUMBER);
		if (!n || number_props7(l, o, n) < 0)
			return NULL;
		parts[np++] = n;
	}
	if (!took_string && has_any(l, o, string_kw)) {
		struct jdm_node *n = node_new(s, JDM_STRING);
		if (!n || string_props7(l, o, n) < 0)
			return NULL;
		parts[np++] = n;
	}
	if (l->draft == JDM_DRAFT7 && (json_object_get(o, "if") || json_object_get(o, "then") ||
	                               json_object_get(o, "else"))) {
		struct jdm_node *n = node_new(s, JDM_COND);
		if (!n)
			return NULL;
		if ((v = json_object_get(o, "if")) &&
		    !(n->if_schema = load_any(l, v, doc, base, depth + 1)))
			return NULL;
		if ((v = json_object_get(o, "then")) &&
		    !(n->then_schema = load_any(l, v, doc, base, depth + 1)))
			return NULL;
		if ((v = json_object_get(o, "else")) &&
		    !(n->else_schema = load_any(l, v, doc, base, depth + 1)))
			return NULL;
		parts[np++] = n;
	}
	struct jdm_node *eff;
	if (np == 0) {
		eff = node_new(s, JDM_EMPTY);
	} else if (np == 1) {
		eff = parts[0];
	} else {
		eff = combined_new(s, JDM_ALL, (size_t)np);
		if (eff) {
			memcpy(eff->subs, parts, (size_t)np * sizeof *parts);
			eff->nsubs = (size_t)np;
		}
	}
	if (!eff || annotations(l, o, eff, 1) < 0)
		return NULL;
	if (eff->kind == JDM_ARRAY) {
		/* minContains/maxContains are not everit keywords: they stay in the
		 * unprocessed properties of the one schema the object became. */
		const json_t *mc = json_object_get(o, "minContains");
		if (json_is_number(mc)) {
			eff->min_contains.has = 1;
			eff->min_contains.v = json_number_value(mc);
			eff->min_contains.json = mc;
		}
		mc = json_object_get(o, "maxContains");
		if (json_is_number(mc)) {
			eff->max_contains.has = 1;
			eff->max_contains.v = json_number_value(mc);
			eff->max_contains.json = mc;
		}
	}
	return eff;
}

/* ---- drafts 2019-09 / 2020-12 (json-sKema + SchemaTranslator) ----------- */

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
	struct jdm_node *n = node_new(s, a->kind);
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
	struct jdm_node *n = combined_new(s, c, l->n);
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
		fail(s, SG_EINVALID_SCHEMA, "unknown type '%.60s'", t);
		return NULL;
	}
	struct jdm_node *n = node_new(s, k);
	if (n)
		n->integer = !strcmp(t, "integer");
	return n;
}

static struct jdm_node *load2020(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                                 int depth);

/* The node one keyword of a 2020-12 schema object contributes, or NULL with
 * *none set when it contributes nothing. */
static struct jdm_node *keyword2020(struct jdm_loader *l, const json_t *o, const char *k,
                                    const json_t *v, int doc, const char *base, int depth,
                                    int *none)
{
	struct jdm_space *s = l->space;
	struct jdm_node *n = NULL;
	*none = 0;
	if (!strcmp(k, "$ref"))
		return ref_new(l, v, doc, base);
	if (!strcmp(k, "type")) {
		if (json_is_string(v))
			return bare_type(l, json_string_value(v));
		if (!json_is_array(v)) {
			bad(l, "type", "a string or an array of strings");
			return NULL;
		}
		if (!(n = combined_new(s, JDM_ANY, json_array_size(v))))
			return NULL;
		n->generated = 1;
		for (size_t i = 0; i < json_array_size(v); i++) {
			const json_t *e = json_array_get(v, i);
			if (!json_is_string(e)) {
				bad(l, "type", "a string or an array of strings");
				return NULL;
			}
			if (!(n->subs[n->nsubs++] = bare_type(l, json_string_value(e))))
				return NULL;
		}
		return n;
	}
	if (!strcmp(k, "required")) {
		if (!(n = node_new(s, JDM_OBJECT)) ||
		    read_names(l, v, k, &n->required, &n->nrequired) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "not")) {
		if (!(n = node_new(s, JDM_NOT)) ||
		    !(n->not_schema = load_any(l, v, doc, base, depth + 1)))
			return NULL;
		return n;
	}
	if (!strcmp(k, "minLength") || !strcmp(k, "maxLength")) {
		if (!(n = node_new(s, JDM_STRING)) ||
		    read_int(l, o, k, k[1] == 'i' ? &n->min_length : &n->max_length) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "pattern")) {
		if (!(n = node_new(s, JDM_STRING)) || read_str(l, o, k, &n->pattern) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "minItems") || !strcmp(k, "maxItems")) {
		if (!(n = node_new(s, JDM_ARRAY)) ||
		    read_int(l, o, k, k[1] == 'i' ? &n->min_items : &n->max_items) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "minProperties") || !strcmp(k, "maxProperties")) {
		if (!(n = node_new(s, JDM_OBJECT)) ||
		    read_int(l, o, k, k[1] == 'i' ? &n->min_props : &n->max_props) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "minimum") || !strcmp(k, "maximum") || !strcmp(k, "exclusiveMinimum") ||
	    !strcmp(k, "exclusiveMaximum") || !strcmp(k, "multipleOf")) {
		if (!(n = node_new(s, JDM_NUMBER)))
			return NULL;
		struct jdm_num *f = !strcmp(k, "minimum")            ? &n->minimum
		                    : !strcmp(k, "maximum")          ? &n->maximum
		                    : !strcmp(k, "exclusiveMinimum") ? &n->excl_minimum
		                    : !strcmp(k, "exclusiveMaximum") ? &n->excl_maximum
		                                                     : &n->multiple_of;
		if (read_num(l, o, k, f) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "enum")) {
		if (!json_is_array(v)) {
			bad(l, k, "an array");
			return NULL;
		}
		if (!(n = node_new(s, JDM_ENUM)))
			return NULL;
		n->nvalues = json_array_size(v);
		n->values = jdm_alloc(s, (n->nvalues ? n->nvalues : 1) * sizeof *n->values);
		if (!n->values)
			return NULL;
		for (size_t i = 0; i < n->nvalues; i++)
			n->values[i] = json_array_get(v, i);
		return n;
	}
	if (!strcmp(k, "const")) {
		if ((n = node_new(s, JDM_CONST)))
			n->value = v;
		return n;
	}
	if (!strcmp(k, "dependentRequired")) {
		if (!json_is_object(v)) {
			bad(l, k, "an object");
			return NULL;
		}
		if (!(n = node_new(s, JDM_OBJECT)))
			return NULL;
		n->pdeps = jdm_alloc(s, (json_object_size(v) + 1) * sizeof *n->pdeps);
		if (!n->pdeps)
			return NULL;
		const char *dk;
		json_t *dv;
		json_object_foreach(JV(v), dk, dv)
		{
			struct jdm_pdep *d = &n->pdeps[n->npdeps++];
			d->name = dk;
			if (read_names(l, dv, k, &d->names, &d->nnames) < 0)
				return NULL;
		}
		return n;
	}
	if (!strcmp(k, "dependentSchemas")) {
		if (!json_is_object(v)) {
			bad(l, k, "an object");
			return NULL;
		}
		if (!(n = node_new(s, JDM_OBJECT)))
			return NULL;
		if (props_of(l, v, k, &n->sdeps, &n->nsdeps, 0, doc, base, depth) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "propertyNames")) {
		if (!load_any(l, v, doc, base, depth + 1))
			return NULL;
		return node_new(s, JDM_OBJECT);
	}
	if (!strcmp(k, "additionalProperties")) {
		struct jdm_node *sub = load_any(l, v, doc, base, depth + 1);
		if (!sub || !(n = node_new(s, JDM_OBJECT)))
			return NULL;
		if (sub->kind == JDM_FALSE)
			n->no_additional = 1;
		else if (sub->kind != JDM_TRUE)
			n->additional = sub;
		return n;
	}
	if (!strcmp(k, "if")) {
		if (!(n = node_new(s, JDM_COND)) ||
		    !(n->if_schema = load_any(l, v, doc, base, depth + 1)))
			return NULL;
		const json_t *t = json_object_get(o, "then"), *e = json_object_get(o, "else");
		if (t && !(n->then_schema = load_any(l, t, doc, base, depth + 1)))
			return NULL;
		if (e && !(n->else_schema = load_any(l, e, doc, base, depth + 1)))
			return NULL;
		return n;
	}
	if (!strcmp(k, "contains")) {
		if (!(n = node_new(s, JDM_ARRAY)) ||
		    !(n->contains = load_any(l, v, doc, base, depth + 1)))
			return NULL;
		const json_t *mc = json_object_get(o, "minContains");
		n->min_contains.has = 1;
		n->min_contains.v = json_is_number(mc) ? json_number_value(mc) : 1;
		n->min_contains.json = json_is_number(mc) ? mc : NULL;
		mc = json_object_get(o, "maxContains");
		if (json_is_number(mc)) {
			n->max_contains.has = 1;
			n->max_contains.v = json_number_value(mc);
			n->max_contains.json = mc;
		}
		return n;
	}
	if (!strcmp(k, "prefixItems")) {
		if (!json_is_array(v)) {
			bad(l, k, "an array of schemas");
			return NULL;
		}
		if (!(n = node_new(s, JDM_ARRAY)))
			return NULL;
		n->nitems = json_array_size(v);
		n->items = jdm_alloc(s, (n->nitems ? n->nitems : 1) * sizeof *n->items);
		if (!n->items)
			return NULL;
		for (size_t i = 0; i < n->nitems; i++)
			if (!(n->items[i] =
			          load_any(l, json_array_get(v, i), doc, base, depth + 1)))
				return NULL;
		return n;
	}
	if (!strcmp(k, "items")) {
		struct jdm_node *sub = load_any(l, v, doc, base, depth + 1);
		if (!sub || !(n = node_new(s, JDM_ARRAY)))
			return NULL;
		const json_t *pre = json_object_get(o, "prefixItems");
		size_t npre = json_is_array(pre) ? json_array_size(pre) : 0;
		if (sub->kind == JDM_FALSE)
			n->no_additional_items = 1;
		else if (sub->kind != JDM_TRUE && npre == 0)
			n->all_items = sub;
		else if (sub->kind != JDM_TRUE)
			n->additional_items = sub;
		return n;
	}
	if (!strcmp(k, "uniqueItems")) {
		if (!(n = node_new(s, JDM_ARRAY)) || read_bool(l, o, k, NULL, &n->unique) < 0)
			return NULL;
		return n;
	}
	if (!strcmp(k, "allOf") || !strcmp(k, "anyOf") || !strcmp(k, "oneOf")) {
		if (!json_is_array(v)) {
			bad(l, k, "an array of schemas");
			return NULL;
		}
		enum parent_kind p = k[0] == 'o' ? P_ONEOF : k[1] == 'l' ? P_ALLOF : P_ANYOF;
		enum jdm_criterion c = p == P_ALLOF ? JDM_ALL : p == P_ANYOF ? JDM_ANY : JDM_ONE;
		struct jdm_node *acc = combined_new(s, c, 0);
		if (!acc)
			return NULL;
		for (size_t i = 0; i < json_array_size(v); i++) {
			struct jdm_node *sub =
			    load_any(l, json_array_get(v, i), doc, base, depth + 1);
			if (!sub || !(acc = join(s, p, acc, sub)))
				return NULL;
		}
		return acc;
	}
	*none = 1;
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

static struct jdm_node *load2020(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                                 int depth)
{
	struct jdm_space *s = l->space;
	struct jdm_node *product = NULL;
	const char *k;
	json_t *v;
	json_object_foreach(JV(o), k, v)
	{
		int none;
		struct jdm_node *n = keyword2020(l, o, k, v, doc, base, depth, &none);
		if (none)
			continue;
		if (!n || !(product = fold(s, product, n)))
			return NULL;
	}
	/* One object node per property, merged in order: the same as one node
	 * holding them all, built directly. */
	static const char *const mapkw[] = {"properties", "patternProperties"};
	for (int m = 0; m < 2; m++) {
		const json_t *pv = json_object_get(o, mapkw[m]);
		if (!pv)
			continue;
		struct jdm_prop *pp;
		size_t np;
		if (props_of(l, pv, mapkw[m], &pp, &np, 0, doc, base, depth) < 0)
			return NULL;
		if (np == 0)
			continue;
		struct jdm_node *n = node_new(s, JDM_OBJECT);
		if (!n)
			return NULL;
		if (m == 0) {
			n->props = pp;
			n->nprops = np;
		} else {
			if (!(n->pprops = jdm_alloc(s, np * sizeof *n->pprops)))
				return NULL;
			for (size_t i = 0; i < np; i++) {
				n->pprops[i].pattern = pp[i].name;
				n->pprops[i].schema = pp[i].schema;
			}
			n->npprops = np;
		}
		if (!(product = fold(s, product, n)))
			return NULL;
	}
	static const char *const unevkw[] = {"unevaluatedItems", "unevaluatedProperties"};
	for (int m = 0; m < 2; m++) {
		const json_t *uv = json_object_get(o, unevkw[m]);
		if (!uv)
			continue;
		struct jdm_node *n = node_new(s, m == 0 ? JDM_ARRAY : JDM_OBJECT);
		if (!n || !(n->uneval = load_any(l, uv, doc, base, depth + 1)) ||
		    !(product = fold(s, product, n)))
			return NULL;
	}
	if (!product) {
		product = node_new(s, JDM_EMPTY);
	} else if (is_gen(product, JDM_ALL) && product->nsubs == 0) {
		product = node_new(s, JDM_EMPTY);
	} else if (is_gen(product, JDM_ALL) && product->nsubs == 1) {
		struct jdm_node *copy = node_new(s, JDM_EMPTY);
		if (copy)
			*copy = *product->subs[0];
		product = copy;
	}
	if (!product || annotations(l, o, product, 0) < 0)
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

static struct jdm_node *load_any(struct jdm_loader *l, const json_t *j, int doc, const char *base,
                                 int depth)
{
	struct jdm_space *s = l->space;
	struct jdm_node *n = map_get(&l->memo, j);
	if (n)
		return n;
	if (depth > JDM_MAX_DEPTH) {
		fail(s, SG_ELIMIT, "schema nested more than 200 levels deep");
		return NULL;
	}
	if (json_is_boolean(j)) {
		n = node_new(s, json_is_true(j) ? JDM_TRUE : JDM_FALSE);
	} else if (!json_is_object(j)) {
		fail(s, SG_EINVALID_SCHEMA, "a schema must be an object or a boolean");
		return NULL;
	} else {
		if (!(base = base_inside(l, j, base)))
			return NULL;
		n = l->draft >= JDM_DRAFT2019 ? load2020(l, j, doc, base, depth)
		                              : load7(l, j, doc, base, depth);
	}
	if (!n || map_put(s, &l->memo, j, n) < 0)
		return NULL;
	return n;
}

struct jdm_node *jdm_load_root(struct jdm_loader *l)
{
	return load_any(l, l->docs[0].root, 0, l->docs[0].uri, 0);
}

/* ---- $ref resolution ------------------------------------------------------ */

/* Follows the JSON pointer of `n` bytes at `ptr` (already percent-decoded)
 * from `j`, keeping *base the base URI in effect just outside the current
 * value. NULL when the pointer names nothing (or, with the error set, when
 * memory ran out). */
static const json_t *pointer_walk(struct jdm_loader *l, const json_t *j, const char *ptr, size_t n,
                                  const char **base)
{
	const char *p = ptr, *end = ptr + n;
	char *tok = jdm_alloc(l->space, n + 1);
	if (!tok)
		return NULL;
	while (j && p < end) {
		if (!(*base = base_inside(l, j, *base)))
			return NULL;
		j = jsuri_pointer_step(JV(j), &p, end, tok);
	}
	return j;
}

/* Finds the document for `uri` (no fragment), asking the resolver for
 * documents not seen yet. Returns its index, or -1 with *missing set when
 * nobody knows the URI (or with the error set on a real error). */
static int doc_for(struct jdm_loader *l, const char *uri, const char *raw, int *missing)
{
	for (int d = 0; d < l->ndocs; d++)
		if (!strcmp(l->docs[d].uri, uri) || !strcmp(l->docs[d].base, uri))
			return d;
	if (!l->resolve) {
		*missing = 1;
		return -1;
	}
	const json_t *root = l->resolve(l->resolve_ctx, uri);
	if (!root && strcmp(uri, raw))
		root = l->resolve(l->resolve_ctx, raw);
	if (!root) {
		*missing = 1;
		return -1;
	}
	for (int d = 0; d < l->ndocs; d++)
		if (l->docs[d].root == root)
			return d;
	return add_doc(l, root, uri);
}

static struct idref *find_id(struct jdm_loader *l, const char *key, int *doc)
{
	for (int d = 0; d < l->ndocs; d++) {
		struct idref *r = map_get(&l->docs[d].ids, key);
		if (r) {
			*doc = d;
			return r;
		}
	}
	return NULL;
}

static struct jdm_node *unresolved(struct jdm_loader *l, const struct jdm_node *r)
{
	fail(l->space, SG_EINVALID_SCHEMA, "unresolved $ref '%.200s'", r->ref);
	return NULL;
}

static struct jdm_node *resolve_ref(struct jdm_loader *l, struct jdm_node *r)
{
	struct jdm_space *s = l->space;
	char *full = uri_resolve(s, r->ref_base ? r->ref_base : "", r->ref);
	if (!full)
		return NULL;
	size_t ulen = strcspn(full, "#");
	char *uri = sdup(s, full, ulen);
	char *raw = sdup(s, r->ref, strcspn(r->ref, "#"));
	const char *frag = full[ulen] == '#' ? full + ulen + 1 : "";
	if (!uri || !raw)
		return NULL;
	char *m;
	size_t o;
	int rc = jsuri_unescape(frag, strlen(frag), &m, &o);
	if (rc == -1)
		return unresolved(l, r);
	char *dec = adopt(s, m, o);
	if (!dec)
		return NULL;

	int doc = r->ref_doc;
	if (dec[0] && dec[0] != '/') {
		/* A plain-name fragment: an anchor ($id "#name" or $anchor "name"). */
		char *key = jdm_alloc(s, ulen + o + 2);
		if (!key)
			return NULL;
		memcpy(key, uri, ulen);
		key[ulen] = '#';
		memcpy(key + ulen + 1, dec, o + 1);
		struct idref *a = find_id(l, key, &doc);
		if (!a)
			return unresolved(l, r);
		return load_any(l, a->schema, doc, a->parent_base, 0);
	}

	const json_t *scope;
	const char *base;
	struct idref *id = find_id(l, uri, &doc);
	if (id) {
		scope = id->schema;
		base = id->parent_base;
	} else if (ulen == 0 || !strcmp(uri, l->docs[r->ref_doc].base) ||
	           !strcmp(uri, l->docs[r->ref_doc].uri)) {
		doc = r->ref_doc;
		scope = l->docs[doc].root;
		base = l->docs[doc].uri;
	} else {
		int missing = 0;
		doc = doc_for(l, uri, raw, &missing);
		if (doc < 0)
			return missing ? unresolved(l, r) : NULL;
		scope = l->docs[doc].root;
		base = l->docs[doc].uri;
	}
	const char *tbase = base;
	const json_t *target = pointer_walk(l, scope, dec, o, &tbase);
	/* Confluent copies top-level "definitions" into "$defs" before loading. */
	if (!target && !s->failed && !strncmp(dec, "/$defs/", 7) && scope == l->docs[doc].root &&
	    json_is_object(scope) &&
	    (!json_object_get(scope, "$defs") || json_is_object(json_object_get(scope, "$defs")))) {
		tbase = base;
		char *alt = jdm_alloc(s, o + 8);
		if (!alt)
			return NULL;
		memcpy(alt, "/definitions/", 13);
		memcpy(alt + 13, dec + 7, o - 7 + 1);
		target = pointer_walk(l, scope, alt, o + 6, &tbase);
	}
	if (!target)
		return s->failed ? NULL : unresolved(l, r);
	return load_any(l, target, doc, tbase, 0);
}

struct jdm_node *jdm_deref(struct jdm_node *n)
{
	for (int hops = 0; n && n->kind == JDM_REF; hops++) {
		struct jdm_loader *l = n->loader;
		if (hops >= JDM_MAX_REF_CHAIN) {
			fail(l->space, SG_ELIMIT, "$ref chain longer than 64 at '%.200s'", n->ref);
			return NULL;
		}
		if (!n->target && !(n->target = resolve_ref(l, n)))
			return NULL;
		n = n->target;
	}
	return n;
}

/* ---- structural equality ---------------------------------------------------- */

static int str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int num_eq(const struct jdm_num *a, const struct jdm_num *b)
{
	return a->has == b->has && (!a->has || a->v == b->v);
}

/* Work left for one equality test; it stops (as "different") when spent. */
struct eqs {
	unsigned long budget;
	int spent;
};

static int node_eq(struct eqs *e, const struct jdm_node *a, const struct jdm_node *b, int depth);

static int tick(struct eqs *e)
{
	if (e->budget == 0) {
		e->spent = 1;
		return 0;
	}
	e->budget--;
	return 1;
}

static int opt_eq(struct eqs *e, const struct jdm_node *a, const struct jdm_node *b, int depth)
{
	if (!a || !b)
		return a == b;
	return node_eq(e, a, b, depth + 1);
}

/* Equality as maps. Lists in the same order compare in one pass; long lists
 * in different orders count as different (only duplicate detection uses
 * this, so the cost of a false "different" is one more comparison). */
static int props_eq(struct eqs *e, const struct jdm_prop *a, size_t na, const struct jdm_prop *b,
                    size_t nb, int depth)
{
	if (na != nb)
		return 0;
	size_t same = 0;
	while (same < na && tick(e) && !strcmp(a[same].name, b[same].name))
		same++;
	if (same == na) {
		for (size_t i = 0; i < na; i++)
			if (!node_eq(e, a[i].schema, b[i].schema, depth + 1))
				return 0;
		return 1;
	}
	if (na > 64)
		return 0;
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;
		while (j < nb && tick(e) && strcmp(a[i].name, b[j].name))
			j++;
		if (j == nb || !node_eq(e, a[i].schema, b[j].schema, depth + 1))
			return 0;
	}
	return 1;
}

static int names_eq(struct eqs *e, const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t same = 0;
	while (same < na && same < nb && tick(e) && !strcmp(a[same], b[same]))
		same++;
	if (same == na && same == nb)
		return 1;
	if (na > 64 || nb > 64)
		return 0;
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;
		while (j < nb && tick(e) && strcmp(a[i], b[j]))
			j++;
		if (j == nb)
			return 0;
	}
	for (size_t i = 0; i < nb; i++) {
		size_t j = 0;
		while (j < na && tick(e) && strcmp(b[i], a[j]))
			j++;
		if (j == na)
			return 0;
	}
	return 1;
}

static int node_eq(struct eqs *e, const struct jdm_node *a, const struct jdm_node *b, int depth)
{
	if (!tick(e))
		return 0;
	if (a == b)
		return 1;
	if (depth > 64 || a->kind != b->kind)
		return 0;
	if (!str_eq(a->id, b->id) || !str_eq(a->title, b->title) ||
	    !str_eq(a->description, b->description) || a->has_default != b->has_default ||
	    (a->def != b->def && (!a->def || !b->def || !json_equal(JV(a->def), JV(b->def)))) ||
	    !str_eq(a->connect_type, b->connect_type) || !opt_eq(e, a->uneval, b->uneval, depth))
		return 0;
	switch (a->kind) {
	case JDM_STRING:
		return num_eq(&a->min_length, &b->min_length) &&
		       num_eq(&a->max_length, &b->max_length) && str_eq(a->pattern, b->pattern);
	case JDM_NUMBER:
		return a->integer == b->integer && num_eq(&a->minimum, &b->minimum) &&
		       num_eq(&a->maximum, &b->maximum) &&
		       num_eq(&a->excl_minimum, &b->excl_minimum) &&
		       num_eq(&a->excl_maximum, &b->excl_maximum) &&
		       num_eq(&a->multiple_of, &b->multiple_of);
	case JDM_OBJECT:
		if (!props_eq(e, a->props, a->nprops, b->props, b->nprops, depth) ||
		    !props_eq(e, a->sdeps, a->nsdeps, b->sdeps, b->nsdeps, depth) ||
		    !names_eq(e, a->required, a->nrequired, b->required, b->nrequired) ||
		    a->no_additional != b->no_additional ||
		    !opt_eq(e, a->additional, b->additional, depth) ||
		    !num_eq(&a->min_props, &b->min_props) ||
		    !num_eq(&a->max_props, &b->max_props) || a->npprops != b->npprops ||
		    a->npdeps != b->npdeps)
			return 0;
		for (size_t i = 0; i < a->npprops; i++)
			if (strcmp(a->pprops[i].pattern, b->pprops[i].pattern) ||
			    !node_eq(e, a->pprops[i].schema, b->pprops[i].schema, depth + 1))
				return 0;
		for (size_t i = 0; i < a->npdeps; i++)
			if (strcmp(a->pdeps[i].name, b->pdeps[i].name) ||
			    !names_eq(e, a->pdeps[i].names, a->pdeps[i].nnames, b->pdeps[i].names,
			              b->pdeps[i].nnames))
				return 0;
		return 1;
	case JDM_ARRAY:
		if (!opt_eq(e, a->all_items, b->all_items, depth) || a->nitems != b->nitems ||
		    a->no_additional_items != b->no_additional_items ||
		    !opt_eq(e, a->additional_items, b->additional_items, depth) ||
		    !num_eq(&a->min_items, &b->min_items) ||
		    !num_eq(&a->max_items, &b->max_items) ||
		    !num_eq(&a->min_contains, &b->min_contains) ||
		    !num_eq(&a->max_contains, &b->max_contains) || a->unique != b->unique ||
		    !opt_eq(e, a->contains, b->contains, depth))
			return 0;
		for (size_t i = 0; i < a->nitems; i++)
			if (!node_eq(e, a->items[i], b->items[i], depth + 1))
				return 0;
		return 1;
	case JDM_ENUM:
		if (a->nvalues != b->nvalues)
			return 0;
		for (size_t i = 0; i < a->nvalues; i++)
			if (!json_equal(JV(a->values[i]), JV(b->values[i])))
				return 0;
		return 1;
	case JDM_CONST:
		return json_equal(JV(a->value), JV(b->value));
	case JDM_COMBINED:
		if (a->criterion != b->criterion || a->nsubs != b->nsubs)
			return 0;
		for (size_t i = 0; i < a->nsubs; i++)
			if (!node_eq(e, a->subs[i], b->subs[i], depth + 1))
				return 0;
		return 1;
	case JDM_NOT:
		return node_eq(e, a->not_schema, b->not_schema, depth + 1);
	case JDM_REF:
		return !strcmp(a->ref, b->ref) && str_eq(a->ref_base, b->ref_base);
	case JDM_COND:
		return opt_eq(e, a->if_schema, b->if_schema, depth) &&
		       opt_eq(e, a->then_schema, b->then_schema, depth) &&
		       opt_eq(e, a->else_schema, b->else_schema, depth);
	default:
		return 1;
	}
}

int jdm_node_equal(const struct jdm_node *a, const struct jdm_node *b, unsigned long *budget)
{
	struct eqs e = {.budget = *budget};
	int eq = node_eq(&e, a, b, 0);
	*budget = e.budget;
	return e.spent ? -1 : eq;
}

/* ---- patterns ---------------------------------------------------------------- */

int jdm_pattern_find(struct jdm_space *s, const char *pattern, const char *subject)
{
	struct jsregex *re = map_get(&s->patterns, pattern);
	if (!re) {
		char why[128];
		int nomem = 0;
		re = jsregex_compile(pattern, strlen(pattern), &nomem, why, sizeof why);
		if (!re && nomem)
			return fail(s, SG_ENOMEM, "out of memory");
		if (!re)
			return fail(s, SG_EINVALID_SCHEMA,
			            "invalid regular expression '%.100s': %s", pattern, why);
		if (map_put(s, &s->patterns, pattern, re) < 0) {
			jsregex_free(re);
			return -1;
		}
	}
	int rc = jsregex_match(re, subject, strlen(subject), &s->scratch);
	if (rc == -2)
		return fail(s, SG_ENOMEM, "out of memory");
	if (rc < 0)
		return fail(s, SG_ELIMIT, "regular expression '%.100s' is too costly to match",
		            pattern);
	return rc;
}
