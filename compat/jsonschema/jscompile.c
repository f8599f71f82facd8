/* compat/jsonschema/jscompile.c: compiles JSON Schema documents into the node graph of
 * jscompile.h.
 *
 * Compilation runs in four passes:
 * 1. Scan (jscompile_scan.c): every document (the root, named schemas,
 *    fetched ones) is walked once through the subschema keywords of its
 *    draft, recording for each subschema its resource (the nearest "$id"),
 *    draft, vocabularies and location, and registering "$id"s and anchors
 *    by URI.
 * 2. Compile: nodes are built from the root on a worklist (no recursion, so
 *    long "$ref" chains cannot exhaust the stack); each "$ref" is resolved
 *    (jscompile_scan.c) to a node, loading documents through the bundled meta-schemas, the
 *    named schemas or the resolver when its URI is not yet known. Dynamic
 *    anchor candidates are compiled too when "$dynamicRef"/"$recursiveRef"
 *    is used.
 *    "const" and "enum" values become compat/jsdoc documents, "required"
 *    folds into the properties walk when it can.
 * 3. Check: a depth-first search rejects cycles of in-place keywords
 *    ("$ref", "allOf", ...) that would recurse forever on one instance.
 * 4. Collapse: when no dynamic reference is used, references to nodes that
 *    hold nothing but a "$ref" point straight at its target.
 */
#include "compat/jsonschema/jscompile.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jscompile_state.h"
#include "compat/jsonschema/jsformat.h"

/* --- arena --- */

struct jsarena {
	struct jsarena *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

void *jsc_alloc(struct jsonschema *v, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct jsarena *a = v->arena;
	if (!a || a->cap - a->used < n) {
		size_t cap = n > 16384 ? n : 16384;
		a = calloc(1, sizeof *a + cap);
		if (!a)
			return NULL;
		a->cap = cap;
		a->next = v->arena;
		v->arena = a;
	}
	void *p = a->data + a->used;
	a->used += n;
	return p;
}

char *jsc_strndup(struct jsonschema *v, const char *s, size_t n)
{
	char *p = jsc_alloc(v, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* --- hash maps: string keys or pointer keys --- */

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t hash_ptr(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static int key_eq(const struct map *m, const struct mapent *e, const void *key, size_t n,
                  uint64_t h)
{
	if (e->h != h)
		return 0;
	if (!m->strkeys)
		return e->key == key;
	return strlen(e->key) == n && memcmp(e->key, key, n) == 0;
}

void *jsc_map_getn(const struct map *m, const void *key, size_t n)
{
	if (!m->cap)
		return NULL;
	uint64_t h = m->strkeys ? hash_str(key, n) : hash_ptr(key);
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const struct mapent *e = &m->e[i];
		if (!e->key)
			return NULL;
		if (key_eq(m, e, key, n, h))
			return e->val;
	}
}

void *jsc_map_get(const struct map *m, const void *key)
{
	return jsc_map_getn(m, key, m->strkeys ? strlen(key) : 0);
}

/* Inserts `key` (which must outlive the map) unless present. Returns 1 when
 * inserted, 0 when the key was already there, -1 when out of memory. */
int jsc_map_put(struct map *m, const void *key, void *val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct mapent *e = calloc(cap, sizeof *e);
		if (!e)
			return -1;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->e[i].key)
				continue;
			size_t j = m->e[i].h & (cap - 1);
			while (e[j].key)
				j = (j + 1) & (cap - 1);
			e[j] = m->e[i];
		}
		free(m->e);
		m->e = e;
		m->cap = cap;
	}
	size_t n = m->strkeys ? strlen(key) : 0;
	uint64_t h = m->strkeys ? hash_str(key, n) : hash_ptr(key);
	size_t i = h & (m->cap - 1);
	for (; m->e[i].key; i = (i + 1) & (m->cap - 1))
		if (key_eq(m, &m->e[i], key, n, h))
			return 0;
	m->e[i] = (struct mapent){key, val, h};
	m->n++;
	return 1;
}

/* --- compiler state --- */

int jsc_oom(struct comp *c)
{
	return error_set(c->err, SG_ENOMEM, "out of memory compiling a JSON schema");
}

int jsc_bad(struct comp *c, const char *loc, const char *kw, const char *what)
{
	return error_set(c->err, SG_EINVALID_SCHEMA, "invalid schema at %s%s%s: %s", loc,
	                 kw ? "/" : "", kw ? kw : "", what);
}

/* --- nodes --- */

static struct jsnode *new_node(struct comp *c, int kind, const char *loc)
{
	struct jsnode *n = jsc_alloc(c->v, sizeof *n);
	if (!n) {
		jsc_oom(c);
		return NULL;
	}
	n->kind = (uint8_t)kind;
	n->loc = loc;
	n->reals_are_ints = 1;
	return n;
}

/* The node for schema value `s` found at `loc` under a parent with scan
 * context `parent` (NULL for a reference target). Object schemas get one
 * node each, compiled later from the worklist; booleans get a fresh node. */
