/* compat/jsonschema/jsdoc.c: the validation document model: arena, strict parser,
 * conversions from and to jansson, member lookup. */
#include "compat/jsonschema/jsdoc.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jslex.h"

/* --- arena --- */

struct chunk {
	struct chunk *next;
	alignas(max_align_t) unsigned char data[];
};

void jsd_arena_init(struct jsd_arena *a, void *buf, size_t cap)
{
	a->cur = buf;
	a->used = 0;
	a->cap = buf ? cap : 0;
	a->chunks = NULL;
}

void jsd_arena_free(struct jsd_arena *a)
{
	struct chunk *c = a->chunks;
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	a->chunks = NULL;
	a->cur = NULL;
	a->used = a->cap = 0;
}

static void *arena_alloc(struct jsd_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	size_t off = (a->used + 7) & ~(size_t)7;
	if (a->cur && off <= a->cap && a->cap - off >= n) {
		a->used = off + n;
		return a->cur + off;
	}
	size_t cap = n > 8192 ? n : 8192;
	struct chunk *c = malloc(sizeof *c + cap);
	if (!c)
		return NULL;
	c->next = a->chunks;
	a->chunks = c;
	a->cur = c->data;
	a->cap = cap;
	a->used = n;
	return c->data;
}

/* --- member lookup --- */

static uint32_t key_hash(const char *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 16777619u;
	}
	return h;
}

static size_t index_size(size_t n)
{
	size_t cap = 32;
	while (cap < 2 * n)
		cap *= 2;
	return cap;
}

/* Builds the hash index of object `o` (n > 16). Returns 0, 1 when two keys
 * are equal (the later one's position in *dup), or -1 out of memory. */
static int build_index(struct jsd_arena *a, struct jsd *o, size_t *dup)
{
	size_t cap = index_size(o->n);
	uint32_t *t = arena_alloc(a, cap * sizeof *t);
	if (!t)
		return -1;
	memset(t, 0, cap * sizeof *t);
	for (uint32_t i = 0; i < o->n; i++) {
		const struct jsd_member *m = &o->u.members[i];
		size_t s = key_hash(m->key, m->klen) & (cap - 1);
		for (; t[s]; s = (s + 1) & (cap - 1)) {
			const struct jsd_member *q = &o->u.members[t[s] - 1];
			if (q->klen == m->klen && memcmp(q->key, m->key, m->klen) == 0) {
				*dup = i;
				return 1;
			}
		}
		t[s] = i + 1;
	}
	o->index = t;
	return 0;
}

const struct jsd *jsd_object_get(const struct jsd *o, const char *k, size_t n)
{
	if (o->type != JSD_OBJECT)
		return NULL;
	if (!o->index) {
		for (uint32_t i = 0; i < o->n; i++) {
			const struct jsd_member *m = &o->u.members[i];
			if (m->klen == n &&
			    (n == 0 || (m->key[0] == k[0] && memcmp(m->key, k, n) == 0)))
				return &m->val;
		}
		return NULL;
	}
	size_t mask = index_size(o->n) - 1;
	for (size_t s = key_hash(k, n) & mask; o->index[s]; s = (s + 1) & mask) {
		const struct jsd_member *m = &o->u.members[o->index[s] - 1];
		if (m->klen == n && memcmp(m->key, k, n) == 0)
			return &m->val;
	}
	return NULL;
}

/* --- parser --- */

/* A value waiting for its container to close, with the key (objects) and
 * where that key started (for the duplicate-key message). */
struct pending {
	struct jsd_member m;
	const unsigned char *at;
};

struct parser {
	struct jslex lx;
	int depth;
	struct jsd_arena *a;
	struct pending *stack;
	size_t sp, scap;
	struct pending first[64];
};

/* Reads the string whose opening quote is at the cursor of `lx` into *s /
 * *n: pointing into the input when it has no escapes, else decoded into
 * `buf` when its raw body fits in `cap` bytes, else into arena `a`. Sets
 * *nul when it holds a NUL character. Returns 0, or -1 (a syntax error, out
 * of memory, or no room: `a` NULL and too long for `buf`, with no error
 * set). */
