/* compat/protobuf/pbvalid.c: Protobuf payloads checked against a compiled
 * message (the rules are in pbvalid.h). Building allocates; checking does
 * not. */
#include "compat/protobuf/pbvalid.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a field's type reads on the wire. */
enum pbv_kind {
	PBV_VARINT,  /* int32 ... uint64, sint32/64, bool, enums: wire type 0 */
	PBV_FIXED64, /* fixed64, sfixed64, double: wire type 1 */
	PBV_FIXED32, /* fixed32, sfixed32, float: wire type 5 */
	PBV_BYTES,   /* bytes, and a message the schema does not hold: wire type 2 */
	PBV_STRING,  /* string: wire type 2 (UTF-8 when `utf8`) */
	PBV_MESSAGE, /* a message or a map entry: wire type 2, walked */
	PBV_GROUP,   /* a group: wire types 3 ... 4, walked */
	PBV_ANY,     /* a type that does not resolve: any wire type, skipped */
};

static const char *const pbv_kind_names[] = {
    [PBV_VARINT] = "varint", [PBV_FIXED64] = "64-bit", [PBV_FIXED32] = "32-bit",
    [PBV_BYTES] = "bytes",   [PBV_STRING] = "string",  [PBV_MESSAGE] = "message",
    [PBV_GROUP] = "group",   [PBV_ANY] = "any",
};

struct pbv_field {
	uint32_t number;
	uint8_t kind; /* enum pbv_kind */
	uint8_t repeated;
	uint8_t utf8;
	uint8_t req;  /* 1 + the bit of a required field; 0: not required */
	uint32_t msg; /* PBV_MESSAGE, PBV_GROUP: the message's index */
	const char *name;
};

struct pbvalid_msg {
	const char *full;
	uint32_t first, nfields;        /* v->fields[first ..), sorted by number */
	uint32_t nested_first, nnested; /* v->nested[...]: nested messages, declared order */
	uint64_t required;              /* every required field's bit */
	uint8_t dense[32];              /* number < 32 -> 1 + its index in the range; 0 none */
};

/* Where a compiled message comes from (while building only). */
struct pbv_src {
	const struct pbfile_type *type;   /* a declared message, or NULL */
	const struct pbfile_group *group; /* a group, or NULL */
	const char *map_key, *map_value;  /* a map<> field's entry: its types */
	const char *scope;                /* where its field types resolve */
	int proto3;
};

struct pbv_name {
	const char *full;
	uint32_t msg;
};

struct pbvalid {
	struct pbvalid_msg *msgs;
	size_t nmsgs;
	struct pbv_field *fields;
	size_t nfields;
	uint32_t *nested;
	size_t nnested;
	uint32_t top_first, ntop; /* the file's top-level messages, in v->nested */
	char **strs;              /* names made here */
	size_t nstrs;
	/* building only */
	struct pbv_src *src;
	size_t cap_msgs, cap_fields, cap_nested, cap_strs;
	struct pbv_name *by_name; /* declared messages, sorted by full name */
	size_t nby_name;
	const struct pbnames *names;
};

/* ---- building ---- */

static int pbv_grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static const char *pbv_join(struct pbvalid *v, const char *a, const char *b)
{
	if (pbv_grow((void **)&v->strs, &v->cap_strs, v->nstrs + 1, sizeof *v->strs) < 0)
		return NULL;
	size_t la = a ? strlen(a) : 0, n = la + 1 + strlen(b) + 1;
	char *s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s%s%s", la ? a : "", la ? "." : "", b);
	v->strs[v->nstrs++] = s;
	return s;
}

/* Appends a message; returns its index or -1. */
static int64_t pbv_add_msg(struct pbvalid *v, const char *full, struct pbv_src src)
{
	if (v->nmsgs >= UINT32_MAX / 2 ||
	    pbv_grow((void **)&v->msgs, &v->cap_msgs, v->nmsgs + 1, sizeof *v->msgs) < 0)
		return -1;
	size_t cap = v->cap_msgs; /* src grows with msgs */
	void *q = realloc(v->src, cap * sizeof *v->src);
	if (!q)
		return -1;
	v->src = q;
	memset(&v->msgs[v->nmsgs], 0, sizeof *v->msgs);
	v->msgs[v->nmsgs].full = full;
	v->src[v->nmsgs] = src;
	return (int64_t)v->nmsgs++;
}

