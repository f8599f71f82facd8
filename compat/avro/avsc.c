/* compat/avro/avsc.c: the Avro schema model: parsing, validation, accessors.
 *
 * The parser follows the Avro specification and, where the specification
 * leaves room, Avro Java (1.12) as Confluent runs it for a new registration:
 * strict ASCII names, defaults validated (a union default against its first
 * branch), invalid logical types ignored, an unqualified name resolved in the
 * enclosing namespace and then in the null namespace. The printed forms live
 * in compat/avro/avform.c; the checks of default values and logical types in
 * compat/avro/avattr.c.
 */
#include "compat/avro/avsc.h"
#include "compat/avro/avattr.h"
#include "compat/avro/avform.h"
#include "compat/jsonschema/jsvalue.h"

#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- arena: every node, field, array and name of one schema ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_chunk *head;
};

#define ARENA_CHUNK 16384

static void *arena_alloc(struct arena *a, size_t n)
{
	size_t align = alignof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	struct arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if (cap > SIZE_MAX - sizeof *c)
			return NULL;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

/* An array of `n` elements of `size` bytes, zeroed; NULL on overflow or OOM. */
static void *arena_array(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, n * size);
}

static char *arena_strcat3(struct arena *a, const char *x, const char *y, const char *z)
{
	size_t lx = strlen(x), ly = strlen(y), lz = strlen(z);
	if (lx > SIZE_MAX - ly - lz - 1)
		return NULL;
	char *p = arena_alloc(a, lx + ly + lz + 1);
	if (!p)
		return NULL;
	memcpy(p, x, lx);
	memcpy(p + lx, y, ly);
	memcpy(p + lx + ly, z, lz);
	p[lx + ly + lz] = '\0';
	return p;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
}

/* ---- string indexes ---- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Sizes an index for `n` keys, in the arena. Returns 0 or -1. */
static int index_init(struct arena *a, struct avsc_index *x, size_t n)
{
	size_t cap = 4;
	while (cap < n * 2) {
		if (cap > SIZE_MAX / 4)
			return -1;
		cap *= 2;
	}
	x->keys = arena_array(a, cap, sizeof *x->keys);
	x->vals = arena_array(a, cap, sizeof *x->vals);
	if (!x->keys || !x->vals)
		return -1;
	x->mask = cap - 1;
	return 0;
}

/* The value stored for `key`, or -1. */
static long index_get(const struct avsc_index *x, const char *key)
{
	if (!x->keys)
		return -1;
	for (size_t i = str_hash(key) & x->mask;; i = (i + 1) & x->mask) {
		if (!x->keys[i])
			return -1;
		if (strcmp(x->keys[i], key) == 0)
			return (long)x->vals[i];
	}
}

/* Inserts `key` unless present. Returns -1 when inserted, else the value held.
 * The index must have been sized for every key put in it. */
static long index_put(struct avsc_index *x, const char *key, uint32_t val)
{
	for (size_t i = str_hash(key) & x->mask;; i = (i + 1) & x->mask) {
		if (!x->keys[i]) {
			x->keys[i] = key;
			x->vals[i] = val;
			return -1;
		}
		if (strcmp(x->keys[i], key) == 0)
			return (long)x->vals[i];
	}
}

/* A growable table from full name to named type (heap-allocated). */
struct typetab {
	const char **keys;
	const struct avsc_node **vals;
	size_t cap, count;
};

static const struct avsc_node *typetab_get(const struct typetab *t, const char *key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = str_hash(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->keys[i])
			return NULL;
		if (strcmp(t->keys[i], key) == 0)
			return t->vals[i];
	}
}

static int typetab_put(struct typetab *t, const char *key, const struct avsc_node *val)
{
	if ((t->count + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		if (cap > SIZE_MAX / sizeof(void *))
			return -1;
		const char **keys = calloc(cap, sizeof *keys);
		const struct avsc_node **vals = calloc(cap, sizeof *vals);
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -1;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->keys[i])
				continue;
			size_t j = str_hash(t->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = t->keys[i];
			vals[j] = t->vals[i];
		}
		free(t->keys);
		free(t->vals);
		t->keys = keys;
		t->vals = vals;
		t->cap = cap;
	}
	size_t i = str_hash(key) & (t->cap - 1);
	while (t->keys[i]) {
		if (strcmp(t->keys[i], key) == 0)
			return 0;
		i = (i + 1) & (t->cap - 1);
	}
	t->keys[i] = key;
	t->vals[i] = val;
	t->count++;
	return 0;
}

static void typetab_free(struct typetab *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof *t);
}

/* ---- the schema ---- */

struct avsc_schema {
	struct arena arena;
	json_t *doc;   /* the parsed text; names, docs, defaults point into it */
	json_t *extra; /* values made while parsing (float defaults given as text) */
	const struct avsc_node *root;
	const struct avsc_schema **refs;
	size_t nrefs;
	struct typetab types; /* every named type visible: its own and its references' */
	char *java;
	char *canonical;
	char *normalized;
	uint64_t fingerprint;
};

static const char *const kind_names[] = {
    [AVSC_NULL] = "null",   [AVSC_BOOLEAN] = "boolean", [AVSC_INT] = "int",
    [AVSC_LONG] = "long",   [AVSC_FLOAT] = "float",     [AVSC_DOUBLE] = "double",
    [AVSC_BYTES] = "bytes", [AVSC_STRING] = "string",   [AVSC_RECORD] = "record",
    [AVSC_ENUM] = "enum",   [AVSC_ARRAY] = "array",     [AVSC_MAP] = "map",
    [AVSC_UNION] = "union", [AVSC_FIXED] = "fixed",
};