static inline int read_string(struct jslex *lx, struct jsd_arena *a, char *buf, size_t cap,
                              const char **s, uint32_t *n, int *nul)
{
	struct jslex_str t;
	*nul = 0;
	if (jslex_string(lx, &t) < 0)
		return -1;
	if (t.len > UINT32_MAX)
		return jslex_fail_at(lx, (const unsigned char *)t.raw, "string too long");
	if (!t.escaped) {
		*s = t.raw;
		*n = (uint32_t)t.len;
		return 0;
	}
	/* Decoding only shrinks: \uXXXX (6 bytes) gives at most 3. */
	char *out = t.len <= cap ? buf : a ? arena_alloc(a, t.len ? t.len : 1) : NULL;
	if (!out)
		return a ? jslex_nomem(lx) : -1;
	long len = jslex_unescape(lx, &t, out, nul);
	if (len < 0)
		return -1;
	*s = out;
	*n = (uint32_t)len;
	return 0;
}

int jsd_scalar(struct jslex *lx, struct jsd_arena *a, char *buf, size_t cap, struct jsd *out)
{
	int nul;
	out->n = 0;
	out->index = NULL;
	switch (*lx->p) {
	case '"':
		out->type = JSD_STRING;
		return read_string(lx, a, buf, cap, &out->u.s, &out->n, &nul);
	case 't':
		out->type = JSD_TRUE;
		return jslex_literal(lx, "true", 4) ? 0 : jslex_fail(lx, "invalid token");
	case 'f':
		out->type = JSD_FALSE;
		return jslex_literal(lx, "false", 5) ? 0 : jslex_fail(lx, "invalid token");
	case 'n':
		out->type = JSD_NULL;
		return jslex_literal(lx, "null", 4) ? 0 : jslex_fail(lx, "invalid token");
	default: {
		struct jslex_num num;
		if (!(*lx->p == '-' || (*lx->p >= '0' && *lx->p <= '9')))
			return jslex_fail(lx, "invalid token");
		if (jslex_number(lx, &num) < 0)
			return -1;
		out->type = num.is_int ? JSD_INT : JSD_REAL;
		if (num.is_int)
			out->u.i = num.i;
		else
			out->u.d = num.d;
		return 0;
	}
	}
}

static int push(struct parser *ps)
{
	if (ps->sp < ps->scap)
		return 0;
	size_t cap = ps->scap * 2;
	struct pending *s = malloc(cap * sizeof *s);
	if (!s)
		return jslex_nomem(&ps->lx);
	memcpy(s, ps->stack, ps->sp * sizeof *s);
	if (ps->stack != ps->first)
		free(ps->stack);
	ps->stack = s;
	ps->scap = cap;
	return 0;
}

static int parse_value(struct parser *ps, struct jsd *out);

static int parse_array(struct parser *ps, struct jsd *out)
{
	size_t base = ps->sp;
	ps->lx.p++;
	jslex_ws(&ps->lx);
	if (!(ps->lx.p < ps->lx.end && *ps->lx.p == ']')) {
		for (;;) {
			/* The stack may move while the value parses: keep the index. */
			if (push(ps) < 0)
				return -1;
			size_t idx = ps->sp++;
			memset(&ps->stack[idx], 0, sizeof ps->stack[idx]);
			struct jsd v;
			if (parse_value(ps, &v) < 0)
				return -1;
			ps->stack[idx].m.val = v;
			jslex_ws(&ps->lx);
			if (ps->lx.p >= ps->lx.end)
				return jslex_fail(&ps->lx, "']' expected near end of input");
			if (*ps->lx.p == ',') {
				ps->lx.p++;
				continue;
			}
			if (*ps->lx.p == ']')
				break;
			return jslex_fail(&ps->lx, "',' or ']' expected");
		}
	}
	ps->lx.p++;
	size_t n = ps->sp - base;
	struct jsd *items = NULL;
	if (n && !(items = arena_alloc(ps->a, n * sizeof *items)))
		return jslex_nomem(&ps->lx);
	for (size_t i = 0; i < n; i++)
		items[i] = ps->stack[base + i].m.val;
	ps->sp = base;
	memset(out, 0, sizeof *out);
	out->type = JSD_ARRAY;
	out->n = (uint32_t)n;
	out->u.items = items;
	return 0;
}