/* Registers the messages nested in `t` (full name `full`) and, after them,
 * theirs: each message's nested ones are contiguous in v->nested. */
static int pbv_add_nested(struct pbvalid *v, const struct pbfile_type *list, const char *scope,
                          int proto3, uint32_t *first, uint32_t *count)
{
	size_t start = v->nmsgs, nn = 0;
	for (const struct pbfile_type *c = list; c; c = c->next) {
		if (c->is_enum)
			continue;
		const char *full = pbv_join(v, scope, c->name);
		if (!full ||
		    pbv_add_msg(v, full, (struct pbv_src){c, NULL, NULL, NULL, full, proto3}) < 0)
			return -1;
		nn++;
	}
	if (pbv_grow((void **)&v->nested, &v->cap_nested, v->nnested + nn, sizeof *v->nested) < 0)
		return -1;
	*first = (uint32_t)v->nnested;
	*count = (uint32_t)nn;
	for (size_t i = 0; i < nn; i++)
		v->nested[v->nnested++] = (uint32_t)(start + i);
	for (size_t i = 0; i < nn; i++) {
		uint32_t f, c;
		const struct pbfile_type *t = v->src[start + i].type;
		if (pbv_add_nested(v, t->nested, v->msgs[start + i].full, proto3, &f, &c) < 0)
			return -1;
		v->msgs[start + i].nested_first = f;
		v->msgs[start + i].nnested = c;
	}
	return 0;
}

/* By name, then by index: the first of a full name sorts first. */
static int pbv_cmp_name(const void *a, const void *b)
{
	const struct pbv_name *x = a, *y = b;
	int c = strcmp(x->full, y->full);
	return c ? c : x->msg < y->msg ? -1 : x->msg > y->msg;
}

static int pbv_cmp_field(const void *a, const void *b)
{
	const struct pbv_field *x = a, *y = b;
	return x->number < y->number ? -1 : x->number > y->number;
}

/* The declared message of full name `full`, or -1. */
static int64_t pbv_by_name(const struct pbvalid *v, const char *full)
{
	size_t lo = 0, hi = v->nby_name;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(v->by_name[mid].full, full);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < v->nby_name && strcmp(v->by_name[lo].full, full) == 0)
		return v->by_name[lo].msg;
	return -1;
}

static int pbv_scalar(const char *type, struct pbv_field *f, int proto3)
{
	static const struct {
		const char *name;
		enum pbv_kind kind;
	} scalars[] = {
	    {"double", PBV_FIXED64},  {"float", PBV_FIXED32},    {"int32", PBV_VARINT},
	    {"int64", PBV_VARINT},    {"uint32", PBV_VARINT},    {"uint64", PBV_VARINT},
	    {"sint32", PBV_VARINT},   {"sint64", PBV_VARINT},    {"fixed32", PBV_FIXED32},
	    {"fixed64", PBV_FIXED64}, {"sfixed32", PBV_FIXED32}, {"sfixed64", PBV_FIXED64},
	    {"bool", PBV_VARINT},     {"string", PBV_STRING},    {"bytes", PBV_BYTES},
	};
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
		if (strcmp(type, scalars[i].name) == 0) {
			f->kind = (uint8_t)scalars[i].kind;
			f->utf8 = scalars[i].kind == PBV_STRING && proto3;
			return 1;
		}
	return 0;
}

/* Sets f's kind (and message) for type name `type` written in `scope`. */
static void pbv_type(struct pbvalid *v, const char *scope, const char *type, int proto3,
                     struct pbv_field *f)
{
	if (pbv_scalar(type, f, proto3))
		return;
	const struct pbnames_type *t = pbnames_resolve(v->names, scope, strlen(scope), type);
	if (!t) {
		f->kind = PBV_ANY;
		return;
	}
	if (t->kind == PBNAMES_ENUM) {
		f->kind = PBV_VARINT;
		return;
	}
	int64_t m = pbv_by_name(v, t->name);
	f->kind = m < 0 ? PBV_BYTES : PBV_MESSAGE;
	f->msg = m < 0 ? 0 : (uint32_t)m;
}