static struct jsnode *node_for(struct comp *c, json_t *s, const char *loc,
                               const struct scaninfo *parent)
{
	if (json_is_boolean(s))
		return new_node(c, json_is_true(s) ? JSNODE_TRUE : JSNODE_FALSE, loc);
	if (!json_is_object(s)) {
		jsc_bad(c, loc, NULL, "a schema must be an object or a boolean");
		return NULL;
	}
	struct scaninfo *si = jsc_map_get(&c->scans, s);
	if (!si && parent) {
		if (jsc_scan(c, s, parent->res, parent->draft, parent->vocab, loc, 0, 0) < 0)
			return NULL;
		si = jsc_map_get(&c->scans, s);
	}
	if (!si) {
		error_set(c->err, SG_EINTERNAL, "schema at %s was not scanned", loc);
		return NULL;
	}
	if (si->node)
		return si->node;
	struct jsnode *n = new_node(c, JSNODE_SCHEMA, si->loc);
	if (!n)
		return NULL;
	n->res = si->res;
	n->reals_are_ints = si->draft >= 6;
	si->node = n;
	if (si->res->json == s)
		si->res->root = n;
	if (c->nwork == c->capwork) {
		size_t cap = c->capwork ? c->capwork * 2 : 64;
		struct scaninfo **w = realloc(c->work, cap * sizeof *w);
		if (!w) {
			jsc_oom(c);
			return NULL;
		}
		c->work = w;
		c->capwork = cap;
	}
	c->work[c->nwork++] = si;
	if (c->nnodes == c->capnodes) {
		size_t cap = c->capnodes ? c->capnodes * 2 : 64;
		struct jsnode **ns = realloc(c->nodes, cap * sizeof *ns);
		if (!ns) {
			jsc_oom(c);
			return NULL;
		}
		c->nodes = ns;
		c->capnodes = cap;
	}
	n->id = (uint32_t)c->nnodes;
	c->nodes[c->nnodes++] = n;
	return n;
}

/* The node for the subschema at s[kw] (or s[kw][key] / s[kw][idx]). */
static struct jsnode *sub(struct comp *c, const struct scaninfo *si, json_t *val, const char *kw,
                          const char *key, size_t idx)
{
	const char *loc = jsc_loc_join(c, si->loc, kw, 0);
	if (loc && (key || idx != (size_t)-1))
		loc = jsc_loc_join(c, loc, key, idx);
	if (!loc) {
		jsc_oom(c);
		return NULL;
	}
	return node_for(c, val, loc, si);
}

/* --- keyword compilation --- */

/* Operations of the node being compiled (a node has at most one of each). */
struct kwbuf {
	struct jskw kw[48];
	size_t n;
};

static struct jskw *add_kw(struct kwbuf *b, int op, const char *name)
{
	struct jskw *k = &b->kw[b->n++];
	memset(k, 0, sizeof *k);
	k->op = (uint8_t)op;
	k->name = name;
	return k;
}

/* Reads a non-negative integer keyword (2.0 counts as 2). Returns 1 when
 * present, 0 when absent, -1 on error. */
static int get_count(struct comp *c, const struct scaninfo *si, const char *kw, size_t *out)
{
	json_t *v = json_object_get(si->json, kw);
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (size_t)json_integer_value(v);
		return 1;
	}
	if (json_is_real(v) && json_real_value(v) >= 0 &&
	    jsvalue_real_is_whole(json_real_value(v))) {
		double d = json_real_value(v);
		*out = d >= 1e18 ? (size_t)-1 : (size_t)d;
		return 1;
	}
	return jsc_bad(c, si->loc, kw, "must be a non-negative integer");
}

static int get_num(struct comp *c, const struct scaninfo *si, const char *kw, struct jsnum *out)
{
	json_t *v = json_object_get(si->json, kw);
	if (!v)
		return 0;
	if (jsvalue_num_json(v, out) < 0)
		return jsc_bad(c, si->loc, kw, "must be a number");
	return 1;
}

static struct jsregex *regex(struct comp *c, const struct scaninfo *si, const char *kw,
                             const char *pat, size_t n)
{
	char why[160];
	int nomem = 0;
	struct jsregex *re = jsregex_compile(pat, n, &nomem, why, sizeof why);
	if (!re && nomem) {
		jsc_oom(c);
		return NULL;
	}
	if (!re) {
		char what[400];
		snprintf(what, sizeof what, "invalid pattern \"%.150s\": %s", pat, why);
		jsc_bad(c, si->loc, kw, what);
		return NULL;
	}
	struct jsonschema *v = c->v;
	if (v->nregex == v->capregex) {
		size_t cap = v->capregex ? v->capregex * 2 : 8;
		struct jsregex **r = realloc(v->regexes, cap * sizeof *r);
		if (!r) {
			jsregex_free(re);
			jsc_oom(c);
			return NULL;
		}
		v->regexes = r;
		v->capregex = cap;
	}
	v->regexes[v->nregex++] = re;
	return re;
}

/* A schema value ("const", "enum") as a document, compared with instances
 * without conversions. Strings stay borrowed from the schema. */
static const struct jsd *as_doc(struct comp *c, const struct scaninfo *si, const char *kw,
                                json_t *v)
{
	struct sg_error e;
	error_clear(&e);
	const struct jsd *d = jsd_from_json(&c->v->values, v, JSD_MAX_DEPTH, &e);
	if (!d) {
		if (e.code == SG_ENOMEM)
			jsc_oom(c);
		else
			jsc_bad(c, si->loc, kw, "value nested too deep");
	}
	return d;
}