static int parse_object(struct parser *ps, struct jsd *out)
{
	size_t base = ps->sp;
	ps->lx.p++;
	jslex_ws(&ps->lx);
	if (!(ps->lx.p < ps->lx.end && *ps->lx.p == '}')) {
		for (;;) {
			jslex_ws(&ps->lx);
			if (ps->lx.p >= ps->lx.end || *ps->lx.p != '"')
				return jslex_fail(&ps->lx, "string or '}' expected");
			if (push(ps) < 0)
				return -1;
			struct pending *e = &ps->stack[ps->sp];
			memset(e, 0, sizeof *e);
			e->at = ps->lx.p;
			int nul;
			if (read_string(&ps->lx, ps->a, NULL, 0, &e->m.key, &e->m.klen, &nul) < 0)
				return -1;
			if (nul)
				return jslex_fail_at(&ps->lx, e->at,
				                     "NUL character in an object key");
			size_t idx = ps->sp++;
			jslex_ws(&ps->lx);
			if (ps->lx.p >= ps->lx.end || *ps->lx.p != ':')
				return jslex_fail(&ps->lx, "':' expected");
			ps->lx.p++;
			struct jsd v;
			if (parse_value(ps, &v) < 0)
				return -1;
			ps->stack[idx].m.val = v;
			jslex_ws(&ps->lx);
			if (ps->lx.p >= ps->lx.end)
				return jslex_fail(&ps->lx, "'}' expected near end of input");
			if (*ps->lx.p == ',') {
				ps->lx.p++;
				continue;
			}
			if (*ps->lx.p == '}')
				break;
			return jslex_fail(&ps->lx, "',' or '}' expected");
		}
	}
	ps->lx.p++;
	size_t n = ps->sp - base;
	struct jsd_member *m = NULL;
	if (n && !(m = arena_alloc(ps->a, n * sizeof *m)))
		return jslex_nomem(&ps->lx);
	for (size_t i = 0; i < n; i++)
		m[i] = ps->stack[base + i].m;
	memset(out, 0, sizeof *out);
	out->type = JSD_OBJECT;
	out->n = (uint32_t)n;
	out->u.members = m;
	/* Duplicate keys: pairwise for small objects, by the index otherwise. */
	size_t dup = 0;
	int found = 0;
	if (n <= 16) {
		for (size_t i = 1; i < n && !found; i++)
			for (size_t j = 0; j < i; j++)
				if (m[i].klen == m[j].klen &&
				    memcmp(m[i].key, m[j].key, m[i].klen) == 0) {
					dup = i;
					found = 1;
					break;
				}
	} else {
		found = build_index(ps->a, out, &dup);
		if (found < 0)
			return jslex_nomem(&ps->lx);
	}
	if (found)
		return jslex_fail_at(&ps->lx, ps->stack[base + dup].at, "duplicate object key");
	ps->sp = base;
	return 0;
}

static int parse_value(struct parser *ps, struct jsd *out)
{
	jslex_ws(&ps->lx);
	memset(out, 0, sizeof *out);
	if (ps->lx.p >= ps->lx.end)
		return jslex_fail(&ps->lx, "a value expected near end of input");
	switch (*ps->lx.p) {
	case '{':
	case '[': {
		if (++ps->depth > JSD_MAX_DEPTH)
			return jslex_fail(&ps->lx, "maximum nesting depth exceeded");
		int rc = *ps->lx.p == '{' ? parse_object(ps, out) : parse_array(ps, out);
		ps->depth--;
		return rc;
	}
	default:
		return jsd_scalar(&ps->lx, ps->a, NULL, 0, out);
	}
}

const struct jsd *jsd_parse(struct jsd_arena *a, const char *buf, size_t len, struct sg_error *err)
{
	struct parser ps;
	jslex_init(&ps.lx, buf, buf ? len : 0, err);
	ps.depth = 0;
	ps.a = a;
	ps.stack = ps.first;
	ps.sp = 0;
	ps.scap = sizeof ps.first / sizeof ps.first[0];
	if (!buf) {
		error_set(err, SG_EBAD_REQUEST, "invalid JSON: no input");
		return NULL;
	}
	struct jsd *root = arena_alloc(a, sizeof *root);
	int rc = root ? parse_value(&ps, root) : jslex_nomem(&ps.lx);
	if (rc == 0) {
		jslex_ws(&ps.lx);
		if (ps.lx.p != ps.lx.end)
			rc = jslex_fail(&ps.lx, "end of input expected after the value");
	}
	if (ps.stack != ps.first)
		free(ps.stack);
	return rc == 0 ? root : NULL;
}