/* Copies s[0..n) without the spaces around it into buf. */
static void pbv_trim(const char *s, size_t n, char *buf, size_t cap)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	snprintf(buf, cap, "%.*s", (int)n, s);
}

struct pbv_build {
	struct pbvalid *v;
	uint32_t mi;
	unsigned nreq;
	struct sg_error *err;
};

static int pbv_push(struct pbv_build *b, struct pbv_field f, enum pbfile_label label)
{
	struct pbvalid *v = b->v;
	if (pbv_grow((void **)&v->fields, &v->cap_fields, v->nfields + 1, sizeof *v->fields) < 0)
		return error_set(b->err, SG_ENOMEM, "out of memory");
	f.repeated = label == PBFILE_LABEL_REPEATED;
	if (label == PBFILE_LABEL_REQUIRED) {
		if (b->nreq == PBVALID_MAX_REQUIRED)
			return error_set(b->err, SG_ELIMIT,
			                 "message %s has more than %d required fields",
			                 v->msgs[b->mi].full, PBVALID_MAX_REQUIRED);
		f.req = (uint8_t)(++b->nreq);
		v->msgs[b->mi].required |= 1ull << (f.req - 1);
	}
	v->fields[v->nfields++] = f;
	return 0;
}

static int pbv_add_field(struct pbv_build *b, const struct pbfile_field *pf)
{
	struct pbvalid *v = b->v;
	const struct pbv_src src = v->src[b->mi];
	struct pbv_field f = {.number = (uint32_t)pf->tag, .name = pf->name};
	if (strncmp(pf->type, "map<", 4) == 0) {
		const char *comma = strchr(pf->type, ','), *close = strrchr(pf->type, '>');
		if (!comma || !close || close < comma)
			return error_set(b->err, SG_EINVALID_SCHEMA, "bad map type %s", pf->type);
		char key[128], value[512];
		pbv_trim(pf->type + 4, (size_t)(comma - pf->type - 4), key, sizeof key);
		pbv_trim(comma + 1, (size_t)(close - comma - 1), value, sizeof value);
		const char *k = pbv_join(v, NULL, key), *val = pbv_join(v, NULL, value);
		int64_t e =
		    k && val
		        ? pbv_add_msg(v, v->msgs[b->mi].full,
		                      (struct pbv_src){NULL, NULL, k, val, src.scope, src.proto3})
		        : -1;
		if (e < 0)
			return error_set(b->err, SG_ENOMEM, "out of memory");
		f.kind = PBV_MESSAGE;
		f.msg = (uint32_t)e;
		return pbv_push(b, f, PBFILE_LABEL_REPEATED);
	}
	pbv_type(v, src.scope, pf->type, src.proto3, &f);
	return pbv_push(b, f, pf->label);
}

static int pbv_add_group(struct pbv_build *b, const struct pbfile_group *g)
{
	struct pbvalid *v = b->v;
	const struct pbv_src src = v->src[b->mi];
	const char *full = pbv_join(v, v->msgs[b->mi].full, g->name);
	int64_t e = full ? pbv_add_msg(v, full,
	                               (struct pbv_src){NULL, g, NULL, NULL, src.scope, src.proto3})
	                 : -1;
	if (e < 0)
		return error_set(b->err, SG_ENOMEM, "out of memory");
	struct pbv_field f = {
	    .number = (uint32_t)g->tag, .kind = PBV_GROUP, .msg = (uint32_t)e, .name = g->name};
	return pbv_push(b, f, g->label);
}