static int parse_type(struct comp *c, const struct scaninfo *si, json_t *t, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} types[] = {
	    {"null", JST_NULL},       {"boolean", JST_BOOLEAN}, {"object", JST_OBJECT},
	    {"array", JST_ARRAY},     {"number", JST_NUMBER},   {"string", JST_STRING},
	    {"integer", JST_INTEGER},
	};
	size_t n = json_is_array(t) ? json_array_size(t) : 1;
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_is_array(t) ? json_array_get(t, i) : t;
		unsigned bit = 0;
		for (size_t k = 0; json_is_string(e) && k < sizeof types / sizeof types[0]; k++)
			if (strcmp(types[k].name, json_string_value(e)) == 0)
				bit = types[k].bit;
		if (!bit)
			return jsc_bad(c, si->loc, "type",
			               "must name JSON types (null, boolean, object, "
			               "array, number, string, integer)");
		*out |= bit;
	}
	return 0;
}

/* Reads an array of strings into arena jsstrs. */
static int string_list(struct comp *c, const struct scaninfo *si, const char *kw, json_t *a,
                       struct jsstr **out, size_t *n)
{
	if (!json_is_array(a))
		return jsc_bad(c, si->loc, kw, "must be an array of strings");
	*n = json_array_size(a);
	*out = jsc_alloc(c->v, (*n ? *n : 1) * sizeof **out);
	if (!*out)
		return jsc_oom(c);
	for (size_t i = 0; i < *n; i++) {
		json_t *e = json_array_get(a, i);
		if (!json_is_string(e))
			return jsc_bad(c, si->loc, kw, "must be an array of strings");
		(*out)[i] = (struct jsstr){json_string_value(e), json_string_length(e)};
	}
	return 0;
}

static int compile_list(struct comp *c, const struct scaninfo *si, struct kwbuf *b, const char *kw,
                        int op)
{
	json_t *a = json_object_get(si->json, kw);
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return jsc_bad(c, si->loc, kw, "must be a non-empty array of schemas");
	struct jskw *k = add_kw(b, op, kw);
	k->u.list.n = json_array_size(a);
	k->u.list.v = jsc_alloc(c->v, k->u.list.n * sizeof *k->u.list.v);
	if (!k->u.list.v)
		return jsc_oom(c);
	for (size_t i = 0; i < k->u.list.n; i++)
		if (!(k->u.list.v[i] = sub(c, si, json_array_get(a, i), kw, NULL, i)))
			return -1;
	return 0;
}

static int compile_one(struct comp *c, const struct scaninfo *si, struct kwbuf *b, const char *kw,
                       int op)
{
	json_t *s = json_object_get(si->json, kw);
	if (!s)
		return 0;
	struct jskw *k = add_kw(b, op, kw);
	return (k->u.node = sub(c, si, s, kw, NULL, (size_t)-1)) ? 0 : -1;
}

static uint64_t prop_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

long jsprops_find(const struct jsprops *p, const char *k, size_t n)
{
	if (!p->table) {
		for (size_t i = 0; i < p->n; i++)
			if (p->names[i].n == n && (n == 0 || (p->names[i].s[0] == k[0] &&
			                                      memcmp(p->names[i].s, k, n) == 0)))
				return (long)i;
		return -1;
	}
	for (size_t i = prop_hash(k, n) & p->tmask;; i = (i + 1) & p->tmask) {
		uint32_t j = p->table[i];
		if (!j)
			return -1;
		if (p->names[j - 1].n == n && memcmp(p->names[j - 1].s, k, n) == 0)
			return (long)j - 1;
	}
}

static int compile_props(struct comp *c, const struct scaninfo *si, struct kwbuf *b)
{
	json_t *pr = json_object_get(si->json, "properties");
	json_t *pp = json_object_get(si->json, "patternProperties");
	json_t *ap = json_object_get(si->json, "additionalProperties");
	if (!pr && !pp && !ap)
		return 0;
	if ((pr && !json_is_object(pr)) || (pp && !json_is_object(pp)))
		return jsc_bad(c, si->loc,
		               pr && !json_is_object(pr) ? "properties" : "patternProperties",
		               "must be an object of schemas");
	struct jsprops *P = jsc_alloc(c->v, sizeof *P);
	if (!P)
		return jsc_oom(c);
	struct jskw *k =
	    add_kw(b, JSOP_PROPS, ap && !pr && !pp ? "additionalProperties" : "properties");
	k->u.props = P;
	P->n = pr ? json_object_size(pr) : 0;
	P->npat = pp ? json_object_size(pp) : 0;
	P->names = jsc_alloc(c->v, (P->n + 1) * sizeof *P->names);
	P->nodes = jsc_alloc(c->v, (P->n + 1) * sizeof *P->nodes);
	P->pats = jsc_alloc(c->v, (P->npat + 1) * sizeof *P->pats);
	P->patnodes = jsc_alloc(c->v, (P->npat + 1) * sizeof *P->patnodes);
	if (!P->names || !P->nodes || !P->pats || !P->patnodes)
		return jsc_oom(c);
	size_t i = 0;
	for (void *it = pr ? json_object_iter(pr) : NULL; it;
	     it = json_object_iter_next(pr, it), i++) {
		const char *key = json_object_iter_key(it);
		P->names[i] = (struct jsstr){key, json_object_iter_key_len(it)};
		if (!(P->nodes[i] = sub(c, si, json_object_iter_value(it), "properties", key, 0)))
			return -1;
		int plain = i < 64;
		for (size_t q = 0; plain && q < P->names[i].n; q++)
			plain = key[q] >= 0x20 && key[q] < 0x7F && key[q] != '"' && key[q] != '\\';
		if (plain)
			P->plain_mask |= 1ULL << i;
	}
	if (P->n > 8) {
		size_t cap = 16;
		while (cap < P->n * 2)
			cap *= 2;
		P->table = jsc_alloc(c->v, cap * sizeof *P->table);
		if (!P->table)
			return jsc_oom(c);
		memset(P->table, 0, cap * sizeof *P->table);
		P->tmask = cap - 1;
		for (size_t j = 0; j < P->n; j++) {
			size_t h = prop_hash(P->names[j].s, P->names[j].n) & P->tmask;
			while (P->table[h])
				h = (h + 1) & P->tmask;
			P->table[h] = (uint32_t)(j + 1);
		}
	}
	i = 0;
	for (void *it = pp ? json_object_iter(pp) : NULL; it;
	     it = json_object_iter_next(pp, it), i++) {
		const char *key = json_object_iter_key(it);
		if (!(P->pats[i] =
		          regex(c, si, "patternProperties", key, json_object_iter_key_len(it))))
			return -1;
		if (!(P->patnodes[i] =
		          sub(c, si, json_object_iter_value(it), "patternProperties", key, 0)))
			return -1;
	}
	if (ap && !(P->additional = sub(c, si, ap, "additionalProperties", NULL, (size_t)-1)))
		return -1;
	return 0;
}

