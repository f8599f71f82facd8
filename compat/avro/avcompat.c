/* compat/avro/avcompat.c: Avro schema resolution as a compatibility check, after
 * Avro Java's SchemaCompatibility (see avcompat.h for the contract).
 *
 * How it works. check() computes the result of one (reader, writer) pair: the
 * list of what makes it incompatible, empty when compatible. A list holds
 * findings (type, message, location relative to the pair) and references to
 * the non-empty results of sub-pairs, each under a relative path such as
 * "fields/3/type". Locations are therefore built only at the end, when emit()
 * walks the lists from the root, so a result shared by several places is
 * reported at each of them.
 *
 * Record pairs are memoized by node identity, as Java does: a pair met again
 * while it is being computed counts as compatible (recursion stops there; the
 * rest of the cycle decides), a pair met again once computed hands back its
 * result, borrowed. Every cycle in a schema passes through a named record, so
 * this is enough for termination; other pairs are computed where they are met
 * and their results are owned by the list that refers to them.
 *
 * Nothing here is global; every call works in its own struct ctx.
 */
#include "compat/avro/avcompat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char T_TYPE_MISMATCH[] = "TYPE_MISMATCH";
static const char T_NAME_MISMATCH[] = "NAME_MISMATCH";
static const char T_FIXED_SIZE_MISMATCH[] = "FIXED_SIZE_MISMATCH";
static const char T_MISSING_ENUM_SYMBOLS[] = "MISSING_ENUM_SYMBOLS";
static const char T_MISSING_UNION_BRANCH[] = "MISSING_UNION_BRANCH";
static const char T_READER_FIELD_MISSING_DEFAULT_VALUE[] = "READER_FIELD_MISSING_DEFAULT_VALUE";

/* One step of a relative path: a word ("fields", "type", "items", ...) or,
 * when `word` is NULL, a decimal index. None of the words needs JSON pointer
 * escaping. */
struct tok {
	const char *word;
	size_t index;
};

#define PATH_MAX_TOKS 3

struct path {
	unsigned n;
	struct tok t[PATH_MAX_TOKS];
};

struct result;

/* A finding (`type` set; `message` owned) or a reference to a sub-result
 * (`child` set; owned when `owned`, else a memoized record result). */
struct item {
	struct path at;
	const char *type;
	char *message;
	struct result *child;
	int owned;
};

/* What makes one pair incompatible; compatible when n == 0. `height` is the
 * longest chain of sub-results below it (0 when it holds only findings). */
struct result {
	struct item *items;
	size_t n, cap;
	size_t height;
};

/* A memoized record pair. `done` is 0 while the pair is being computed. */
struct memo {
	const struct avsc_node *r, *w;
	int done;
	struct result res;
};

#define STOPPED (-1)

struct ctx {
	struct memo **slots; /* open addressing, linear probing */
	size_t nslots;       /* a power of two, or 0 */
	size_t npairs;
	size_t depth;
	long steps;
	/* Set when the check cannot go on: SG_ENOMEM, SG_ELIMIT, or STOPPED
	 * (then `stop_type`, `stop_loc` and `stop_msg` hold the one finding
	 * to report). */
	int failed;
	struct sg_error *err;
	const char *stop_type;
	char *stop_loc;
	char *stop_msg;
	/* The path from the root to the pair being computed, one entry per
	 * level of check(); used only to say where a stop happened. */
	struct path *trail;
	size_t ntrail, trail_cap;
};

/* Builds a path from up to PATH_MAX_TOKS tokens. */
static struct path path0(void)
{
	struct path p = {0};
	return p;
}

static struct path path_word(const char *w)
{
	struct path p = {.n = 1};
	p.t[0].word = w;
	return p;
}

static struct path path_index(size_t i)
{
	struct path p = {.n = 1};
	p.t[0].index = i;
	return p;
}

static struct path path_field(size_t i, const char *then)
{
	struct path p = {.n = then ? 3 : 2};
	p.t[0].word = "fields";
	p.t[1].index = i;
	p.t[2].word = then;
	return p;
}

static void result_clear(struct result *res);

static void result_free(struct result *res)
{
	result_clear(res);
	free(res);
}

static void result_clear(struct result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		free(res->items[i].message);
		if (res->items[i].owned)
			result_free(res->items[i].child);
	}
	free(res->items);
	res->items = NULL;
	res->n = res->cap = 0;
	res->height = 0;
}