/* Emits message mi's fields, contiguous and sorted. */
static int pbv_compile_msg(struct pbvalid *v, uint32_t mi, struct sg_error *err)
{
	struct pbv_build b = {v, mi, 0, err};
	const struct pbv_src src = v->src[mi];
	size_t first = v->nfields;
	if (src.type) {
		for (const struct pbfile_field *f = src.type->fields; f; f = f->next)
			if (pbv_add_field(&b, f) < 0)
				return -1;
		for (const struct pbfile_oneof *o = src.type->oneofs; o; o = o->next) {
			for (const struct pbfile_field *f = o->fields; f; f = f->next)
				if (pbv_add_field(&b, f) < 0)
					return -1;
			for (const struct pbfile_group *g = o->groups; g; g = g->next)
				if (pbv_add_group(&b, g) < 0)
					return -1;
		}
		for (const struct pbfile_group *g = src.type->groups; g; g = g->next)
			if (pbv_add_group(&b, g) < 0)
				return -1;
	} else if (src.group) {
		for (const struct pbfile_field *f = src.group->fields; f; f = f->next)
			if (pbv_add_field(&b, f) < 0)
				return -1;
	} else {
		struct pbv_field k = {.number = 1, .name = "key"},
		                 val = {.number = 2, .name = "value"};
		pbv_type(v, src.scope, src.map_key, src.proto3, &k);
		pbv_type(v, src.scope, src.map_value, src.proto3, &val);
		if (pbv_push(&b, k, PBFILE_LABEL_NONE) < 0 ||
		    pbv_push(&b, val, PBFILE_LABEL_NONE) < 0)
			return -1;
	}
	struct pbvalid_msg *m = &v->msgs[mi];
	m->first = (uint32_t)first;
	m->nfields = (uint32_t)(v->nfields - first);
	if (m->nfields)
		qsort(v->fields + first, m->nfields, sizeof *v->fields, pbv_cmp_field);
	for (uint32_t i = m->nfields; i-- > 0;) {
		uint32_t num = v->fields[first + i].number;
		if (num < 32 && i < 255)
			m->dense[num] = (uint8_t)(i + 1);
	}
	return 0;
}

struct pbvalid *pbvalid_new(const struct pbfile *file, const struct pbfile *const *deps,
                            size_t ndeps, const struct pbnames *names, struct sg_error *err)
{
	struct pbvalid *v = calloc(1, sizeof *v);
	if (!v) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	v->names = names;
	for (size_t i = 0; i <= ndeps; i++) {
		const struct pbfile *f = i == 0 ? file : deps[i - 1];
		uint32_t first, count;
		if (!f)
			continue;
		if (pbv_add_nested(v, f->types, f->package, f->syntax == PBFILE_SYNTAX_PROTO3,
		                   &first, &count) < 0)
			goto nomem;
		if (i == 0) {
			v->top_first = first;
			v->ntop = count;
		}
	}
	if (!v->ntop) {
		error_set(err, SG_EINVALID_SCHEMA,
		          "the schema has no message to check payloads with");
		goto fail;
	}
	if (!(v->by_name = malloc(v->nmsgs * sizeof *v->by_name)))
		goto nomem;
	for (size_t i = 0; i < v->nmsgs; i++)
		v->by_name[i] = (struct pbv_name){v->msgs[i].full, (uint32_t)i};
	qsort(v->by_name, v->nmsgs, sizeof *v->by_name, pbv_cmp_name);
	v->nby_name = v->nmsgs;
	for (size_t i = 0; i < v->nmsgs; i++) /* grows while it runs: groups, map entries */
		if (pbv_compile_msg(v, (uint32_t)i, err) < 0)
			goto fail;
	free(v->src);
	free(v->by_name);
	v->src = NULL;
	v->by_name = NULL;
	return v;
nomem:
	error_set(err, SG_ENOMEM, "out of memory");
fail:
	pbvalid_free(v);
	return NULL;
}

void pbvalid_free(struct pbvalid *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nstrs; i++)
		free(v->strs[i]);
	free(v->strs);
	free(v->msgs);
	free(v->fields);
	free(v->nested);
	free(v->src);
	free(v->by_name);
	free(v);
}