static int compile_items(struct comp *c, const struct scaninfo *si, struct kwbuf *b)
{
	json_t *items = json_object_get(si->json, "items");
	json_t *prefix = NULL, *rest = NULL;
	const char *rest_kw = "items", *prefix_kw = "prefixItems";
	if (si->draft <= 2019) {
		if (json_is_array(items)) {
			prefix = items;
			prefix_kw = "items";
			rest = json_object_get(si->json, "additionalItems");
			rest_kw = "additionalItems";
		} else {
			rest = items;
		}
	} else {
		prefix = json_object_get(si->json, "prefixItems");
		rest = items;
		if (prefix && !json_is_array(prefix))
			return jsc_bad(c, si->loc, "prefixItems", "must be an array of schemas");
	}
	if (!prefix && !rest)
		return 0;
	struct jsitems *it = jsc_alloc(c->v, sizeof *it);
	if (!it)
		return jsc_oom(c);
	struct jskw *k = add_kw(b, JSOP_ITEMS, prefix ? prefix_kw : rest_kw);
	k->u.items = it;
	it->rest_kw = rest_kw;
	if (prefix) {
		it->nprefix = json_array_size(prefix);
		it->prefix = jsc_alloc(c->v, (it->nprefix + 1) * sizeof *it->prefix);
		if (!it->prefix)
			return jsc_oom(c);
		for (size_t i = 0; i < it->nprefix; i++)
			if (!(it->prefix[i] =
			          sub(c, si, json_array_get(prefix, i), prefix_kw, NULL, i)))
				return -1;
	}
	if (rest && !(it->rest = sub(c, si, rest, rest_kw, NULL, (size_t)-1)))
		return -1;
	return 0;
}

static int compile_contains(struct comp *c, const struct scaninfo *si, struct kwbuf *b)
{
	json_t *s = json_object_get(si->json, "contains");
	if (!s || si->draft < 6)
		return 0;
	struct jscontains *ct = jsc_alloc(c->v, sizeof *ct);
	if (!ct)
		return jsc_oom(c);
	struct jskw *k = add_kw(b, JSOP_CONTAINS, "contains");
	k->u.contains = ct;
	ct->min = 1;
	ct->annotate = si->draft == 2020;
	if (si->draft >= 2019 && (si->vocab & VOC_VALIDATION)) {
		if (get_count(c, si, "minContains", &ct->min) < 0)
			return -1;
		int r = get_count(c, si, "maxContains", &ct->max);
		if (r < 0)
			return -1;
		ct->has_max = r;
	}
	return (ct->node = sub(c, si, s, "contains", NULL, (size_t)-1)) ? 0 : -1;
}

/* "dependentRequired", "dependentSchemas" and the older "dependencies"
 * (whose members are either kind). */
static int compile_deps(struct comp *c, const struct scaninfo *si, struct kwbuf *b, const char *kw,
                        int want_names, int want_schemas)
{
	json_t *d = json_object_get(si->json, kw);
	if (!d)
		return 0;
	if (!json_is_object(d))
		return jsc_bad(c, si->loc, kw, "must be an object");
	size_t n = json_object_size(d), nn = 0, ns = 0;
	struct jsdeps *names = jsc_alloc(c->v, sizeof *names);
	struct jsdeps *schemas = jsc_alloc(c->v, sizeof *schemas);
	if (!names || !schemas)
		return jsc_oom(c);
	names->v = jsc_alloc(c->v, (n + 1) * sizeof *names->v);
	schemas->v = jsc_alloc(c->v, (n + 1) * sizeof *schemas->v);
	if (!names->v || !schemas->v)
		return jsc_oom(c);
	for (void *it = json_object_iter(d); it; it = json_object_iter_next(d, it)) {
		const char *key = json_object_iter_key(it);
		json_t *val = json_object_iter_value(it);
		struct jsstr k = {key, json_object_iter_key_len(it)};
		if (json_is_array(val) && want_names) {
			struct jsdep *e = &names->v[nn++];
			e->key = k;
			if (string_list(c, si, kw, val, &e->names, &e->n) < 0)
				return -1;
		} else if (!json_is_array(val) && want_schemas) {
			struct jsdep *e = &schemas->v[ns++];
			e->key = k;
			if (!(e->node = sub(c, si, val, kw, key, 0)))
				return -1;
		} else {
			return jsc_bad(c, si->loc, kw,
			               want_names ? "values must be arrays of strings"
			                          : "values must be schemas");
		}
	}
	names->n = nn;
	schemas->n = ns;
	if (nn)
		add_kw(b, JSOP_DEP_REQUIRED, kw)->u.deps = names;
	if (ns)
		add_kw(b, JSOP_DEP_SCHEMAS, kw)->u.deps = schemas;
	return 0;
}