static int fail(struct ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first reason the check cannot go on. Returns -1. */
static int fail(struct ctx *c, int code, const char *fmt, ...)
{
	if (!c->failed) {
		char msg[SG_ERROR_MSG_MAX];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		c->failed = code;
		error_set(c->err, code, "%s", msg);
	}
	return -1;
}

static int step(struct ctx *c)
{
	if (c->failed)
		return -1;
	if (++c->steps > AVCOMPAT_MAX_STEPS)
		return fail(c, SG_ELIMIT, "schema compatibility check: more than %ld steps",
		            (long)AVCOMPAT_MAX_STEPS);
	return 0;
}

static struct item *result_push(struct ctx *c, struct result *res)
{
	if (res->n == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 4;
		struct item *items = realloc(res->items, cap * sizeof *items);
		if (!items) {
			fail(c, SG_ENOMEM, "out of memory");
			return NULL;
		}
		res->items = items;
		res->cap = cap;
	}
	struct item *it = &res->items[res->n++];
	memset(it, 0, sizeof *it);
	return it;
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		return NULL;
	char *s = malloc((size_t)len + 1);
	if (s)
		vsnprintf(s, (size_t)len + 1, fmt, ap);
	return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A string allocated to fit, or NULL when out of memory. */
static char *format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

static int add_finding(struct ctx *c, struct result *res, struct path at, const char *type,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends a finding at `at` (relative to the pair `res` belongs to). */
static int add_finding(struct ctx *c, struct result *res, struct path at, const char *type,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	if (!msg)
		return fail(c, SG_ENOMEM, "out of memory");
	struct item *it = result_push(c, res);
	if (!it) {
		free(msg);
		return -1;
	}
	it->at = at;
	it->type = type;
	it->message = msg;
	return 0;
}

/* Avro Java's Schema.Type names, which its messages print. */
static const char *java_type(const struct avsc_node *n)
{
	switch (avsc_kind(n)) {
	case AVSC_NULL:
		return "NULL";
	case AVSC_BOOLEAN:
		return "BOOLEAN";
	case AVSC_INT:
		return "INT";
	case AVSC_LONG:
		return "LONG";
	case AVSC_FLOAT:
		return "FLOAT";
	case AVSC_DOUBLE:
		return "DOUBLE";
	case AVSC_BYTES:
		return "BYTES";
	case AVSC_STRING:
		return "STRING";
	case AVSC_RECORD:
		return "RECORD";
	case AVSC_ENUM:
		return "ENUM";
	case AVSC_ARRAY:
		return "ARRAY";
	case AVSC_MAP:
		return "MAP";
	case AVSC_UNION:
		return "UNION";
	case AVSC_FIXED:
		return "FIXED";
	}
	return "UNKNOWN";
}

/* A growable string holding a JSON pointer; its length is bounded by
 * AVCOMPAT_MAX_DEPTH levels of a few short tokens each. */
struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add_path(struct buf *b, const struct path *at)
{
	for (unsigned i = 0; i < at->n; i++) {
		char num[24];
		const char *s = at->t[i].word;
		if (!s) {
			snprintf(num, sizeof num, "%zu", at->t[i].index);
			s = num;
		}
		size_t l = strlen(s);
		if (b->len + l + 2 > b->cap) {
			size_t cap = b->cap ? b->cap : 128;
			while (b->len + l + 2 > cap)
				cap *= 2;
			char *p = realloc(b->p, cap);
			if (!p)
				return -1;
			b->p = p;
			b->cap = cap;
		}
		b->p[b->len++] = '/';
		memcpy(b->p + b->len, s, l);
		b->len += l;
		b->p[b->len] = '\0';
	}
	return 0;
}

/* ---- the memo of record pairs ---- */

static size_t pair_hash(const struct avsc_node *r, const struct avsc_node *w)
{
	uint64_t h = (uint64_t)(uintptr_t)r * 0x9E3779B97F4A7C15u;
	h ^= (uint64_t)(uintptr_t)w + 0x7F4A7C159E3779B9u + (h << 6) + (h >> 2);
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9u;
	h ^= h >> 32;
	return (size_t)h;
}

static struct memo *memo_find(const struct ctx *c, const struct avsc_node *r,
                              const struct avsc_node *w)
{
	if (!c->nslots)
		return NULL;
	size_t mask = c->nslots - 1;
	for (size_t i = pair_hash(r, w) & mask;; i = (i + 1) & mask) {
		struct memo *m = c->slots[i];
		if (!m)
			return NULL;
		if (m->r == r && m->w == w)
			return m;
	}
}

static int memo_grow(struct ctx *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 64;
	struct memo **slots = calloc(n, sizeof *slots);
	if (!slots)
		return fail(c, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->nslots; i++) {
		struct memo *m = c->slots[i];
		if (!m)
			continue;
		size_t j = pair_hash(m->r, m->w) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = m;
	}
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
	return 0;
}

/* Adds the pair as "in progress". The caller has checked it is absent. */
static struct memo *memo_add(struct ctx *c, const struct avsc_node *r, const struct avsc_node *w)
{
	if (c->npairs >= AVCOMPAT_MAX_PAIRS) {
		fail(c, SG_ELIMIT, "schema compatibility check: more than %d record pairs",
		     AVCOMPAT_MAX_PAIRS);
		return NULL;
	}
	if ((c->npairs + 1) * 2 > c->nslots && memo_grow(c) < 0)
		return NULL;
	struct memo *m = calloc(1, sizeof *m);
	if (!m) {
		fail(c, SG_ENOMEM, "out of memory");
		return NULL;
	}
	m->r = r;
	m->w = w;
	size_t mask = c->nslots - 1;
	size_t i = pair_hash(r, w) & mask;
	while (c->slots[i])
		i = (i + 1) & mask;
	c->slots[i] = m;
	c->npairs++;
	return m;
}

static void memo_free_all(struct ctx *c)
{
	for (size_t i = 0; i < c->nslots; i++) {
		if (c->slots[i]) {
			result_clear(&c->slots[i]->res);
			free(c->slots[i]);
		}
	}
	free(c->slots);
	c->slots = NULL;
	c->nslots = c->npairs = 0;
}

/* ---- the check ---- */

static int calculate(struct ctx *c, const struct avsc_node *r, const struct avsc_node *w,
                     struct result *res);

static int check_at(struct ctx *c, const struct avsc_node *r, const struct avsc_node *w,
                    struct result **out, int *owned);

/* Computes the pair (r, w), met at `at` relative to the pair being computed.
 * On success returns 0 and sets *out to its result: NULL when compatible (or
 * in progress), else a result that is owned by the caller when *owned is 1 and
 * borrowed from the memo when 0. */
static int check(struct ctx *c, struct path at, const struct avsc_node *r,
                 const struct avsc_node *w, struct result **out, int *owned)
{
	*out = NULL;
	*owned = 0;
	if (step(c) < 0)
		return -1;
	if (c->depth >= AVCOMPAT_MAX_DEPTH)
		return fail(c, SG_ELIMIT, "schema compatibility check: nesting deeper than %d",
		            AVCOMPAT_MAX_DEPTH);
	if (c->ntrail == c->trail_cap) {
		size_t cap = c->trail_cap ? c->trail_cap * 2 : 32;
		struct path *t = realloc(c->trail, cap * sizeof *t);
		if (!t)
			return fail(c, SG_ENOMEM, "out of memory");
		c->trail = t;
		c->trail_cap = cap;
	}
	c->trail[c->ntrail++] = at;
	c->depth++;
	int rc = check_at(c, r, w, out, owned);
	c->depth--;
	c->ntrail--;
	return rc;
}

static int check_at(struct ctx *c, const struct avsc_node *r, const struct avsc_node *w,
                    struct result **out, int *owned)
{

	if (avsc_kind(r) == AVSC_RECORD && avsc_kind(w) == AVSC_RECORD) {
		struct memo *m = memo_find(c, r, w);
		if (m) {
			if (m->done && m->res.n)
				*out = &m->res;
			return 0;
		}
		if (!(m = memo_add(c, r, w)))
			return -1;
		int rc = calculate(c, r, w, &m->res);
		m->done = 1;
		if (rc < 0)
			return -1;
		if (m->res.n)
			*out = &m->res;
		return 0;
	}

	struct result *res = calloc(1, sizeof *res);
	if (!res)
		return fail(c, SG_ENOMEM, "out of memory");
	int rc = calculate(c, r, w, res);
	if (rc < 0 || res->n == 0) {
		result_free(res);
		return rc;
	}
	*out = res;
	*owned = 1;
	return 0;
}

/* Checks the sub-pair (r, w) and, when incompatible, files its result in
 * `res` under `at`. */
static int visit(struct ctx *c, struct result *res, struct path at, const struct avsc_node *r,
                 const struct avsc_node *w)
{
	struct result *sub;
	int owned;
	if (check(c, at, r, w, &sub, &owned) < 0)
		return -1;
	if (!sub)
		return 0;
	/* A memoized result met again deeper than where it was computed puts
	 * its findings deeper too; keeping every reference within the depth
	 * limit keeps every location, and emit()'s recursion, within it. */
	if (c->depth + 1 + sub->height > AVCOMPAT_MAX_DEPTH) {
		if (owned)
			result_free(sub);
		return fail(c, SG_ELIMIT, "schema compatibility check: a finding deeper than %d",
		            AVCOMPAT_MAX_DEPTH);
	}
	struct item *it = result_push(c, res);
	if (!it) {
		if (owned)
			result_free(sub);
		return -1;
	}
	it->at = at;
	it->child = sub;
	it->owned = owned;
	if (res->height < 1 + sub->height)
		res->height = 1 + sub->height;
	return 0;
}

/* Checks the sub-pair (r, w) for its verdict only: 1 compatible, 0 not.
 * `at` serves only to locate a stop. */
static int probe(struct ctx *c, struct path at, const struct avsc_node *r,
                 const struct avsc_node *w)
{
	struct result *sub;
	int owned;
	if (check(c, at, r, w, &sub, &owned) < 0)
		return -1;
	if (owned)
		result_free(sub);
	return sub == NULL;
}

static int type_mismatch(struct ctx *c, struct result *res, const struct avsc_node *r,
                         const struct avsc_node *w)
{
	return add_finding(c, res, path0(), T_TYPE_MISMATCH,
	                   "reader type: %s not compatible with writer type: %s", java_type(r),
	                   java_type(w));
}

/* Java's schemaNameEquals(): the unqualified names are equal, or one of the
 * reader's aliases is the writer's full name. */
static int names_match(const struct avsc_node *r, const struct avsc_node *w)
{
	const char *rn = avsc_name(r), *wn = avsc_name(w), *wfull = avsc_fullname(w);
	if (rn && wn && strcmp(rn, wn) == 0)
		return 1;
	for (size_t i = 0; wfull && i < avsc_alias_count(r); i++) {
		const char *a = avsc_alias(r, i);
		if (a && strcmp(a, wfull) == 0)
			return 1;
	}
	return 0;
}

static int check_names(struct ctx *c, struct result *res, const struct avsc_node *r,
                       const struct avsc_node *w)
{
	if (names_match(r, w))
		return 0;
	const char *wfull = avsc_fullname(w);
	return add_finding(c, res, path_word("name"), T_NAME_MISMATCH, "expected: %s",
	                   wfull ? wfull : "");
}

static int check_fixed_size(struct ctx *c, struct result *res, const struct avsc_node *r,
                            const struct avsc_node *w)
{
	size_t found = avsc_fixed_size(r), expected = avsc_fixed_size(w);
	if (found == expected)
		return 0;
	return add_finding(c, res, path_word("size"), T_FIXED_SIZE_MISMATCH,
	                   "expected: %zu, found: %zu", expected, found);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The writer's symbols the reader lacks, sorted as Java's TreeSet<String>
 * sorts them (symbols are ASCII, so byte order is the same), written as Java's
 * Set.toString(): "[A, B]". A reader default that is one of its symbols covers
 * them all. */
static int check_enum_symbols(struct ctx *c, struct result *res, const struct avsc_node *r,
                              const struct avsc_node *w)
{
	size_t nw = avsc_symbol_count(w), missing = 0, len = 2;
	const char **syms = NULL;
	for (size_t i = 0; i < nw; i++) {
		if (step(c) < 0)
			goto fail;
		const char *s = avsc_symbol(w, i);
		if (!s || avsc_symbol_index(r, s) >= 0)
			continue;
		if (!syms && !(syms = malloc(nw * sizeof *syms))) {
			fail(c, SG_ENOMEM, "out of memory");
			goto fail;
		}
		syms[missing++] = s;
		len += strlen(s) + 2;
	}
	if (!missing)
		return 0;
	const char *def = avsc_enum_default(r);
	if (def && avsc_symbol_index(r, def) >= 0) {
		free(syms);
		return 0;
	}
	qsort(syms, missing, sizeof *syms, cmp_str);
	char *list = malloc(len + 1);
	if (!list) {
		fail(c, SG_ENOMEM, "out of memory");
		goto fail;
	}
	size_t n = 0;
	list[n++] = '[';
	for (size_t i = 0; i < missing; i++) {
		size_t l = strlen(syms[i]);
		if (i) {
			list[n++] = ',';
			list[n++] = ' ';
		}
		memcpy(list + n, syms[i], l);
		n += l;
	}
	list[n++] = ']';
	list[n] = '\0';
	int rc = add_finding(c, res, path_word("symbols"), T_MISSING_ENUM_SYMBOLS, "%s", list);
	free(list);
	free(syms);
	return rc;
fail:
	free(syms);
	return -1;
}

/* Stops the check: reader field `rf` (at `pos`) matches several fields of
 * writer record `w`. Java throws there; its message is kept. Returns -1. */
static int stop_ambiguous(struct ctx *c, size_t pos, const struct avsc_node *w,
                          const struct avsc_field *rf)
{
	if (c->failed)
		return -1;
	const char *wfull = avsc_fullname(w);
	struct buf b = {0};
	struct path at = path_field(pos, NULL);
	char *msg =
	    format("Reader record field %s type:%s pos:%zu matches multiple fields in "
	           "writer record schema %s",
	           avsc_field_name(rf), java_type(avsc_field_type(rf)), pos, wfull ? wfull : "");
	if (!msg)
		goto oom;
	for (size_t i = 0; i < c->ntrail; i++)
		if (buf_add_path(&b, &c->trail[i]) < 0)
			goto oom;
	if (buf_add_path(&b, &at) < 0)
		goto oom;
	c->failed = STOPPED;
	c->stop_type = AVCOMPAT_AMBIGUOUS_FIELD;
	c->stop_msg = msg;
	c->stop_loc = b.p;
	return -1;
oom:
	free(msg);
	free(b.p);
	return fail(c, SG_ENOMEM, "out of memory");
}

/* Java's lookupWriterField(): the writer field named like the reader field,
 * plus those named like its aliases. More than one match stops the check. */
static int lookup_writer_field(struct ctx *c, size_t pos, const struct avsc_node *w,
                               const struct avsc_field *rf, const struct avsc_field **out)
{
	const struct avsc_field *found = avsc_field_by_name(w, avsc_field_name(rf));
	size_t nfound = found != NULL;
	for (size_t i = 0; i < avsc_field_alias_count(rf); i++) {
		if (step(c) < 0)
			return -1;
		const char *alias = avsc_field_alias(rf, i);
		const struct avsc_field *wf = alias ? avsc_field_by_name(w, alias) : NULL;
		if (wf) {
			if (!found)
				found = wf;
			nfound++;
		}
	}
	*out = found;
	if (nfound <= 1)
		return 0;
	return stop_ambiguous(c, pos, w, rf);
}

static int check_record_fields(struct ctx *c, struct result *res, const struct avsc_node *r,
                               const struct avsc_node *w)
{
	size_t n = avsc_field_count(r);
	for (size_t i = 0; i < n; i++) {
		if (step(c) < 0)
			return -1;
		const struct avsc_field *rf = avsc_field(r, i), *wf;
		if (lookup_writer_field(c, i, w, rf, &wf) < 0)
			return -1;
		const struct avsc_node *rt = avsc_field_type(rf);
		int rc;
		if (wf) {
			rc = visit(c, res, path_field(i, "type"), rt, avsc_field_type(wf));
		} else if (avsc_field_default(rf)) {
			rc = 0;
		} else if (avsc_kind(rt) == AVSC_ENUM && avsc_enum_default(rt)) {
			/* As Java does: the enum against the writer record itself. */
			rc = visit(c, res, path_field(i, "type"), rt, w);
		} else {
			rc = add_finding(c, res, path_field(i, NULL),
			                 T_READER_FIELD_MISSING_DEFAULT_VALUE, "%s",
			                 avsc_field_name(rf));
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Both are unions: every writer branch must be readable by the reader union. */
static int check_union_union(struct ctx *c, struct result *res, const struct avsc_node *r,
                             const struct avsc_node *w)
{
	size_t n = avsc_branch_count(w);
	for (size_t i = 0; i < n; i++) {
		const struct avsc_node *wb = avsc_branch(w, i);
		int ok = probe(c, path_index(i), r, wb);
		if (ok < 0)
			return -1;
		if (!ok && add_finding(c, res, path_index(i), T_MISSING_UNION_BRANCH,
		                       "reader union lacking writer type: %s", java_type(wb)) < 0)
			return -1;
	}
	return 0;
}

/* The reader is a union, the writer is not: some branch must read it. */
static int check_reader_union(struct ctx *c, struct result *res, const struct avsc_node *r,
                              const struct avsc_node *w)
{
	size_t n = avsc_branch_count(r);
	for (size_t i = 0; i < n; i++) {
		int ok = probe(c, path_index(i), avsc_branch(r, i), w);
		if (ok < 0)
			return -1;
		if (ok)
			return 0;
	}
	return add_finding(c, res, path0(), T_MISSING_UNION_BRANCH,
	                   "reader union lacking writer type: %s", java_type(w));
}

/* Whether a writer value of kind `wk` promotes to reader kind `rk` (kinds
 * differ). */
static int promotes(enum avsc_kind rk, enum avsc_kind wk)
{
	switch (rk) {
	case AVSC_LONG:
		return wk == AVSC_INT;
	case AVSC_FLOAT:
		return wk == AVSC_INT || wk == AVSC_LONG;
	case AVSC_DOUBLE:
		return wk == AVSC_INT || wk == AVSC_LONG || wk == AVSC_FLOAT;
	case AVSC_BYTES:
		return wk == AVSC_STRING;
	case AVSC_STRING:
		return wk == AVSC_BYTES;
	default:
		return 0;
	}
}

/* Java's calculateCompatibility(): appends to `res` what makes (r, w)
 * incompatible. */
static int calculate(struct ctx *c, const struct avsc_node *r, const struct avsc_node *w,
                     struct result *res)
{
	enum avsc_kind rk = avsc_kind(r), wk = avsc_kind(w);
	if (rk == wk) {
		switch (rk) {
		case AVSC_ARRAY:
			return visit(c, res, path_word("items"), avsc_items(r), avsc_items(w));
		case AVSC_MAP:
			return visit(c, res, path_word("values"), avsc_values(r), avsc_values(w));
		case AVSC_FIXED:
			if (check_names(c, res, r, w) < 0)
				return -1;
			return check_fixed_size(c, res, r, w);
		case AVSC_ENUM:
			if (check_names(c, res, r, w) < 0)
				return -1;
			return check_enum_symbols(c, res, r, w);
		case AVSC_RECORD:
			if (check_names(c, res, r, w) < 0)
				return -1;
			return check_record_fields(c, res, r, w);
		case AVSC_UNION:
			return check_union_union(c, res, r, w);
		default:
			return 0;
		}
	}
	if (wk == AVSC_UNION) {
		/* The reader must read every writer branch. */
		size_t n = avsc_branch_count(w);
		for (size_t i = 0; i < n; i++)
			if (visit(c, res, path_index(i), r, avsc_branch(w, i)) < 0)
				return -1;
		return 0;
	}
	if (rk == AVSC_UNION)
		return check_reader_union(c, res, r, w);
	if (promotes(rk, wk))
		return 0;
	return type_mismatch(c, res, r, w);
}

/* ---- emitting the findings ---- */

/* Appends the findings of `res`, found under location `b`, to `r`. Stops once
 * the report has overflowed (one finding past REPORT_MAX is added, so that
 * report_dropped() says the list was cut). `*budget` counts what is left. */
static int emit(struct report *r, const struct result *res, struct buf *b, size_t *budget)
{
	size_t base = b->len;
	for (size_t i = 0; i < res->n && *budget; i++) {
		const struct item *it = &res->items[i];
		if (buf_add_path(b, &it->at) < 0)
			return -1;
		int rc = 0;
		if (it->child) {
			rc = emit(r, it->child, b, budget);
		} else {
			(*budget)--;
			if (report_count(r) >= REPORT_MAX)
				*budget = 0;
			rc = report_add(r, it->type, b->len ? b->p : "/", "%s", it->message);
		}
		b->len = base;
		if (b->p)
			b->p[base] = '\0';
		if (rc < 0)
			return -1;
	}
	return 0;
}

int avcompat_check_err(const struct avsc_schema *reader, const struct avsc_schema *writer,
                       struct report *r, struct sg_error *err)
{
	if (!reader || !writer || !avsc_root(reader) || !avsc_root(writer))
		return error_set(err, SG_EINTERNAL, "avcompat_check: no schema");

	struct ctx c = {.err = err};
	struct result top = {0};
	int rc = visit(&c, &top, path0(), avsc_root(reader), avsc_root(writer));

	if (rc < 0 && c.failed == STOPPED) {
		rc = 0;
		if (r &&
		    report_add(r, c.stop_type, c.stop_loc ? c.stop_loc : "/", "%s", c.stop_msg) < 0)
			rc = error_set(err, SG_ENOMEM, "out of memory");
	} else if (rc == 0 && r && top.n) {
		struct buf b = {0};
		size_t budget = REPORT_MAX + 1;
		if (emit(r, &top, &b, &budget) < 0)
			rc = error_set(err, SG_ENOMEM, "out of memory");
		free(b.p);
	}
	int verdict = rc < 0 ? -1 : top.n == 0 && c.failed != STOPPED;

	free(c.stop_msg);
	free(c.stop_loc);
	free(c.trail);
	result_clear(&top);
	memo_free_all(&c);
	return verdict;
}

int avcompat_check(const struct avsc_schema *reader, const struct avsc_schema *writer,
                   struct report *r)
{
	return avcompat_check_err(reader, writer, r, NULL);
}

/* ---- Confluent's wording ---- */

/* A bounded output that counts what it could not hold, as snprintf does. */
struct sink {
	char *p;
	size_t cap, len;
};

static void sink_put(struct sink *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sink_put(struct sink *o, const char *fmt, ...)
{
	size_t at = o->len < o->cap ? o->len : o->cap - 1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->p + at, o->cap - at, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

int avcompat_confluent_message(const struct report *r, size_t i, const char *reader_role,
                               const char *writer_role, char *out, size_t cap)
{
	if (!r || i >= report_count(r))
		return -1;
	const char *type = report_type(r, i), *path = report_location(r, i),
	           *info = report_message(r, i);
	const char *rd = reader_role ? reader_role : "new", *wr = writer_role ? writer_role : "old";
	char dummy[1];
	struct sink o = {out, cap, 0};
	if (!out || cap == 0) {
		o.p = dummy;
		o.cap = sizeof dummy;
	}

	if (strcmp(type, AVCOMPAT_AMBIGUOUS_FIELD) == 0) {
		sink_put(&o, "Unexpected exception during compatibility check: %s", info);
		return o.len > INT32_MAX ? -1 : (int)o.len;
	}
	sink_put(&o, "{errorType:'%s', description:'", type);
	if (strcmp(type, T_FIXED_SIZE_MISMATCH) == 0)
		sink_put(&o,
		         "The size of FIXED type field at path '%s' in the %s schema does not "
		         "match with the %s schema",
		         path, rd, wr);
	else if (strcmp(type, T_TYPE_MISMATCH) == 0)
		sink_put(&o,
		         "The type (path '%s') of a field in the %s schema does not match with "
		         "the %s schema",
		         path, rd, wr);
	else if (strcmp(type, T_NAME_MISMATCH) == 0)
		sink_put(&o, "The name of the schema has changed (path '%s')", path);
	else if (strcmp(type, T_MISSING_ENUM_SYMBOLS) == 0)
		sink_put(&o,
		         "The %s schema is missing enum symbols '%s' at path '%s' in the %s "
		         "schema",
		         rd, info, path, wr);
	else if (strcmp(type, T_MISSING_UNION_BRANCH) == 0)
		sink_put(&o,
		         "The %s schema is missing a type inside a union field at path '%s' in "
		         "the %s schema",
		         rd, path, wr);
	else if (strcmp(type, T_READER_FIELD_MISSING_DEFAULT_VALUE) == 0)
		sink_put(&o,
		         "The field '%s' at path '%s' in the %s schema has no default value "
		         "and is missing in the %s schema",
		         info, path, rd, wr);
	sink_put(&o, "', additionalInfo:'%s'}", info);
	return o.len > INT32_MAX ? -1 : (int)o.len;
}
