/* compat/jsonschema/jsondiff_model.c: the space the JSON Schema differ's model
 * lives in, the documents and their $id index, the keyword readers both
 * loaders share, $ref resolution, structural equality and patterns (see
 * jsondiff_model.h for what the model is and why).
 *
 * The model of one schema object is built by one of two loaders:
 *  - jsondiff_everit.c for drafts 4, 6 and 7 (everit's SchemaLoader);
 *  - jsondiff_skema.c for drafts 2019-09 and 2020-12 (json-sKema plus
 *    Confluent's SchemaTranslator).
 * URIs and JSON pointers are read by compat/jsuri and patterns by
 * compat/jsregex, exactly as the validator reads them.
 */
#include "compat/jsonschema/jsondiff_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jsondiff_load.h"
#include "compat/jsonschema/jsregex.h"
#include "compat/jsonschema/jsuri.h"

/* ---- arena --------------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct jdm_space {
	struct chunk *chunks;
	size_t bytes, max_bytes;
	struct sg_error *err;
	int failed;              /* an error was recorded */
	struct jdm_map patterns; /* pattern string -> struct jsregex* */
	struct jsregex_scratch *scratch;
	struct jdm_loader **loaders;
	size_t nloaders;
};

/* A subschema named by a $id or an anchor, with the base URI in effect just
 * outside it (jdm_load_any() applies the subschema's own $id). */
struct jdm_idref {
	const json_t *schema;
	const char *parent_base;
};

int jdm_fail(struct jdm_space *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(s->err, code, fmt, ap);
	va_end(ap);
	s->failed = 1;
	return -1;
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

static void map_free(struct jdm_map *m)
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
		return jdm_fail(s, SG_ELIMIT, "schema comparison needs more than the memory limit");
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
			jdm_fail(s, SG_ENOMEM, "out of memory");
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

static size_t map_hash(const struct jdm_map *m, const void *k)
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

static int map_eq(const struct jdm_map *m, const void *a, const void *b)
{
	return m->strings ? strcmp(a, b) == 0 : a == b;
}

static void **map_slot(const struct jdm_map *m, const void *k)
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

static void *map_get(const struct jdm_map *m, const void *k)
{
	void **v = map_slot(m, k);
	return v ? *v : NULL;
}

static int map_put(struct jdm_space *s, struct jdm_map *m, const void *k, void *v)
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
			return jdm_fail(s, SG_ENOMEM, "out of memory");
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
		jdm_fail(s, SG_ENOMEM, "out of memory");
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

const char *jdm_id_keyword(const struct jdm_loader *l)
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
	const json_t *id = json_is_object(j) ? json_object_get(j, jdm_id_keyword(l)) : NULL;
	if (!json_is_string(id) || json_string_value(id)[0] == '#')
		return base;
	if (l->draft < JDM_DRAFT2019 && json_object_get(j, "$ref"))
		return base;
	char *b = uri_resolve(l->space, base, json_string_value(id));
	if (b)
		b[strcspn(b, "#")] = '\0';
	return b;
}

static int add_id(struct jdm_loader *l, struct jdm_doc *d, const char *key, const json_t *schema,
                  const char *parent_base)
{
	if (map_get(&d->ids, key))
		return 0;
	struct jdm_idref *r = jdm_alloc(l->space, sizeof *r);
	if (!r)
		return -1;
	r->schema = schema;
	r->parent_base = parent_base;
	return map_put(l->space, &d->ids, key, r);
}

/* Records every $id (and anchor) of a document so $refs can find them.
 * `base` is the base URI in effect just outside `j`. */
static int index_ids(struct jdm_loader *l, struct jdm_doc *d, const json_t *j, const char *base,
                     int depth, size_t *budget)
{
	struct jdm_space *s = l->space;
	if (depth > 4 * JDM_MAX_DEPTH)
		return jdm_fail(s, SG_ELIMIT, "schema nested more than 200 levels deep");
	if (*budget == 0)
		return jdm_fail(s, SG_ELIMIT, "schema has too many subschemas");
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
	const json_t *id = json_object_get(j, jdm_id_keyword(l));
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
		jdm_fail(l->space, SG_ELIMIT, "more than 64 referenced schema documents");
		return -1;
	}
	struct jdm_doc *d = &l->docs[l->ndocs];
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
		jdm_fail(s, SG_ENOMEM, "out of memory");
		return NULL;
	}
	s->loaders = ls;
	struct jdm_loader *l = calloc(1, sizeof *l);
	if (!l) {
		jdm_fail(s, SG_ENOMEM, "out of memory");
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

struct jdm_node *jdm_node_new(struct jdm_space *s, enum jdm_kind kind)
{
	struct jdm_node *n = jdm_alloc(s, sizeof *n);
	if (n)
		n->kind = kind;
	return n;
}

struct jdm_node *jdm_combined_new(struct jdm_space *s, enum jdm_criterion c, size_t n)
{
	struct jdm_node *node = jdm_node_new(s, JDM_COMBINED);
	if (!node)
		return NULL;
	node->criterion = c;
	node->subs = jdm_alloc(s, (n ? n : 1) * sizeof *node->subs);
	return node->subs ? node : NULL;
}

int jdm_bad(struct jdm_loader *l, const char *key, const char *what)
{
	return jdm_fail(l->space, SG_EINVALID_SCHEMA, "keyword '%.60s' must be %s", key, what);
}

int jdm_read_num(struct jdm_loader *l, const json_t *o, const char *key, struct jdm_num *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_number(v))
		return jdm_bad(l, key, "a number");
	out->has = 1;
	out->v = json_number_value(v);
	out->json = v;
	return 0;
}