static int compile_ref(struct comp *c, const struct scaninfo *si, struct kwbuf *b, const char *kw,
                       int op)
{
	json_t *r = json_object_get(si->json, kw);
	if (!r)
		return 0;
	if (!json_is_string(r))
		return jsc_bad(c, si->loc, kw, "must be a string");
	const char *abs = NULL;
	json_t *target =
	    jsc_resolve_ref(c, si->res->uri, json_string_value(r), si->draft, si->loc, kw, &abs);
	if (!target)
		return -1;
	struct scaninfo *tsi = jsc_map_get(&c->scans, target);
	struct jsnode *tn = node_for(c, target, abs ? abs : si->loc, NULL);
	if (!tn)
		return -1;
	struct jskw *k = add_kw(b, op, kw);
	if (op != JSOP_DYNREF) {
		k->u.node = tn;
		if (op == JSOP_RECREF)
			c->uses_recref = 1;
		return 0;
	}
	struct jsdynref *d = jsc_alloc(c->v, sizeof *d);
	if (!d)
		return jsc_oom(c);
	k->u.dynref = d;
	d->target = tn;
	/* Dynamic only when the fragment is a plain name and the static target
	 * carries a "$dynamicAnchor" of that name (the "bookend"). */
	const char *hash = strchr(json_string_value(r), '#');
	json_t *da = tsi ? json_object_get(tsi->json, "$dynamicAnchor") : NULL;
	if (hash && hash[1] && hash[1] != '/' && json_is_string(da) &&
	    strcmp(json_string_value(da), hash + 1) == 0) {
		d->anchor = jsc_strndup(c->v, hash + 1, strlen(hash + 1));
		if (!d->anchor)
			return jsc_oom(c);
		c->uses_dynref = 1;
	}
	return 0;
}

/* Folds "required" into the properties operation when every required name
 * is among its first 64 "properties" (see struct jsprops). */
static void merge_required(struct kwbuf *b)
{
	struct jskw *req = NULL, *props = NULL;
	size_t ri = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (b->kw[i].op == JSOP_REQUIRED)
			req = &b->kw[i], ri = i;
		else if (b->kw[i].op == JSOP_PROPS)
			props = &b->kw[i];
	}
	if (!req || !props || props->u.props->n > 64)
		return;
	struct jsprops *P = props->u.props;
	uint64_t mask = 0;
	for (size_t i = 0; i < req->u.names.n; i++) {
		long j = jsprops_find(P, req->u.names.v[i].s, req->u.names.v[i].n);
		if (j < 0 || j >= 64)
			return;
		mask |= 1ULL << j;
	}
	P->required_mask = mask;
	memmove(&b->kw[ri], &b->kw[ri + 1], (b->n - ri - 1) * sizeof b->kw[0]);
	b->n--;
}