/* --- conversions --- */

struct conv {
	struct jsd_arena *a;
	unsigned max_depth;
	struct sg_error *err;
};

static int from_json(struct conv *cv, const json_t *v, struct jsd *out, unsigned depth)
{
	memset(out, 0, sizeof *out);
	switch (json_typeof(v)) {
	case JSON_NULL:
		out->type = JSD_NULL;
		return 0;
	case JSON_TRUE:
		out->type = JSD_TRUE;
		return 0;
	case JSON_FALSE:
		out->type = JSD_FALSE;
		return 0;
	case JSON_INTEGER:
		out->type = JSD_INT;
		out->u.i = json_integer_value(v);
		return 0;
	case JSON_REAL:
		out->type = JSD_REAL;
		out->u.d = json_real_value(v);
		return 0;
	case JSON_STRING:
		out->type = JSD_STRING;
		out->u.s = json_string_value(v);
		out->n = (uint32_t)json_string_length(v);
		return 0;
	default:
		break;
	}
	if (depth >= cv->max_depth)
		return error_set(cv->err, SG_ELIMIT, "value nested deeper than %u levels",
		                 cv->max_depth);
	if (json_is_array(v)) {
		size_t n = json_array_size(v);
		struct jsd *items = n ? arena_alloc(cv->a, n * sizeof *items) : NULL;
		if (n && !items)
			return error_set(cv->err, SG_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			if (from_json(cv, json_array_get(v, i), &items[i], depth + 1) < 0)
				return -1;
		out->type = JSD_ARRAY;
		out->n = (uint32_t)n;
		out->u.items = items;
		return 0;
	}
	json_t *o = (json_t *)v;
	size_t n = json_object_size(o), i = 0;
	struct jsd_member *m = n ? arena_alloc(cv->a, n * sizeof *m) : NULL;
	if (n && !m)
		return error_set(cv->err, SG_ENOMEM, "out of memory");
	for (void *it = json_object_iter(o); it && i < n; it = json_object_iter_next(o, it), i++) {
		m[i].key = json_object_iter_key(it);
		m[i].klen = (uint32_t)json_object_iter_key_len(it);
		if (from_json(cv, json_object_iter_value(it), &m[i].val, depth + 1) < 0)
			return -1;
	}
	out->type = JSD_OBJECT;
	out->n = (uint32_t)i;
	out->u.members = m;
	size_t dup;
	if (i > 16 && build_index(cv->a, out, &dup) < 0)
		return error_set(cv->err, SG_ENOMEM, "out of memory");
	return 0;
}

const struct jsd *jsd_from_json(struct jsd_arena *a, const json_t *v, unsigned max_depth,
                                struct sg_error *err)
{
	struct conv cv = {a, max_depth, err};
	struct jsd *root = arena_alloc(a, sizeof *root);
	if (!root) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	return from_json(&cv, v, root, 0) < 0 ? NULL : root;
}

json_t *jsd_to_json(const struct jsd *d)
{
	switch (d->type) {
	case JSD_NULL:
		return json_null();
	case JSD_TRUE:
		return json_true();
	case JSD_FALSE:
		return json_false();
	case JSD_INT:
		return json_integer(d->u.i);
	case JSD_REAL:
		return json_real(d->u.d);
	case JSD_STRING:
		return json_stringn_nocheck(d->u.s, d->n);
	case JSD_ARRAY: {
		json_t *a = json_array();
		for (uint32_t i = 0; a && i < d->n; i++) {
			json_t *e = jsd_to_json(&d->u.items[i]);
			if (!e || json_array_append_new(a, e) < 0) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	default: {
		json_t *o = json_object();
		for (uint32_t i = 0; o && i < d->n; i++) {
			const struct jsd_member *m = &d->u.members[i];
			json_t *e = jsd_to_json(&m->val);
			if (!e || json_object_setn_new_nocheck(o, m->key, m->klen, e) < 0) {
				json_decref(o);
				return NULL;
			}
		}
		return o;
	}
	}
}