size_t pbvalid_bytes(const struct pbvalid *v)
{
	size_t n = sizeof *v + v->nmsgs * sizeof *v->msgs + v->nfields * sizeof *v->fields +
	           v->nnested * sizeof *v->nested;
	for (size_t i = 0; i < v->nstrs; i++)
		n += strlen(v->strs[i]) + 1;
	return n;
}

const struct pbvalid_msg *pbvalid_root(const struct pbvalid *v)
{
	return &v->msgs[v->nested[v->top_first]];
}

const char *pbvalid_msg_name(const struct pbvalid_msg *m)
{
	return m->full;
}

/* ---- reading ---- */

/* Reads a varint of at most 10 bytes. Returns 0, -1 when cut short, -2 when
 * longer than 10 bytes. */
static inline int pbv_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	if (p < end && *p < 0x80) {
		*out = *p;
		*pp = p + 1;
		return 0;
	}
	uint64_t x = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (p == end)
			return -1;
		uint8_t c = *p++;
		x |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			*pp = p;
			*out = x;
			return 0;
		}
	}
	return -2;
}

int pbvalid_frame(const struct pbvalid *v, const uint8_t *p, size_t n, size_t *header,
                  const struct pbvalid_msg **msg, char *why, size_t cap)
{
	const uint8_t *q = p, *end = p + n;
	uint64_t raw;
	int rc = pbv_varint(&q, end, &raw);
	if (rc < 0) {
		snprintf(why, cap, "message indexes: the count is %s",
		         rc == -1 ? "cut short" : "a varint longer than 10 bytes");
		return -1;
	}
	int64_t count = (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
	uint32_t first = v->top_first, level = v->ntop;
	const struct pbvalid_msg *m = pbvalid_root(v);
	if (count < 0 || count > PBVALID_MAX_INDEXES) {
		snprintf(why, cap, "message indexes: a count of %" PRId64 " (0 .. %d)", count,
		         PBVALID_MAX_INDEXES);
		return -1;
	}
	for (int64_t i = 0; i < count; i++) {
		if ((rc = pbv_varint(&q, end, &raw)) < 0) {
			snprintf(why, cap, "message indexes: index %" PRId64 " is %s", i,
			         rc == -1 ? "cut short" : "a varint longer than 10 bytes");
			return -1;
		}
		int64_t idx = (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
		if (idx < 0 || (uint64_t)idx >= level) {
			snprintf(why, cap,
			         "message indexes: index %" PRId64 " is %" PRId64
			         ", out of range (%s has %" PRIu32 " message%s)",
			         i, idx, i == 0 ? "the schema" : m->full, level,
			         level == 1 ? "" : "s");
			return -1;
		}
		m = &v->msgs[v->nested[first + idx]];
		first = m->nested_first;
		level = m->nnested;
	}
	*header = (size_t)(q - p);
	*msg = m;
	return 0;
}

/* ---- the walk ---- */

struct pbv_walk {
	const struct pbvalid *v;
	const uint8_t *base;
	unsigned flags;
	int words; /* 1: put refusals into words (below) */
	size_t offset;
	char what[192];
	char path[256]; /* built from the innermost field outward */
};

__attribute__((cold, format(printf, 4, 5))) static enum pbvalid_result
pbv_say(struct pbv_walk *w, enum pbvalid_result r, const uint8_t *at, const char *fmt, ...)
{
	if (!w->words)
		return r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->what, sizeof w->what, fmt, ap);
	va_end(ap);
	w->offset = (size_t)(at - w->base);
	return r;
}

/* Puts "/name" before the path built so far. */
__attribute__((cold)) static void pbv_prepend(struct pbv_walk *w, const char *name)
{
	if (!w->words)
		return;
	size_t have = strlen(w->path), add = strlen(name) + 1;
	if (have + add >= sizeof w->path)
		return;
	memmove(w->path + add, w->path, have + 1);
	w->path[0] = '/';
	memcpy(w->path + 1, name, add - 1);
}

#define PBV_FAIL(r, at, ...) return pbv_say(w, (r), (at), __VA_ARGS__)

/* RFC 3629 UTF-8. Returns NULL when valid, else the first bad byte. */
static const uint8_t *pbv_utf8(const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		uint64_t eight;
		if (end - p >= 8) {
			memcpy(&eight, p, 8);
			if (!(eight & 0x8080808080808080ull)) {
				p += 8;
				continue;
			}
		}
		uint8_t c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t n;
		uint32_t min, cp;
		if (c >= 0xc2 && c <= 0xdf)
			n = 2, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4, min = 0x10000, cp = c & 0x07;
		else
			return p;
		if ((size_t)(end - p) < n)
			return p;
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return p;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return p;
		p += n;
	}
	return NULL;
}