void jdm_read_lenient_num(const json_t *o, const char *key, struct jdm_num *out)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_number(v)) {
		out->has = 1;
		out->v = json_number_value(v);
		out->json = v;
	}
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

int jdm_read_int(struct jdm_loader *l, const json_t *o, const char *key, struct jdm_num *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) && !(json_is_real(v) && is_integral(json_real_value(v))))
		return jdm_bad(l, key, "an integer");
	out->has = 1;
	out->v = json_number_value(v);
	out->json = v;
	return 0;
}

int jdm_read_str(struct jdm_loader *l, const json_t *o, const char *key, const char **out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return jdm_bad(l, key, "a string");
	*out = json_string_value(v);
	return 0;
}

int jdm_read_bool(struct jdm_loader *l, const json_t *o, const char *key, int *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return jdm_bad(l, key, "a boolean");
	*out = json_is_true(v);
	return 0;
}

int jdm_read_names(struct jdm_loader *l, const json_t *v, const char *key, const char ***out,
                   size_t *n)
{
	if (!json_is_array(v))
		return jdm_bad(l, key, "an array of strings");
	size_t len = json_array_size(v);
	const char **names = jdm_alloc(l->space, (len ? len : 1) * sizeof *names);
	if (!names)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(v, i);
		if (!json_is_string(e))
			return jdm_bad(l, key, "an array of strings");
		names[i] = json_string_value(e);
	}
	*out = names;
	*n = len;
	return 0;
}

int jdm_read_schemas(struct jdm_loader *l, const json_t *v, const char *key, int doc,
                     const char *base, int depth, struct jdm_node ***out, size_t *n)
{
	if (!json_is_array(v))
		return jdm_bad(l, key, "an array of schemas");
	size_t len = json_array_size(v);
	struct jdm_node **subs = jdm_alloc(l->space, (len ? len : 1) * sizeof *subs);
	if (!subs)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!(subs[i] = jdm_load_any(l, json_array_get(v, i), doc, base, depth + 1)))
			return -1;
	*out = subs;
	*n = len;
	return 0;
}

int jdm_read_props(struct jdm_loader *l, const json_t *v, const char *key, int skip_id, int doc,
                   const char *base, int depth, struct jdm_prop **out, size_t *n)
{
	if (!json_is_object(v))
		return jdm_bad(l, key, "an object");
	size_t cap = json_object_size(v);
	struct jdm_prop *p = jdm_alloc(l->space, (cap ? cap : 1) * sizeof *p);
	if (!p)
		return -1;
	size_t i = 0;
	const char *k;
	json_t *e;
	json_object_foreach(JV(v), k, e)
	{
		if (skip_id && !strcmp(k, jdm_id_keyword(l)) && !json_is_object(e))
			continue;
		p[i].name = k;
		if (!(p[i].schema = jdm_load_any(l, e, doc, base, depth + 1)))
			return -1;
		i++;
	}
	*out = p;
	*n = i;
	return 0;
}

int jdm_read_patterns(struct jdm_loader *l, const json_t *v, int doc, const char *base, int depth,
                      struct jdm_pattern **out, size_t *n)
{
	struct jdm_prop *pp;
	size_t np;
	if (jdm_read_props(l, v, "patternProperties", 0, doc, base, depth, &pp, &np) < 0)
		return -1;
	struct jdm_pattern *pat = jdm_alloc(l->space, (np ? np : 1) * sizeof *pat);
	if (!pat)
		return -1;
	for (size_t i = 0; i < np; i++) {
		pat[i].pattern = pp[i].name;
		pat[i].schema = pp[i].schema;
	}
	*out = pat;
	*n = np;
	return 0;
}

struct jdm_node *jdm_enum_new(struct jdm_loader *l, const json_t *v)
{
	if (!json_is_array(v)) {
		jdm_bad(l, "enum", "an array");
		return NULL;
	}
	struct jdm_node *n = jdm_node_new(l->space, JDM_ENUM);
	if (!n)
		return NULL;
	n->nvalues = json_array_size(v);
	n->values = jdm_alloc(l->space, (n->nvalues ? n->nvalues : 1) * sizeof *n->values);
	if (!n->values)
		return NULL;
	for (size_t i = 0; i < n->nvalues; i++)
		n->values[i] = json_array_get(v, i);
	return n;
}