static int compile_keywords(struct comp *c, struct scaninfo *si)
{
	struct kwbuf b = {.n = 0};
	json_t *s = si->json, *v;
	const int draft = si->draft;
	const unsigned vocab = si->vocab;
	struct jsnode *node = si->node;

	if (compile_ref(c, si, &b, "$ref", JSOP_REF) < 0)
		return -1;
	if (draft <= 7 && b.n)
		goto done;
	if (draft == 2020 && compile_ref(c, si, &b, "$dynamicRef", JSOP_DYNREF) < 0)
		return -1;
	if (draft == 2019 && compile_ref(c, si, &b, "$recursiveRef", JSOP_RECREF) < 0)
		return -1;

	if (vocab & VOC_VALIDATION) {
		if ((v = json_object_get(s, "type"))) {
			unsigned types;
			if (parse_type(c, si, v, &types) < 0)
				return -1;
			node->types = (uint8_t)types;
		}
		if (draft >= 6 && (v = json_object_get(s, "const")))
			if (!(add_kw(&b, JSOP_CONST, "const")->u.value = as_doc(c, si, "const", v)))
				return -1;
		if ((v = json_object_get(s, "enum"))) {
			if (!json_is_array(v))
				return jsc_bad(c, si->loc, "enum", "must be an array");
			if (!(add_kw(&b, JSOP_ENUM, "enum")->u.value = as_doc(c, si, "enum", v)))
				return -1;
		}
		struct jsnum num;
		int r;
		json_t *xmin = json_object_get(s, "exclusiveMinimum");
		json_t *xmax = json_object_get(s, "exclusiveMaximum");
		if ((r = get_num(c, si, "minimum", &num)) < 0)
			return -1;
		if (r) {
			int excl = draft == 4 && json_is_true(xmin);
			add_kw(&b, excl ? JSOP_XMINIMUM : JSOP_MINIMUM,
			       excl ? "exclusiveMinimum" : "minimum")
			    ->u.num = num;
		}
		if ((r = get_num(c, si, "maximum", &num)) < 0)
			return -1;
		if (r) {
			int excl = draft == 4 && json_is_true(xmax);
			add_kw(&b, excl ? JSOP_XMAXIMUM : JSOP_MAXIMUM,
			       excl ? "exclusiveMaximum" : "maximum")
			    ->u.num = num;
		}
		if (draft >= 6) {
			if ((r = get_num(c, si, "exclusiveMinimum", &num)) < 0)
				return -1;
			if (r)
				add_kw(&b, JSOP_XMINIMUM, "exclusiveMinimum")->u.num = num;
			if ((r = get_num(c, si, "exclusiveMaximum", &num)) < 0)
				return -1;
			if (r)
				add_kw(&b, JSOP_XMAXIMUM, "exclusiveMaximum")->u.num = num;
		}
		if ((r = get_num(c, si, "multipleOf", &num)) < 0)
			return -1;
		if (r) {
			if (!(num.is_int ? num.i > 0 : num.d > 0))
				return jsc_bad(c, si->loc, "multipleOf", "must be greater than 0");
			add_kw(&b, JSOP_MULTIPLE_OF, "multipleOf")->u.num = num;
		}
		static const struct {
			const char *kw;
			int op;
		} counts[] = {
		    {"minLength", JSOP_MIN_LENGTH},    {"maxLength", JSOP_MAX_LENGTH},
		    {"minItems", JSOP_MIN_ITEMS},      {"maxItems", JSOP_MAX_ITEMS},
		    {"minProperties", JSOP_MIN_PROPS}, {"maxProperties", JSOP_MAX_PROPS},
		};
		for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
			size_t n;
			if ((r = get_count(c, si, counts[i].kw, &n)) < 0)
				return -1;
			if (r)
				add_kw(&b, counts[i].op, counts[i].kw)->u.count = n;
		}
		if ((v = json_object_get(s, "pattern"))) {
			if (!json_is_string(v))
				return jsc_bad(c, si->loc, "pattern", "must be a string");
			struct jskw *k = add_kw(&b, JSOP_PATTERN, "pattern");
			if (!(k->u.re = regex(c, si, "pattern", json_string_value(v),
			                      json_string_length(v))))
				return -1;
		}
		if (json_is_true(json_object_get(s, "uniqueItems")))
			add_kw(&b, JSOP_UNIQUE_ITEMS, "uniqueItems");
		if ((v = json_object_get(s, "required"))) {
			struct jskw *k = add_kw(&b, JSOP_REQUIRED, "required");
			if (string_list(c, si, "required", v, &k->u.names.v, &k->u.names.n) < 0)
				return -1;
			if (!k->u.names.n)
				b.n--;
		}
		if (draft >= 2019 && compile_deps(c, si, &b, "dependentRequired", 1, 0) < 0)
			return -1;
	}
	if ((v = json_object_get(s, "format")) && json_is_string(v) &&
	    ((c->opts && c->opts->format_assert) || (vocab & VOC_FORMAT_ASSERTION))) {
		enum jsformat f = jsformat_lookup(json_string_value(v));
		if (f != JSFORMAT_UNKNOWN)
			add_kw(&b, JSOP_FORMAT, "format")->u.format = f;
	}
	if (vocab & VOC_APPLICATOR) {
		if (compile_items(c, si, &b) < 0 || compile_contains(c, si, &b) < 0 ||
		    compile_props(c, si, &b) < 0)
			return -1;
		if (draft >= 6 && compile_one(c, si, &b, "propertyNames", JSOP_PROPERTY_NAMES) < 0)
			return -1;
		if (draft >= 2019 && compile_deps(c, si, &b, "dependentSchemas", 0, 1) < 0)
			return -1;
	}
	if (compile_deps(c, si, &b, "dependencies", (vocab & VOC_VALIDATION) != 0,
	                 (vocab & VOC_APPLICATOR) != 0) < 0)
		return -1;
	if (vocab & VOC_APPLICATOR) {
		if (compile_list(c, si, &b, "allOf", JSOP_ALL_OF) < 0 ||
		    compile_list(c, si, &b, "anyOf", JSOP_ANY_OF) < 0 ||
		    compile_list(c, si, &b, "oneOf", JSOP_ONE_OF) < 0 ||
		    compile_one(c, si, &b, "not", JSOP_NOT) < 0)
			return -1;
		json_t *iff = json_object_get(s, "if");
		if (draft >= 7 && iff) {
			struct jscond *cond = jsc_alloc(c->v, sizeof *cond);
			if (!cond)
				return jsc_oom(c);
			add_kw(&b, JSOP_IF, "if")->u.cond = cond;
			json_t *th = json_object_get(s, "then"), *el = json_object_get(s, "else");
			if (!(cond->if_ = sub(c, si, iff, "if", NULL, (size_t)-1)) ||
			    (th && !(cond->then_ = sub(c, si, th, "then", NULL, (size_t)-1))) ||
			    (el && !(cond->else_ = sub(c, si, el, "else", NULL, (size_t)-1))))
				return -1;
		}
	}
	if (draft >= 2019 && (vocab & VOC_UNEVALUATED)) {
		size_t before = b.n;
		if (compile_one(c, si, &b, "unevaluatedItems", JSOP_UNEVAL_ITEMS) < 0)
			return -1;
		node->uneval_items = b.n > before;
		before = b.n;
		if (compile_one(c, si, &b, "unevaluatedProperties", JSOP_UNEVAL_PROPS) < 0)
			return -1;
		node->uneval_props = b.n > before;
	}
	merge_required(&b);