static const struct avsc_node prim_nodes[] = {
    [AVSC_NULL] = {.kind = AVSC_NULL},   [AVSC_BOOLEAN] = {.kind = AVSC_BOOLEAN},
    [AVSC_INT] = {.kind = AVSC_INT},     [AVSC_LONG] = {.kind = AVSC_LONG},
    [AVSC_FLOAT] = {.kind = AVSC_FLOAT}, [AVSC_DOUBLE] = {.kind = AVSC_DOUBLE},
    [AVSC_BYTES] = {.kind = AVSC_BYTES}, [AVSC_STRING] = {.kind = AVSC_STRING},
};

/* The primitive kind named `s`, or -1. */
static int primitive_kind(const char *s)
{
	for (int k = AVSC_NULL; k <= AVSC_STRING; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return -1;
}

const char *avsc_kind_name(enum avsc_kind k)
{
	if ((unsigned)k >= sizeof kind_names / sizeof kind_names[0])
		return "unknown";
	return kind_names[k];
}

static int is_named(const struct avsc_node *n)
{
	return n->kind == AVSC_RECORD || n->kind == AVSC_ENUM || n->kind == AVSC_FIXED;
}

int avsc_is_prop(enum avsc_reserved r, const char *key)
{
	static const char *const schema_res[] = {"doc",  "fields",  "items",  "name", "namespace",
	                                         "size", "symbols", "values", "type", "aliases"};
	static const char *const field_res[] = {"default", "doc",  "name",
	                                        "order",   "type", "aliases"};
	if (r == AVSC_RESERVED_FIELD) {
		for (size_t i = 0; i < sizeof field_res / sizeof field_res[0]; i++)
			if (strcmp(key, field_res[i]) == 0)
				return 0;
		return 1;
	}
	if (r == AVSC_RESERVED_ENUM && strcmp(key, "default") == 0)
		return 0;
	for (size_t i = 0; i < sizeof schema_res / sizeof schema_res[0]; i++)
		if (strcmp(key, schema_res[i]) == 0)
			return 0;
	return 1;
}

static int obj_has_props(const json_t *obj, enum avsc_reserved r)
{
	const char *key;
	json_t *v;
	if (!obj)
		return 0;
	json_object_foreach((json_t *)obj, key, v)
	{
		if (avsc_is_prop(r, key))
			return 1;
	}
	return 0;
}

int avsc_has_props(const struct avsc_node *n)
{
	return obj_has_props(n->obj, n->reserved);
}

/* ---- names ---- */

static int name_char(unsigned char c, int first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* [A-Za-z_][A-Za-z0-9_]* over `n` bytes. */
static int valid_name_n(const char *s, size_t n)
{
	if (n == 0 || !name_char((unsigned char)s[0], 1))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!name_char((unsigned char)s[i], 0))
			return 0;
	return 1;
}

static int valid_name(const char *s)
{
	return valid_name_n(s, strlen(s));
}

/* "" or dot-separated valid names. */
static int valid_namespace_n(const char *s, size_t n)
{
	if (n == 0)
		return 1;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!valid_name_n(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

/* ---- parsing context and errors ---- */

enum parse_mode { PARSE_ALL, PARSE_JAVA_ONLY };

struct pctx {
	struct avsc_schema *s;
	struct sg_error *err;
	struct strbuf path;    /* JSON pointer of the value being parsed */
	struct strbuf scratch; /* name resolution */
	char quoted[3][96];
	int failed;
};

/* A short, printable rendering of `s` for messages: truncated on a UTF-8
 * boundary with "..." past 60 bytes. `slot` (0-2) picks one of three buffers. */
static const char *q(struct pctx *c, int slot, const char *s)
{
	char *out = c->quoted[slot % 3];
	size_t n = strlen(s);
	if (n <= 60) {
		memcpy(out, s, n + 1);
		return out;
	}
	size_t cut = 60;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(out, s, cut);
	memcpy(out + cut, "...", 4);
	return out;
}

/* Renders a JSON value compactly for a message, truncated like q(). */
static const char *qjson(struct pctx *c, int slot, const json_t *v)
{
	struct strbuf b;
	strbuf_init(&b);
	strbuf_json(&b, v);
	strbuf_addc(&b, '\0');
	const char *r = q(c, slot, b.failed ? "(value)" : b.p);
	strbuf_free(&b);
	return r;
}

static const char *path_display(struct pctx *c)
{
	if (c->path.failed || c->path.len == 0)
		return "/";
	return c->path.p;
}

__attribute__((format(printf, 3, 4))) static int fail(struct pctx *c, int code, const char *fmt,
                                                      ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *p = path_display(c);
	size_t pl = strlen(p);
	if (pl > 200) /* keep the message readable: the pointer's tail says most */
		error_set(c->err, code, "...%s: %s", p + pl - 190, msg);
	else
		error_set(c->err, code, "%s: %s", p, msg);
	c->failed = 1;
	return -1;
}

#define invalid(c, ...) fail((c), SG_EINVALID_SCHEMA, __VA_ARGS__)

static int nomem(struct pctx *c)
{
	error_set(c->err, SG_ENOMEM, "out of memory while parsing the Avro schema");
	c->failed = 1;
	return -1;
}

/* Appends a reference token to the pointer; returns the length to restore. */
static size_t path_push(struct pctx *c, const char *token)
{
	size_t old = c->path.len;
	strbuf_addc(&c->path, '/');
	strbuf_adds(&c->path, token);
	if (!c->path.failed)
		c->path.p[c->path.len] = '\0';
	return old;
}

static size_t path_push_index(struct pctx *c, size_t i)
{
	char tok[32];
	snprintf(tok, sizeof tok, "%zu", i);
	return path_push(c, tok);
}

static void path_pop(struct pctx *c, size_t len)
{
	if (c->path.failed)
		return;
	c->path.len = len;
	c->path.p[len] = '\0';
}

const char *avsc_json_cstr(const json_t *v)
{
	if (!json_is_string(v))
		return NULL;
	const char *s = json_string_value(v);
	return strlen(s) == json_string_length(v) ? s : NULL;
}

/* "a string" or what else `v` is, for messages. */
static const char *not_cstr(const json_t *v)
{
	return json_is_string(v) ? "a string holding a NUL character" : jsvalue_type_word(v);
}

static struct avsc_node *new_node(struct pctx *c, enum avsc_kind kind, const json_t *obj,
                                  enum avsc_reserved reserved)
{
	struct avsc_node *n = arena_alloc(&c->s->arena, sizeof *n);
	if (!n) {
		nomem(c);
		return NULL;
	}
	n->kind = kind;
	n->owner = c->s;
	n->obj = obj;
	n->reserved = reserved;
	n->space = "";
	return n;
}

/* Resolves a type name used as a reference, as Avro Java does: a primitive; a
 * dotted name as a full name; an unqualified name first in `space`, then in
 * the null namespace. NULL when unknown (no error set) or out of memory. */
static const struct avsc_node *resolve(struct pctx *c, const char *name, const char *space)
{
	int k = primitive_kind(name);
	if (k >= 0)
		return &prim_nodes[k];
	if (space[0] && !strchr(name, '.')) {
		c->scratch.len = 0;
		strbuf_adds(&c->scratch, space);
		strbuf_addc(&c->scratch, '.');
		strbuf_adds(&c->scratch, name);
		strbuf_addc(&c->scratch, '\0');
		if (c->scratch.failed) {
			nomem(c);
			return NULL;
		}
		const struct avsc_node *n = typetab_get(&c->s->types, c->scratch.p);
		if (n)
			return n;
	}
	return typetab_get(&c->s->types, name);
}

/* ---- the parser ---- */

static const struct avsc_node *parse_type(struct pctx *c, const json_t *j, const char *space,
                                          int depth);

/* Optional "doc": a string. Returns 0 or -1. */
static int parse_doc(struct pctx *c, const json_t *obj, const char **out)
{
	const json_t *d = json_object_get(obj, "doc");
	*out = NULL;
	if (!d)
		return 0;
	if (!avsc_json_cstr(d)) {
		size_t m = path_push(c, "doc");
		invalid(c, "\"doc\" must be a string, not %s", not_cstr(d));
		path_pop(c, m);
		return -1;
	}
	*out = avsc_json_cstr(d);
	return 0;
}

/* The named type's "aliases", as full names relative to its namespace. */
static int parse_type_aliases(struct pctx *c, const json_t *obj, struct avsc_node *n)
{
	const json_t *a = json_object_get(obj, "aliases");
	if (!a)
		return 0;
	size_t m = path_push(c, "aliases");
	if (!json_is_array(a)) {
		invalid(c, "\"aliases\" must be an array of strings, not %s", jsvalue_type_word(a));
		goto err;
	}
	size_t count = json_array_size(a);
	struct avsc_index seen = {0};
	n->aliases = arena_array(&c->s->arena, count, sizeof *n->aliases);
	if ((count && !n->aliases) || index_init(&c->s->arena, &seen, count) < 0) {
		nomem(c);
		goto err;
	}
	for (size_t i = 0; i < count; i++) {
		const json_t *e = json_array_get(a, i);
		size_t m2 = path_push_index(c, i);
		if (!avsc_json_cstr(e)) {
			invalid(c, "an alias must be a string, not %s", not_cstr(e));
			goto err;
		}
		const char *str = avsc_json_cstr(e);
		const char *dot = strrchr(str, '.');
		const char *aname = dot ? dot + 1 : str;
		if (!valid_name(aname)) {
			invalid(c, "invalid alias '%s': a name must match [A-Za-z_][A-Za-z0-9_]*",
			        q(c, 0, str));
			goto err;
		}
		const char *full;
		if (dot)
			full = dot == str ? aname : str;
		else
			full =
			    n->space[0] ? arena_strcat3(&c->s->arena, n->space, ".", aname) : aname;
		if (!full) {
			nomem(c);
			goto err;
		}
		if (index_put(&seen, full, 0) < 0)
			n->aliases[n->naliases++] = full;
		path_pop(c, m2);
	}
	path_pop(c, m);
	return 0;
err:
	path_pop(c, m);
	return -1;
}

/* A field's "aliases": any strings, duplicates dropped. */
static int parse_field_aliases(struct pctx *c, const json_t *obj, struct avsc_field *f)
{
	const json_t *a = json_object_get(obj, "aliases");
	if (!a)
		return 0;
	size_t m = path_push(c, "aliases");
	if (!json_is_array(a)) {
		invalid(c, "\"aliases\" must be an array of strings, not %s", jsvalue_type_word(a));
		goto err;
	}
	size_t count = json_array_size(a);
	struct avsc_index seen = {0};
	f->aliases = arena_array(&c->s->arena, count, sizeof *f->aliases);
	if ((count && !f->aliases) || index_init(&c->s->arena, &seen, count) < 0) {
		nomem(c);
		goto err;
	}
	for (size_t i = 0; i < count; i++) {
		const json_t *e = json_array_get(a, i);
		if (!avsc_json_cstr(e)) {
			path_push_index(c, i);
			invalid(c, "an alias must be a string, not %s", not_cstr(e));
			goto err;
		}
		if (index_put(&seen, avsc_json_cstr(e), 0) < 0)
			f->aliases[f->naliases++] = avsc_json_cstr(e);
	}
	path_pop(c, m);
	return 0;
err:
	path_pop(c, m);
	return -1;
}

/* Name, namespace, doc and aliases of a record, enum or fixed, and its entry in
 * the table of names (made before its body is parsed, so it may recur). */
static int parse_named(struct pctx *c, const json_t *obj, struct avsc_node *n, const char *space)
{
	const char *what = n->is_error ? "error" : kind_names[n->kind];
	const json_t *nj = json_object_get(obj, "name");
	const json_t *sj = json_object_get(obj, "namespace");
	if (!nj)
		return invalid(c, "%s has no \"name\"", what);
	size_t m = path_push(c, "name");
	if (!avsc_json_cstr(nj)) {
		invalid(c, "\"name\" must be a string, not %s", not_cstr(nj));
		goto err;
	}
	if (sj && !avsc_json_cstr(sj)) {
		path_pop(c, m);
		path_push(c, "namespace");
		invalid(c, "\"namespace\" must be a string, not %s", not_cstr(sj));
		goto err;
	}
	const char *name = avsc_json_cstr(nj);
	const char *dot = strrchr(name, '.');
	const char *simple = dot ? dot + 1 : name;
	const char *ns;
	if (!valid_name(simple)) {
		invalid(c, "invalid name '%s': a name must match [A-Za-z_][A-Za-z0-9_]*",
		        q(c, 0, name));
		goto err;
	}
	if (dot) {
		ns = arena_strndup(&c->s->arena, name, (size_t)(dot - name));
		if (!ns) {
			nomem(c);
			goto err;
		}
		if (!valid_namespace_n(ns, strlen(ns))) {
			invalid(c, "invalid namespace in '%s': a namespace is dot-separated names",
			        q(c, 0, name));
			goto err;
		}
	} else if (sj) {
		ns = avsc_json_cstr(sj);
		if (!valid_namespace_n(ns, strlen(ns))) {
			path_pop(c, m);
			path_push(c, "namespace");
			invalid(c,
			        "invalid namespace '%s': a namespace is dot-separated names "
			        "matching [A-Za-z_][A-Za-z0-9_]*",
			        q(c, 0, ns));
			goto err;
		}
	} else {
		ns = space;
	}
	if (primitive_kind(simple) >= 0) {
		invalid(c, "'%s' is a primitive type name: it cannot name a %s", simple, what);
		goto err;
	}
	n->space = ns;
	n->fullname = ns[0] ? arena_strcat3(&c->s->arena, ns, ".", simple) : simple;
	if (!n->fullname) {
		nomem(c);
		goto err;
	}
	n->name = n->fullname + strlen(n->fullname) - strlen(simple);
	if (typetab_get(&c->s->types, n->fullname)) {
		invalid(c, "redefinition of '%s': a type of that name is already defined",
		        q(c, 0, n->fullname));
		goto err;
	}
	if (typetab_put(&c->s->types, n->fullname, n) < 0) {
		nomem(c);
		goto err;
	}
	path_pop(c, m);
	if (parse_doc(c, obj, &n->doc) < 0 || parse_type_aliases(c, obj, n) < 0)
		return -1;
	return 0;
err:
	path_pop(c, m);
	return -1;
}

static int parse_field(struct pctx *c, struct avsc_node *rec, struct avsc_field *f,
                       const json_t *fj, int depth)
{
	if (!json_is_object(fj))
		return invalid(c, "a field must be a JSON object, not %s", jsvalue_type_word(fj));
	const json_t *nj = json_object_get(fj, "name");
	if (!nj)
		return invalid(c, "field has no \"name\"");
	size_t m = path_push(c, "name");
	if (!avsc_json_cstr(nj)) {
		invalid(c, "a field \"name\" must be a string, not %s", not_cstr(nj));
		goto err;
	}
	f->name = avsc_json_cstr(nj);
	if (!valid_name(f->name)) {
		invalid(c, "invalid field name '%s': a name must match [A-Za-z_][A-Za-z0-9_]*",
		        q(c, 0, f->name));
		goto err;
	}
	if (index_put(&rec->field_index, f->name, (uint32_t)(f - rec->fields)) >= 0) {
		invalid(c, "duplicate field name '%s' in record '%s'", q(c, 0, f->name),
		        q(c, 1, rec->fullname));
		goto err;
	}
	path_pop(c, m);
	f->obj = fj;
	if (parse_doc(c, fj, &f->doc) < 0)
		return -1;

	const json_t *tj = json_object_get(fj, "type");
	if (!tj)
		return invalid(c, "field '%s' has no \"type\"", q(c, 0, f->name));
	m = path_push(c, "type");
	f->type = parse_type(c, tj, rec->space, depth + 1);
	path_pop(c, m);
	if (!f->type)
		return -1;

	const json_t *oj = json_object_get(fj, "order");
	f->order = AVSC_ORDER_ASCENDING;
	if (oj) {
		static const char *const orders[] = {"ascending", "descending", "ignore"};
		int found = -1;
		m = path_push(c, "order");
		for (int i = 0; avsc_json_cstr(oj) && i < 3; i++)
			if (strcasecmp(avsc_json_cstr(oj), orders[i]) == 0)
				found = i;
		if (found < 0) {
			invalid(c,
			        "invalid order %s for field '%s': ascending, descending or ignore",
			        qjson(c, 0, oj), q(c, 1, f->name));
			goto err;
		}
		f->order = (enum avsc_order)found;
		path_pop(c, m);
	}
	if (parse_field_aliases(c, fj, f) < 0)
		return -1;

	const json_t *dj = json_object_get(fj, "default");
	if (dj) {
		m = path_push(c, "default");
		enum avsc_kind k = f->type->kind;
		if ((k == AVSC_FLOAT || k == AVSC_DOUBLE) && json_is_string(dj)) {
			double d;
			if (avattr_parse_double(json_string_value(dj), json_string_length(dj), &d) <
			    0) {
				invalid(c, "default value %s is not a valid %s for field '%s'",
				        qjson(c, 0, dj), kind_names[k], q(c, 1, f->name));
				goto err;
			}
			f->def_from_text = 1;
			f->def_double = d;
			f->def = dj;
			if (isfinite(d)) {
				json_t *r = json_real(d);
				if (!r || json_array_append_new(c->s->extra, r) < 0) {
					nomem(c);
					goto err;
				}
				f->def = r;
			}
		} else if (!avattr_default_ok(f->type, dj)) {
			const struct avsc_node *t = f->type;
			int first = t->kind == AVSC_UNION && t->nbranches > 0;
			if (first)
				t = t->branches[0];
			if (f->type->kind == AVSC_UNION && !first)
				invalid(c,
				        "field '%s' has an empty union as its type: it can have no "
				        "default",
				        q(c, 2, f->name));
			else
				invalid(
				    c, "default value %s is not a valid %s%s%s%s for field '%s'%s",
				    qjson(c, 0, dj), kind_names[t->kind], is_named(t) ? " '" : "",
				    is_named(t) ? q(c, 1, t->fullname) : "", is_named(t) ? "'" : "",
				    q(c, 2, f->name),
				    first ? " (a union's default must match its first type)" : "");
			goto err;
		} else {
			f->def = dj;
		}
		path_pop(c, m);
	}
	return 0;
err:
	path_pop(c, m);
	return -1;
}

static const struct avsc_node *parse_record(struct pctx *c, const json_t *obj, const char *space,
                                            int depth, int is_error)
{
	struct avsc_node *n = new_node(c, AVSC_RECORD, obj, AVSC_RESERVED_SCHEMA);
	if (!n)
		return NULL;
	n->is_error = is_error;
	if (parse_named(c, obj, n, space) < 0)
		return NULL;
	const json_t *fields = json_object_get(obj, "fields");
	if (!json_is_array(fields)) {
		size_t m = fields ? path_push(c, "fields") : c->path.len;
		invalid(c, "record '%s' needs a \"fields\" array%s%s", q(c, 0, n->fullname),
		        fields ? ", not " : "", fields ? jsvalue_type_word(fields) : "");
		path_pop(c, m);
		return NULL;
	}
	size_t count = json_array_size(fields);
	n->fields = arena_array(&c->s->arena, count, sizeof *n->fields);
	if ((count && !n->fields) || index_init(&c->s->arena, &n->field_index, count) < 0) {
		nomem(c);
		return NULL;
	}
	size_t m = path_push(c, "fields");
	for (size_t i = 0; i < count; i++) {
		size_t m2 = path_push_index(c, i);
		if (parse_field(c, n, &n->fields[i], json_array_get(fields, i), depth) < 0)
			return NULL;
		n->nfields = i + 1;
		path_pop(c, m2);
	}
	path_pop(c, m);
	n->complete = 1;
	avattr_logical(n);
	return n;
}

static const struct avsc_node *parse_enum(struct pctx *c, const json_t *obj, const char *space)
{
	struct avsc_node *n = new_node(c, AVSC_ENUM, obj, AVSC_RESERVED_ENUM);
	if (!n || parse_named(c, obj, n, space) < 0)
		return NULL;
	const json_t *sy = json_object_get(obj, "symbols");
	if (!json_is_array(sy)) {
		size_t m = sy ? path_push(c, "symbols") : c->path.len;
		invalid(c, "enum '%s' needs a \"symbols\" array%s%s", q(c, 0, n->fullname),
		        sy ? ", not " : "", sy ? jsvalue_type_word(sy) : "");
		path_pop(c, m);
		return NULL;
	}
	size_t count = json_array_size(sy);
	n->symbols = arena_array(&c->s->arena, count, sizeof *n->symbols);
	if ((count && !n->symbols) || index_init(&c->s->arena, &n->symbol_index, count) < 0) {
		nomem(c);
		return NULL;
	}
	size_t m = path_push(c, "symbols");
	for (size_t i = 0; i < count; i++) {
		const json_t *e = json_array_get(sy, i);
		size_t m2 = path_push_index(c, i);
		if (!avsc_json_cstr(e)) {
			invalid(c, "an enum symbol must be a string, not %s", not_cstr(e));
			return NULL;
		}
		const char *sym = avsc_json_cstr(e);
		if (!valid_name(sym)) {
			invalid(c,
			        "invalid symbol '%s' in enum '%s': a symbol must match "
			        "[A-Za-z_][A-Za-z0-9_]*",
			        q(c, 0, sym), q(c, 1, n->fullname));
			return NULL;
		}
		if (index_put(&n->symbol_index, sym, (uint32_t)i) >= 0) {
			invalid(c, "duplicate symbol '%s' in enum '%s'", q(c, 0, sym),
			        q(c, 1, n->fullname));
			return NULL;
		}
		n->symbols[i] = sym;
		n->nsymbols = i + 1;
		path_pop(c, m2);
	}
	path_pop(c, m);
	const json_t *d = json_object_get(obj, "default");
	if (d) {
		m = path_push(c, "default");
		if (!avsc_json_cstr(d) || index_get(&n->symbol_index, avsc_json_cstr(d)) < 0) {
			invalid(c, "the default %s of enum '%s' is not one of its symbols",
			        qjson(c, 0, d), q(c, 1, n->fullname));
			return NULL;
		}
		n->enum_default = avsc_json_cstr(d);
		path_pop(c, m);
	}
	avattr_logical(n);
	return n;
}

static const struct avsc_node *parse_fixed(struct pctx *c, const json_t *obj, const char *space)
{
	struct avsc_node *n = new_node(c, AVSC_FIXED, obj, AVSC_RESERVED_SCHEMA);
	if (!n || parse_named(c, obj, n, space) < 0)
		return NULL;
	const json_t *sz = json_object_get(obj, "size");
	if (!sz) {
		invalid(c, "fixed '%s' has no \"size\"", q(c, 0, n->fullname));
		return NULL;
	}
	size_t m = path_push(c, "size");
	json_int_t v = json_is_integer(sz) ? json_integer_value(sz) : 0;
	if (!json_is_integer(sz) || v < INT32_MIN || v > INT32_MAX) {
		invalid(c, "the size of fixed '%s' must be an int, not %s", q(c, 0, n->fullname),
		        qjson(c, 1, sz));
		return NULL;
	}
	if (v < 0 || v > INT32_MAX - 8) {
		invalid(c, "the size %lld of fixed '%s' is out of range (0 to %d)", (long long)v,
		        q(c, 0, n->fullname), INT32_MAX - 8);
		return NULL;
	}
	path_pop(c, m);
	n->size = (size_t)v;
	avattr_logical(n);
	return n;
}

static const struct avsc_node *parse_container(struct pctx *c, const json_t *obj, const char *space,
                                               int depth, enum avsc_kind kind)
{
	const char *key = kind == AVSC_ARRAY ? "items" : "values";
	const json_t *cj = json_object_get(obj, key);
	if (!cj) {
		invalid(c, "%s has no \"%s\"", kind_names[kind], key);
		return NULL;
	}
	struct avsc_node *n = new_node(c, kind, obj, AVSC_RESERVED_SCHEMA);
	if (!n)
		return NULL;
	size_t m = path_push(c, key);
	n->child = parse_type(c, cj, space, depth + 1);
	path_pop(c, m);
	if (!n->child)
		return NULL;
	avattr_logical(n);
	return n;
}

static const struct avsc_node *parse_union(struct pctx *c, const json_t *arr, const char *space,
                                           int depth)
{
	struct avsc_node *n = new_node(c, AVSC_UNION, NULL, AVSC_RESERVED_SCHEMA);
	if (!n)
		return NULL;
	size_t count = json_array_size(arr);
	struct avsc_index seen = {0};
	n->branches = arena_array(&c->s->arena, count, sizeof *n->branches);
	if ((count && !n->branches) || index_init(&c->s->arena, &seen, count) < 0) {
		nomem(c);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		size_t m = path_push_index(c, i);
		const struct avsc_node *b = parse_type(c, json_array_get(arr, i), space, depth + 1);
		if (!b)
			return NULL;
		if (b->kind == AVSC_UNION) {
			invalid(c, "a union may not directly contain another union");
			return NULL;
		}
		const char *key = is_named(b) ? b->fullname : kind_names[b->kind];
		if (index_put(&seen, key, 0) >= 0) {
			invalid(c, "duplicate type '%s' in union", q(c, 0, key));
			return NULL;
		}
		n->branches[i] = b;
		n->nbranches = i + 1;
		path_pop(c, m);
	}
	return n;
}

static const struct avsc_node *parse_object(struct pctx *c, const json_t *obj, const char *space,
                                            int depth)
{
	const json_t *tj = json_object_get(obj, "type");
	if (!tj) {
		invalid(c, "a schema object needs a \"type\"");
		return NULL;
	}
	if (!avsc_json_cstr(tj)) {
		size_t m = path_push(c, "type");
		invalid(c, "\"type\" must be a string, not %s", not_cstr(tj));
		path_pop(c, m);
		return NULL;
	}
	const char *t = avsc_json_cstr(tj);
	int k = primitive_kind(t);
	if (k >= 0) {
		struct avsc_node *n = new_node(c, (enum avsc_kind)k, obj, AVSC_RESERVED_SCHEMA);
		if (n)
			avattr_logical(n);
		return n;
	}
	if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0)
		return parse_record(c, obj, space, depth, t[0] == 'e');
	if (strcmp(t, "enum") == 0)
		return parse_enum(c, obj, space);
	if (strcmp(t, "array") == 0)
		return parse_container(c, obj, space, depth, AVSC_ARRAY);
	if (strcmp(t, "map") == 0)
		return parse_container(c, obj, space, depth, AVSC_MAP);
	if (strcmp(t, "fixed") == 0)
		return parse_fixed(c, obj, space);
	/* {"type": "SomeName"} refers to a named type already defined. */
	const struct avsc_node *n = resolve(c, t, space);
	if (!n && !c->failed) {
		size_t m = path_push(c, "type");
		invalid(c,
		        "unknown type '%s': not a primitive, nor a type defined before this point",
		        q(c, 0, t));
		path_pop(c, m);
	}
	return n;
}

static const struct avsc_node *parse_type(struct pctx *c, const json_t *j, const char *space,
                                          int depth)
{
	if (depth > AVSC_MAX_DEPTH) {
		fail(c, SG_ELIMIT, "schema nested deeper than %d levels", AVSC_MAX_DEPTH);
		return NULL;
	}
	switch (json_typeof(j)) {
	case JSON_STRING: {
		const char *name = avsc_json_cstr(j);
		const struct avsc_node *n = name ? resolve(c, name, space) : NULL;
		if (!n && !c->failed)
			invalid(
			    c,
			    "unknown type '%s': not a primitive, nor a type defined before this "
			    "point",
			    q(c, 0, json_string_value(j)));
		return n;
	}
	case JSON_ARRAY:
		return parse_union(c, j, space, depth);
	case JSON_OBJECT:
		return parse_object(c, j, space, depth);
	default:
		invalid(c, "a schema must be a JSON string, object or array, not %s",
		        jsvalue_type_word(j));
		return NULL;
	}
}

/* ---- entry points ---- */

static struct avsc_schema *parse_impl(const char *text, size_t len,
                                      const struct avsc_schema *const *refs, size_t nrefs,
                                      enum parse_mode mode, struct sg_error *err);

static char *dup_text(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Computes the printed forms. Returns 0 or -1 (out of memory). */
static int make_forms(struct avsc_schema *s, enum parse_mode mode, struct sg_error *err)
{
	struct strbuf b;
	strbuf_init(&b);
	avform_java(s, &b);
	if (!(s->java = strbuf_release(&b)))
		goto nomem;
	if (mode == PARSE_JAVA_ONLY)
		return 0;
	strbuf_init(&b);
	avform_canonical(s, &b);
	if (!(s->canonical = strbuf_release(&b)))
		goto nomem;
	s->fingerprint = avform_fingerprint64(s->canonical, strlen(s->canonical));

	/* Confluent's normalize(): build its text, parse it again, print it. When
	 * that text does not parse (a nested null-namespace type takes its
	 * parent's namespace and collides), Confluent fails; keep toString(). */
	strbuf_init(&b);
	avform_normal_text(s, &b);
	char *text = strbuf_release(&b);
	if (!text)
		goto nomem;
	struct sg_error e2;
	error_clear(&e2);
	struct avsc_schema *n =
	    parse_impl(text, strlen(text), s->refs, s->nrefs, PARSE_JAVA_ONLY, &e2);
	free(text);
	if (n) {
		s->normalized = n->java;
		n->java = NULL;
		avsc_free(n);
	} else if (e2.code == SG_ENOMEM) {
		goto nomem;
	} else if (!(s->normalized = dup_text(s->java))) {
		goto nomem;
	}
	return 0;
nomem:
	error_set(err, SG_ENOMEM, "out of memory while printing the Avro schema");
	return -1;
}

static struct avsc_schema *parse_impl(const char *text, size_t len,
                                      const struct avsc_schema *const *refs, size_t nrefs,
                                      enum parse_mode mode, struct sg_error *err)
{
	struct avsc_schema *s = calloc(1, sizeof *s);
	if (!s) {
		error_set(err, SG_ENOMEM, "out of memory while parsing the Avro schema");
		return NULL;
	}
	struct pctx c = {.s = s, .err = err};
	strbuf_init(&c.path);
	strbuf_init(&c.scratch);

	json_error_t je;
	s->doc =
	    json_loadb(text ? text : "", text ? len : 0, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!s->doc) {
		/* jansson reports some allocation failures inside its lexer as syntax
		 * errors; those cannot be told apart and come out as invalid JSON. */
		enum json_error_code jc = json_error_code(&je);
		if (jc == json_error_stack_overflow)
			error_set(err, SG_ELIMIT,
			          "schema JSON nested too deeply (line %d, column %d)", je.line,
			          je.column);
		else if (jc == json_error_out_of_memory || je.text[0] == '\0')
			error_set(err, SG_ENOMEM, "out of memory while reading the schema JSON");
		else
			error_set(err, SG_EINVALID_SCHEMA, "invalid JSON at line %d, column %d: %s",
			          je.line, je.column, je.text);
		goto fail;
	}
	if (!(s->extra = json_array())) {
		nomem(&c);
		goto fail;
	}
	if (nrefs) {
		s->refs = arena_array(&s->arena, nrefs, sizeof *s->refs);
		if (!s->refs) {
			nomem(&c);
			goto fail;
		}
		for (size_t i = 0; i < nrefs; i++) {
			const struct typetab *t = &refs[i]->types;
			s->refs[s->nrefs++] = refs[i];
			for (size_t k = 0; k < t->cap; k++) {
				if (t->keys[k] && !typetab_get(&s->types, t->keys[k]) &&
				    typetab_put(&s->types, t->keys[k], t->vals[k]) < 0) {
					nomem(&c);
					goto fail;
				}
			}
		}
	}
	s->root = parse_type(&c, s->doc, "", 1);
	if (!s->root)
		goto fail;
	if (c.path.failed || c.scratch.failed) {
		nomem(&c);
		goto fail;
	}
	if (make_forms(s, mode, err) < 0)
		goto fail;
	strbuf_free(&c.path);
	strbuf_free(&c.scratch);
	return s;
fail:
	if (err && err->code == SG_OK)
		error_set(err, SG_ENOMEM, "out of memory while parsing the Avro schema");
	strbuf_free(&c.path);
	strbuf_free(&c.scratch);
	avsc_free(s);
	return NULL;
}

struct avsc_schema *avsc_parse(const char *text, size_t len, const struct avsc_schema *const *refs,
                               size_t nrefs, struct sg_error *err)
{
	struct sg_error local;
	error_clear(&local);
	for (size_t i = 0; i < nrefs; i++) {
		if (!refs[i]) {
			error_set(err, SG_EINTERNAL, "reference %zu is NULL", i);
			return NULL;
		}
	}
	struct avsc_schema *s = parse_impl(text, len, refs, nrefs, PARSE_ALL, &local);
	if (!s && err && err->code == SG_OK)
		*err = local;
	return s;
}

void avsc_free(struct avsc_schema *s)
{
	if (!s)
		return;
	json_decref(s->doc);
	json_decref(s->extra);
	typetab_free(&s->types);
	free(s->java);
	free(s->canonical);
	free(s->normalized);
	arena_free(&s->arena);
	free(s);
}

const struct avsc_node *avsc_root(const struct avsc_schema *s)
{
	return s ? s->root : NULL;
}

const struct avsc_node *avsc_lookup(const struct avsc_schema *s, const char *fullname)
{
	if (!s || !fullname)
		return NULL;
	return typetab_get(&s->types, fullname);
}

const char *avsc_canonical_form(const struct avsc_schema *s)
{
	return s ? s->canonical : NULL;
}
const char *avsc_java_string(const struct avsc_schema *s)
{
	return s ? s->java : NULL;
}

char *avsc_resolved_string(const struct avsc_schema *s)
{
	struct strbuf b;
	strbuf_init(&b);
	if (avform_java_with(s, 0, &b) != 0) {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_release(&b);
}
const char *avsc_normalized(const struct avsc_schema *s)
{
	return s ? s->normalized : NULL;
}
uint64_t avsc_fingerprint64(const struct avsc_schema *s)
{
	return s ? s->fingerprint : 0;
}

size_t avsc_ref_count(const struct avsc_schema *s)
{
	return s->nrefs;
}
const struct avsc_schema *avsc_ref(const struct avsc_schema *s, size_t i)
{
	return s->refs[i];
}

/* ---- node accessors ---- */

enum avsc_kind avsc_kind(const struct avsc_node *n)
{
	return n ? n->kind : AVSC_NULL;
}

const char *avsc_fullname(const struct avsc_node *n)
{
	return n && is_named(n) ? n->fullname : NULL;
}

const char *avsc_name(const struct avsc_node *n)
{
	return n && is_named(n) ? n->name : NULL;
}

const char *avsc_namespace(const struct avsc_node *n)
{
	return n && is_named(n) ? n->space : NULL;
}

size_t avsc_alias_count(const struct avsc_node *n)
{
	return n ? n->naliases : 0;
}

const char *avsc_alias(const struct avsc_node *n, size_t i)
{
	return n && i < n->naliases ? n->aliases[i] : NULL;
}

const char *avsc_doc(const struct avsc_node *n)
{
	return n ? n->doc : NULL;
}
const char *avsc_logical_type(const struct avsc_node *n)
{
	return n ? n->logical : NULL;
}

int avsc_decimal_precision(const struct avsc_node *n)
{
	return n && n->logical && strcmp(n->logical, "decimal") == 0 ? n->precision : 0;
}

int avsc_decimal_scale(const struct avsc_node *n)
{
	return n && n->logical && strcmp(n->logical, "decimal") == 0 ? n->scale : 0;
}

size_t avsc_field_count(const struct avsc_node *n)
{
	return n && n->kind == AVSC_RECORD ? n->nfields : 0;
}

const struct avsc_field *avsc_field(const struct avsc_node *n, size_t i)
{
	return n && n->kind == AVSC_RECORD && i < n->nfields ? &n->fields[i] : NULL;
}

const struct avsc_field *avsc_field_by_name(const struct avsc_node *n, const char *name)
{
	if (!n || n->kind != AVSC_RECORD || !name)
		return NULL;
	long i = index_get(&n->field_index, name);
	return i >= 0 && (size_t)i < n->nfields ? &n->fields[i] : NULL;
}

const char *avsc_field_name(const struct avsc_field *f)
{
	return f ? f->name : NULL;
}
const struct avsc_node *avsc_field_type(const struct avsc_field *f)
{
	return f ? f->type : NULL;
}
const json_t *avsc_field_default(const struct avsc_field *f)
{
	return f ? f->def : NULL;
}
size_t avsc_field_alias_count(const struct avsc_field *f)
{
	return f ? f->naliases : 0;
}

const char *avsc_field_alias(const struct avsc_field *f, size_t i)
{
	return f && i < f->naliases ? f->aliases[i] : NULL;
}

const char *avsc_field_doc(const struct avsc_field *f)
{
	return f ? f->doc : NULL;
}

size_t avsc_symbol_count(const struct avsc_node *n)
{
	return n && n->kind == AVSC_ENUM ? n->nsymbols : 0;
}

const char *avsc_symbol(const struct avsc_node *n, size_t i)
{
	return n && n->kind == AVSC_ENUM && i < n->nsymbols ? n->symbols[i] : NULL;
}

int avsc_symbol_index(const struct avsc_node *n, const char *symbol)
{
	if (!n || n->kind != AVSC_ENUM || !symbol)
		return -1;
	return (int)index_get(&n->symbol_index, symbol);
}

const char *avsc_enum_default(const struct avsc_node *n)
{
	return n && n->kind == AVSC_ENUM ? n->enum_default : NULL;
}

const struct avsc_node *avsc_items(const struct avsc_node *n)
{
	return n && n->kind == AVSC_ARRAY ? n->child : NULL;
}

const struct avsc_node *avsc_values(const struct avsc_node *n)
{
	return n && n->kind == AVSC_MAP ? n->child : NULL;
}

size_t avsc_branch_count(const struct avsc_node *n)
{
	return n && n->kind == AVSC_UNION ? n->nbranches : 0;
}

const struct avsc_node *avsc_branch(const struct avsc_node *n, size_t i)
{
	return n && n->kind == AVSC_UNION && i < n->nbranches ? n->branches[i] : NULL;
}

size_t avsc_fixed_size(const struct avsc_node *n)
{
	return n && n->kind == AVSC_FIXED ? n->size : 0;
}