struct jdm_node *jdm_ref_new(struct jdm_loader *l, const json_t *v, int doc, const char *base)
{
	if (!json_is_string(v)) {
		jdm_bad(l, "$ref", "a string");
		return NULL;
	}
	struct jdm_node *n = jdm_node_new(l->space, JDM_REF);
	if (n) {
		n->ref = json_string_value(v);
		n->ref_base = base;
		n->ref_doc = doc;
		n->loader = l;
	}
	return n;
}

struct jdm_node *jdm_cond_new(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                              int depth)
{
	struct jdm_node *n = jdm_node_new(l->space, JDM_COND);
	const json_t *v;
	if (!n)
		return NULL;
	if ((v = json_object_get(o, "if")) &&
	    !(n->if_schema = jdm_load_any(l, v, doc, base, depth + 1)))
		return NULL;
	if ((v = json_object_get(o, "then")) &&
	    !(n->then_schema = jdm_load_any(l, v, doc, base, depth + 1)))
		return NULL;
	if ((v = json_object_get(o, "else")) &&
	    !(n->else_schema = jdm_load_any(l, v, doc, base, depth + 1)))
		return NULL;
	return n;
}

int jdm_annotations(struct jdm_loader *l, const json_t *o, struct jdm_node *n, int with_id)
{
	if (with_id && jdm_read_str(l, o, jdm_id_keyword(l), &n->id) < 0)
		return -1;
	if (jdm_read_str(l, o, "title", &n->title) < 0 ||
	    jdm_read_str(l, o, "description", &n->description) < 0)
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

/* ---- loading --------------------------------------------------------------- */

struct jdm_node *jdm_load_any(struct jdm_loader *l, const json_t *j, int doc, const char *base,
                              int depth)
{
	struct jdm_space *s = l->space;
	struct jdm_node *n = map_get(&l->memo, j);
	if (n)
		return n;
	if (depth > JDM_MAX_DEPTH) {
		jdm_fail(s, SG_ELIMIT, "schema nested more than 200 levels deep");
		return NULL;
	}
	if (json_is_boolean(j)) {
		n = jdm_node_new(s, json_is_true(j) ? JDM_TRUE : JDM_FALSE);
	} else if (!json_is_object(j)) {
		jdm_fail(s, SG_EINVALID_SCHEMA, "a schema must be an object or a boolean");
		return NULL;
	} else {
		if (!(base = base_inside(l, j, base)))
			return NULL;
		n = l->draft >= JDM_DRAFT2019 ? jdm_load2020(l, j, doc, base, depth)
		                              : jdm_load7(l, j, doc, base, depth);
	}
	if (!n || map_put(s, &l->memo, j, n) < 0)
		return NULL;
	return n;
}

struct jdm_node *jdm_load_root(struct jdm_loader *l)
{
	return jdm_load_any(l, l->docs[0].root, 0, l->docs[0].uri, 0);
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

static struct jdm_idref *find_id(struct jdm_loader *l, const char *key, int *doc)
{
	for (int d = 0; d < l->ndocs; d++) {
		struct jdm_idref *r = map_get(&l->docs[d].ids, key);
		if (r) {
			*doc = d;
			return r;
		}
	}
	return NULL;
}

static struct jdm_node *unresolved(struct jdm_loader *l, const struct jdm_node *r)
{
	jdm_fail(l->space, SG_EINVALID_SCHEMA, "unresolved $ref '%.200s'", r->ref);
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
		struct jdm_idref *a = find_id(l, key, &doc);
		if (!a)
			return unresolved(l, r);
		return jdm_load_any(l, a->schema, doc, a->parent_base, 0);
	}

	const json_t *scope;
	const char *base;
	struct jdm_idref *id = find_id(l, uri, &doc);
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
	return jdm_load_any(l, target, doc, tbase, 0);
}

struct jdm_node *jdm_deref(struct jdm_node *n)
{
	for (int hops = 0; n && n->kind == JDM_REF; hops++) {
		struct jdm_loader *l = n->loader;
		if (hops >= JDM_MAX_REF_CHAIN) {
			jdm_fail(l->space, SG_ELIMIT, "$ref chain longer than 64 at '%.200s'",
			         n->ref);
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
			return jdm_fail(s, SG_ENOMEM, "out of memory");
		if (!re)
			return jdm_fail(s, SG_EINVALID_SCHEMA,
			                "invalid regular expression '%.100s': %s", pattern, why);
		if (map_put(s, &s->patterns, pattern, re) < 0) {
			jsregex_free(re);
			return -1;
		}
	}
	int rc = jsregex_match(re, subject, strlen(subject), &s->scratch);
	if (rc == -2)
		return jdm_fail(s, SG_ENOMEM, "out of memory");
	if (rc < 0)
		return jdm_fail(s, SG_ELIMIT, "regular expression '%.100s' is too costly to match",
		                pattern);
	return rc;
}