static const struct pbvalid_msg pbv_unknown_group = {.full = "(unknown group)"};

static enum pbvalid_result pbv_msg(struct pbv_walk *w, const struct pbvalid_msg *m,
                                   const uint8_t **pp, const uint8_t *end, uint32_t group,
                                   const uint8_t *group_at, unsigned depth);

static inline const struct pbv_field *pbv_find(const struct pbvalid *v, const struct pbvalid_msg *m,
                                               uint32_t num)
{
	if (num < 32) {
		uint8_t i = m->dense[num];
		return i ? &v->fields[m->first + i - 1] : NULL;
	}
	if (!m->nfields) /* v->fields may be NULL */
		return NULL;
	const struct pbv_field *f = v->fields + m->first;
	size_t lo = 0, hi = m->nfields;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (f[mid].number == num)
			return &f[mid];
		if (f[mid].number < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Reads a length and checks it is within [*pp, end). */
static inline enum pbvalid_result pbv_length(struct pbv_walk *w, const uint8_t **pp,
                                             const uint8_t *end, size_t *len)
{
	const uint8_t *at = *pp;
	uint64_t x;
	int rc = pbv_varint(pp, end, &x);
	if (rc < 0)
		PBV_FAIL(PBVALID_SYNTAX, at, "a length that is %s",
		         rc == -1 ? "cut short" : "a varint longer than 10 bytes");
	if (x > (uint64_t)(end - *pp))
		PBV_FAIL(PBVALID_SYNTAX, at,
		         "a length of %" PRIu64 " bytes, past the end (%zu bytes left)", x,
		         (size_t)(end - *pp));
	*len = (size_t)x;
	return PBVALID_OK;
}

/* Skips a field the message does not declare (wire type wt, not 4). */
static enum pbvalid_result pbv_skip(struct pbv_walk *w, unsigned wt, uint32_t num,
                                    const uint8_t **pp, const uint8_t *end, const uint8_t *at,
                                    unsigned depth)
{
	uint64_t x;
	size_t len = 0;
	enum pbvalid_result r;
	int rc;
	switch (wt) {
	case 0:
		if ((rc = pbv_varint(pp, end, &x)) < 0)
			PBV_FAIL(PBVALID_SYNTAX, *pp, "field %" PRIu32 ": a varint that is %s", num,
			         rc == -1 ? "cut short" : "longer than 10 bytes");
		return PBVALID_OK;
	case 1:
	case 5:
		len = wt == 1 ? 8 : 4;
		if ((size_t)(end - *pp) < len)
			PBV_FAIL(PBVALID_SYNTAX, *pp, "field %" PRIu32 ": %zu bytes cut short", num,
			         len);
		*pp += len;
		return PBVALID_OK;
	case 2:
		if ((r = pbv_length(w, pp, end, &len)) != PBVALID_OK)
			return r;
		*pp += len;
		return PBVALID_OK;
	case 3:
		if (depth + 1 > PBVALID_MAX_DEPTH)
			PBV_FAIL(PBVALID_INVALID, at, "nested more than %d deep",
			         PBVALID_MAX_DEPTH);
		return pbv_msg(w, &pbv_unknown_group, pp, end, num, at, depth + 1);
	default:
		PBV_FAIL(PBVALID_SYNTAX, at, "field %" PRIu32 ": wire type %u", num, wt);
	}
}

/* Whether a repeated numeric field's packed payload p[0..len) is whole. */
static enum pbvalid_result pbv_packed(struct pbv_walk *w, const struct pbv_field *f,
                                      const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	if (f->kind == PBV_FIXED64 || f->kind == PBV_FIXED32) {
		size_t size = f->kind == PBV_FIXED64 ? 8 : 4;
		if (len % size)
			PBV_FAIL(PBVALID_SYNTAX, p,
			         "a packed field of %zu bytes, not a multiple of %zu", len, size);
		return PBVALID_OK;
	}
	while (p < end) {
		uint64_t x;
		const uint8_t *at = p;
		int rc = pbv_varint(&p, end, &x);
		if (rc < 0)
			PBV_FAIL(PBVALID_SYNTAX, at, "a packed varint that is %s",
			         rc == -1 ? "cut short" : "longer than 10 bytes");
	}
	return PBVALID_OK;
}

/* Reads field f's value of wire type wt (its tag at `at`). */
static enum pbvalid_result pbv_value(struct pbv_walk *w, const struct pbv_field *f, unsigned wt,
                                     const uint8_t **pp, const uint8_t *end, const uint8_t *at,
                                     unsigned depth)
{
	static const uint8_t wire[] = {
	    [PBV_VARINT] = 0, [PBV_FIXED64] = 1, [PBV_FIXED32] = 5, [PBV_BYTES] = 2,
	    [PBV_STRING] = 2, [PBV_MESSAGE] = 2, [PBV_GROUP] = 3};
	enum pbvalid_result r;
	size_t len = 0;
	if (f->kind == PBV_ANY)
		return pbv_skip(w, wt, f->number, pp, end, at, depth);
	if (wt != wire[f->kind]) {
		if (wt == 2 && f->repeated && f->kind <= PBV_FIXED32) {
			if ((r = pbv_length(w, pp, end, &len)) != PBVALID_OK)
				return r;
			const uint8_t *q = *pp;
			*pp += len;
			return pbv_packed(w, f, q, len);
		}
		PBV_FAIL(PBVALID_INVALID, at,
		         "wire type %u, but the field (%" PRIu32 ", %s) takes %u", wt, f->number,
		         pbv_kind_names[f->kind], wire[f->kind]);
	}
	switch (f->kind) {
	case PBV_VARINT: {
		uint64_t x;
		int rc = pbv_varint(pp, end, &x);
		if (rc < 0)
			PBV_FAIL(PBVALID_SYNTAX, *pp, "a varint that is %s",
			         rc == -1 ? "cut short" : "longer than 10 bytes");
		return PBVALID_OK;
	}
	case PBV_FIXED64:
	case PBV_FIXED32:
		len = f->kind == PBV_FIXED64 ? 8 : 4;
		if ((size_t)(end - *pp) < len)
			PBV_FAIL(PBVALID_SYNTAX, *pp, "a %zu-byte value cut short", len);
		*pp += len;
		return PBVALID_OK;
	case PBV_BYTES:
	case PBV_STRING: {
		if ((r = pbv_length(w, pp, end, &len)) != PBVALID_OK)
			return r;
		const uint8_t *q = *pp, *bad;
		*pp += len;
		if (f->utf8 && (bad = pbv_utf8(q, q + len)))
			PBV_FAIL(PBVALID_INVALID, bad, "a string that is not UTF-8 (byte 0x%02x)",
			         *bad);
		return PBVALID_OK;
	}
	case PBV_MESSAGE: {
		if ((r = pbv_length(w, pp, end, &len)) != PBVALID_OK)
			return r;
		if (depth + 1 > PBVALID_MAX_DEPTH)
			PBV_FAIL(PBVALID_INVALID, at, "nested more than %d deep",
			         PBVALID_MAX_DEPTH);
		const uint8_t *q = *pp;
		*pp += len;
		return pbv_msg(w, &w->v->msgs[f->msg], &q, q + len, 0, NULL, depth + 1);
	}
	case PBV_GROUP:
		if (depth + 1 > PBVALID_MAX_DEPTH)
			PBV_FAIL(PBVALID_INVALID, at, "nested more than %d deep",
			         PBVALID_MAX_DEPTH);
		return pbv_msg(w, &w->v->msgs[f->msg], pp, end, f->number, at, depth + 1);
	default:
		return PBVALID_OK;
	}
}

/* Walks message m in [*pp, end): to `end`, or, for a group (`group` its
 * number, started at group_at), through its end group. A missing required
 * field is reported at the message's end (the end group's tag). */
static enum pbvalid_result pbv_msg(struct pbv_walk *w, const struct pbvalid_msg *m,
                                   const uint8_t **pp, const uint8_t *end, uint32_t group,
                                   const uint8_t *group_at, unsigned depth)
{
	const uint8_t *p = *pp, *close;
	uint64_t seen = 0;
	enum pbvalid_result r;
	for (;;) {
		close = p;
		if (p == end) {
			if (group)
				PBV_FAIL(PBVALID_SYNTAX, group_at,
				         "start group %" PRIu32 " without its end group", group);
			break;
		}
		const uint8_t *at = p;
		uint64_t tag;
		if (*p < 0x80) {
			tag = *p++;
		} else {
			int rc = pbv_varint(&p, end, &tag);
			if (rc < 0 || p - at > 5 || tag > UINT32_MAX)
				PBV_FAIL(PBVALID_SYNTAX, at, "a tag that is %s",
				         rc == -1 ? "cut short" : "not a 32-bit varint");
		}
		uint32_t num = (uint32_t)(tag >> 3);
		unsigned wt = (unsigned)(tag & 7);
		if (num == 0)
			PBV_FAIL(PBVALID_SYNTAX, at, "field number 0");
		if (wt == 4) {
			if (num == group)
				break;
			if (group)
				PBV_FAIL(PBVALID_SYNTAX, at,
				         "end group %" PRIu32
				         " does not match start group %" PRIu32,
				         num, group);
			PBV_FAIL(PBVALID_SYNTAX, at, "end group %" PRIu32 " without its start",
			         num);
		}
		if (wt > 5)
			PBV_FAIL(PBVALID_SYNTAX, at, "field %" PRIu32 ": wire type %u", num, wt);
		const struct pbv_field *f = pbv_find(w->v, m, num);
		if (!f) {
			if ((w->flags & PBVALID_REJECT_UNKNOWN) && m != &pbv_unknown_group &&
			    wt < 6)
				PBV_FAIL(PBVALID_INVALID, at,
				         "field %" PRIu32 " (wire type %u) is not in message %s",
				         num, wt, m->full);
			if ((r = pbv_skip(w, wt, num, &p, end, at, depth)) != PBVALID_OK)
				return r;
			continue;
		}
		if ((r = pbv_value(w, f, wt, &p, end, at, depth)) != PBVALID_OK) {
			pbv_prepend(w, f->name);
			return r;
		}
		if (f->req)
			seen |= 1ull << (f->req - 1);
	}
	if ((seen & m->required) != m->required) {
		const struct pbv_field *f = w->v->fields + m->first;
		for (uint32_t i = 0; i < m->nfields; i++)
			if (f[i].req && !(seen & (1ull << (f[i].req - 1))))
				PBV_FAIL(PBVALID_INVALID, close,
				         "required field %s (%" PRIu32 ") of %s is missing",
				         f[i].name, f[i].number, m->full);
	}
	*pp = p;
	return PBVALID_OK;
}

enum pbvalid_result pbvalid_check(const struct pbvalid *v, const struct pbvalid_msg *m,
                                  const uint8_t *p, size_t n, unsigned flags, char *why, size_t cap)
{
	struct pbv_walk w;
	w.v = v;
	w.base = p;
	w.flags = flags;
	w.words = why != NULL;
	if (why) {
		w.what[0] = '\0';
		w.path[0] = '\0';
	}
	const uint8_t *q = p;
	enum pbvalid_result r = pbv_msg(&w, m ? m : pbvalid_root(v), &q, p + n, 0, NULL, 0);
	if (r != PBVALID_OK && why)
		snprintf(why, cap, "%s%s%s at byte %zu", w.path, w.path[0] ? ": " : "", w.what,
		         w.offset);
	return r;
}