done:
	node->nkw = b.n;
	node->kw = jsc_alloc(c->v, (b.n ? b.n : 1) * sizeof *node->kw);
	if (!node->kw)
		return jsc_oom(c);
	memcpy(node->kw, b.kw, b.n * sizeof *node->kw);
	return 0;
}

static int drain(struct comp *c)
{
	while (c->nwork) {
		struct scaninfo *si = c->work[--c->nwork];
		if (compile_keywords(c, si) < 0)
			return -1;
	}
	return 0;
}

/* Compiles every node a dynamic reference could land on: "$dynamicAnchor"
 * subschemas and "$recursiveAnchor" roots of every loaded resource. Loading
 * may add resources, so this repeats until nothing new appears. */
static int compile_dynamic_targets(struct comp *c)
{
	int changed;
	do {
		changed = 0;
		for (struct jsres *r = c->resources; r; r = r->next) {
			for (size_t i = 0; c->uses_dynref && i < r->ndyn; i++) {
				if (r->dyn[i].node)
					continue;
				if (!(r->dyn[i].node = node_for(c, r->dyn[i].json, r->uri, NULL)))
					return -1;
				changed = 1;
			}
			if (c->uses_recref && r->recursive_anchor && !r->root) {
				if (!node_for(c, r->json, r->uri, NULL))
					return -1;
				changed = 1;
			}
		}
		if (drain(c) < 0)
			return -1;
	} while (changed);
	return 0;
}

/* The in-place successor number `*i` of `n` (advancing `*i`), or NULL. */
static struct jsnode *inplace_edge(const struct jsnode *n, size_t *kwi, size_t *subi)
{
	for (; *kwi < n->nkw; (*kwi)++, *subi = 0) {
		const struct jskw *k = &n->kw[*kwi];
		switch (k->op) {
		case JSOP_REF:
		case JSOP_RECREF:
		case JSOP_NOT:
			if ((*subi)++ == 0)
				return k->u.node;
			break;
		case JSOP_DYNREF:
			if ((*subi)++ == 0)
				return k->u.dynref->target;
			break;
		case JSOP_ALL_OF:
		case JSOP_ANY_OF:
		case JSOP_ONE_OF:
			if (*subi < k->u.list.n)
				return k->u.list.v[(*subi)++];
			break;
		case JSOP_IF: {
			struct jsnode *e[3] = {k->u.cond->if_, k->u.cond->then_, k->u.cond->else_};
			while (*subi < 3) {
				struct jsnode *t = e[(*subi)++];
				if (t)
					return t;
			}
			break;
		}
		case JSOP_DEP_SCHEMAS:
			if (*subi < k->u.deps->n)
				return k->u.deps->v[(*subi)++].node;
			break;
		default:
			break;
		}
	}
	return NULL;
}

/* Rejects cycles of in-place keywords: they revisit the same instance
 * forever. Iterative depth-first search with three colours. */
static int check_cycles(struct comp *c)
{
	size_t n = c->nnodes;
	if (!n)
		return 0;
	unsigned char *colour = calloc(n, 1);
	struct frame {
		struct jsnode *node;
		size_t kwi, subi;
	} *stack = malloc(n * sizeof *stack);
	int rc = 0;
	if (!colour || !stack) {
		rc = jsc_oom(c);
		goto out;
	}
	for (size_t start = 0; start < n && rc == 0; start++) {
		if (colour[start])
			continue;
		size_t sp = 0;
		stack[sp++] = (struct frame){c->nodes[start], 0, 0};
		colour[start] = 1;
		while (sp && rc == 0) {
			struct frame *f = &stack[sp - 1];
			struct jsnode *t = inplace_edge(f->node, &f->kwi, &f->subi);
			if (!t) {
				colour[f->node->id] = 2;
				sp--;
				continue;
			}
			if (t->kind != JSNODE_SCHEMA || colour[t->id] == 2)
				continue;
			if (colour[t->id] == 1) {
				rc = jsc_bad(c, t->loc, NULL,
				             "a cycle of \"$ref\"/in-place keywords never "
				             "moves into the instance (infinite recursion)");
				break;
			}
			colour[t->id] = 1;
			stack[sp++] = (struct frame){t, 0, 0};
		}
	}
out:
	free(colour);
	free(stack);
	return rc;
}

/* The node `n` stands for once "$ref"-only nodes are skipped: a node whose
 * single keyword is "$ref" behaves exactly as its target when no dynamic
 * reference can observe the resource it belongs to. */
static struct jsnode *collapse(struct jsnode *n)
{
	for (int hops = 0; n && hops < 64; hops++) {
		if (n->kind != JSNODE_SCHEMA || n->nkw != 1 || n->kw[0].op != JSOP_REF ||
		    n->types || n->uneval_props || n->uneval_items || n->kw[0].u.node == n)
			break;
		n = n->kw[0].u.node;
	}
	return n;
}

#define COLLAPSE(p) ((p) = collapse(p))

/* Points every reference to a "$ref"-only node straight at its target, so
 * that validation does not pass through it. */
static void collapse_refs(struct comp *c)
{
	COLLAPSE(c->v->root);
	for (size_t i = 0; i < c->nnodes; i++) {
		struct jsnode *n = c->nodes[i];
		for (size_t j = 0; j < n->nkw; j++) {
			struct jskw *k = &n->kw[j];
			switch (k->op) {
			case JSOP_REF:
			case JSOP_RECREF:
			case JSOP_NOT:
			case JSOP_PROPERTY_NAMES:
			case JSOP_UNEVAL_ITEMS:
			case JSOP_UNEVAL_PROPS:
				COLLAPSE(k->u.node);
				break;
			case JSOP_DYNREF:
				COLLAPSE(k->u.dynref->target);
				break;
			case JSOP_ALL_OF:
			case JSOP_ANY_OF:
			case JSOP_ONE_OF:
				for (size_t q = 0; q < k->u.list.n; q++)
					COLLAPSE(k->u.list.v[q]);
				break;
			case JSOP_PROPS:
				for (size_t q = 0; q < k->u.props->n; q++)
					COLLAPSE(k->u.props->nodes[q]);
				for (size_t q = 0; q < k->u.props->npat; q++)
					COLLAPSE(k->u.props->patnodes[q]);
				if (k->u.props->additional)
					COLLAPSE(k->u.props->additional);
				break;
			case JSOP_ITEMS:
				for (size_t q = 0; q < k->u.items->nprefix; q++)
					COLLAPSE(k->u.items->prefix[q]);
				if (k->u.items->rest)
					COLLAPSE(k->u.items->rest);
				break;
			case JSOP_CONTAINS:
				COLLAPSE(k->u.contains->node);
				break;
			case JSOP_DEP_SCHEMAS:
				for (size_t q = 0; q < k->u.deps->n; q++)
					COLLAPSE(k->u.deps->v[q].node);
				break;
			case JSOP_IF:
				COLLAPSE(k->u.cond->if_);
				if (k->u.cond->then_)
					COLLAPSE(k->u.cond->then_);
				if (k->u.cond->else_)
					COLLAPSE(k->u.cond->else_);
				break;
			default:
				break;
			}
		}
	}
}

int jscompile(struct jsonschema *v, const json_t *schema, const struct jsonschema_options *opts,
              struct sg_error *err)
{
	struct sg_error local;
	struct comp c = {0};
	if (!err) {
		error_clear(&local);
		err = &local;
	}
	c.v = v;
	c.opts = opts;
	c.err = err;
	c.scans.strkeys = 0;
	c.docs.strkeys = 1;
	c.anchors.strkeys = 1;
	int draft = opts && opts->draft ? (int)opts->draft : 7;
	if (draft != 4 && draft != 6 && draft != 7 && draft != 2019 && draft != 2020) {
		error_set(err, SG_EINVALID_SCHEMA, "unknown default draft %d", draft);
		return -1;
	}
	v->max_depth = opts && opts->max_depth ? opts->max_depth : JSONSCHEMA_MAX_DEPTH;
	v->max_steps = opts && opts->max_steps ? opts->max_steps : JSONSCHEMA_MAX_STEPS;

	int rc = -1;
	json_t *root = (json_t *)schema;
	json_incref(root);
	if (!jsc_add_document(&c, root, "", draft, "#"))
		goto out;
	/* Named schemas without a "$schema" of their own follow the root's. */
	struct scaninfo *rsi = jsc_map_get(&c.scans, root);
	if (rsi)
		draft = rsi->draft;
	v->draft = (enum jsonschema_draft)draft;
	for (size_t i = 0; opts && i < opts->nnamed; i++) {
		const struct jsonschema_named *nm = &opts->named[i];
		if (!nm->name || !nm->schema)
			continue;
		if (jsc_map_get(&c.docs, nm->name))
			continue;
		json_t *d = (json_t *)nm->schema;
		json_incref(d);
		const char *loc = jsc_doc_loc(&c, nm->name);
		if (!loc) {
			json_decref(d);
			jsc_oom(&c);
			goto out;
		}
		if (!jsc_add_document(&c, d, nm->name, draft, loc))
			goto out;
	}
	if (!(v->root = node_for(&c, root, "#", NULL)))
		goto out;
	if (drain(&c) < 0 || compile_dynamic_targets(&c) < 0 || check_cycles(&c) < 0)
		goto out;
	/* Dynamic references look at the resources entered on the way, so the
	 * nodes on that way must stay when they are in use. */
	if (!c.uses_dynref && !c.uses_recref)
		collapse_refs(&c);
	v->nnodes = c.nnodes;
	v->dynamic = c.uses_dynref || c.uses_recref;
	rc = 0;
out:
	free(c.scans.e);
	free(c.docs.e);
	free(c.anchors.e);
	free(c.work);
	free(c.nodes);
	if (rc < 0 && err->code == SG_OK)
		error_set(err, SG_EINTERNAL, "JSON schema compilation failed");
	return rc;
}

void jscompile_release(struct jsonschema *v)
{
	for (size_t i = 0; i < JSCOMPILE_SCRATCH_SLOTS; i++)
		jsregex_scratch_free(atomic_exchange(&v->scratch[i], NULL));
	for (size_t i = 0; i < v->nregex; i++)
		jsregex_free(v->regexes[i]);
	free(v->regexes);
	for (size_t i = 0; i < v->ndocs; i++)
		json_decref(v->docs[i]);
	free(v->docs);
	jsd_arena_free(&v->values);
	while (v->arena) {
		struct jsarena *next = v->arena->next;
		free(v->arena);
		v->arena = next;
	}
}
