/* compat/jsonschema/jsondiff.c: Confluent's JSON Schema diff (SchemaDiff and the
 * per-type *SchemaDiff classes). The schema model comes from jsondiff_model.c,
 * the Difference types with their policies and messages from
 * jsondiff_types.c, paths and differences from jsondiff_context.c.
 *
 * The walk mirrors Confluent's: compare() follows $refs, then compares the
 * pair through a memo keyed by the two nodes; a pair met again while it is
 * still being compared is a recursive cycle and counts as compatible. Because
 * that assumption can hide an incompatibility found later in a sibling
 * branch, the whole comparison is repeated with the pairs found incompatible
 * fed back in, until the set of incompatible pairs stops growing.
 * Differences are kept relative to the pair that produced them and rebased
 * onto the current path when reused.
 */
#include "compat/jsonschema/jsondiff.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jsondiff_context.h"
#include "compat/jsonschema/jsondiff_model.h"
#include "compat/jsonschema/jsondiff_types.h"

#define JV(x) ((json_t *)(uintptr_t)(x))

/* Deepest nesting of pairs compared, and most passes (see above). */
#define JD_MAX_DEPTH  400
#define JD_MAX_PASSES 32

/* ---- the pair memo --------------------------------------------------------- */

static size_t pair_hash(const void *o, const void *u)
{
	uint64_t h = (uint64_t)(uintptr_t)o * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)(uintptr_t)u + 0x7f4a7c159e3779b9ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)h;
}

static struct jd_entry *table_get(const struct jd_table *t, const void *o, const void *u)
{
	if (!t || !t->cap)
		return NULL;
	size_t i = pair_hash(o, u) & (t->cap - 1);
	while (t->v[i]) {
		if (t->v[i]->o == o && t->v[i]->u == u)
			return t->v[i];
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

static struct jd_entry *table_add(struct jd_shared *sh, struct jd_table *t,
                                  const struct jdm_node *o, const struct jdm_node *u)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		if (jd_charge(sh, cap * sizeof(struct jd_entry *)) < 0)
			return NULL;
		struct jd_entry **v = calloc(cap, sizeof *v);
		if (!v) {
			jd_fail(sh, SG_ENOMEM, "out of memory");
			return NULL;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i])
				continue;
			size_t j = pair_hash(t->v[i]->o, t->v[i]->u) & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = t->v[i];
		}
		free(t->v);
		t->v = v;
		t->cap = cap;
	}
	if (jd_charge(sh, sizeof(struct jd_entry)) < 0)
		return NULL;
	struct jd_entry *e = calloc(1, sizeof *e);
	if (!e) {
		jd_fail(sh, SG_ENOMEM, "out of memory");
		return NULL;
	}
	e->o = o;
	e->u = u;
	size_t i = pair_hash(o, u) & (t->cap - 1);
	while (t->v[i])
		i = (i + 1) & (t->cap - 1);
	t->v[i] = e;
	t->n++;
	return e;
}

static void table_free(struct jd_table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		if (t->v[i]) {
			jd_list_free(&t->v[i]->diffs);
			free(t->v[i]);
		}
	}
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static int entry_incompatible(const struct jd_run *run, const struct jd_entry *e)
{
	return e && e->done && !jd_list_compatible(run, &e->diffs);
}

/* ---- the walk ---------------------------------------------------------------- */

static const struct jd_list empty_list;

static int compare(struct jd_ctx *c, struct jdm_node *o, struct jdm_node *u);
static int compare_types(struct jd_ctx *c, struct jdm_node *o, struct jdm_node *u);

/* Context.compareMemoized(): the pair's differences relative to the pair, or
 * NULL on error. The list stays valid until the next memo insertion. */
static const struct jd_list *memoized(struct jd_run *run, struct jdm_node *o, struct jdm_node *u)
{
	struct jd_shared *sh = run->sh;
	struct jd_entry *e = table_get(&run->memo, o, u);
	if (e && e->done)
		return &e->diffs;
	if (e) {
		const struct jd_entry *seeded = table_get(run->seed, o, u);
		if (entry_incompatible(run, seeded))
			return &seeded->diffs;
		run->optimism = 1;
		return &empty_list;
	}
	if (sh->depth >= JD_MAX_DEPTH) {
		jd_fail(sh, SG_ELIMIT, "schemas nested too deeply to compare (more than %d levels)",
		        JD_MAX_DEPTH);
		return NULL;
	}
	if (!table_add(sh, &run->memo, o, u))
		return NULL;
	struct jd_ctx sub;
	if (jd_ctx_init(&sub, run) < 0)
		return NULL;
	sh->depth++;
	int rc = compare_types(&sub, o, u);
	sh->depth--;
	if (rc < 0) {
		jd_ctx_free(&sub);
		return NULL;
	}
	e = table_get(&run->memo, o, u);
	e->diffs = sub.diffs;
	e->done = 1;
	sub.diffs.v = NULL;
	sub.diffs.n = sub.diffs.cap = 0;
	jd_ctx_free(&sub);
	return &e->diffs;
}

/* SchemaDiff.compare(ctx, original, update). */
static int compare(struct jd_ctx *c, struct jdm_node *o, struct jdm_node *u)
{
	struct jd_shared *sh = c->run->sh;
	if (!o && !u)
		return 0;
	if (!o)
		return jd_add(c, SCHEMA_ADDED);
	if (!u)
		return jd_add(c, SCHEMA_REMOVED);
	if (jd_step(sh, 1) < 0)
		return -1;
	struct jdm_node *no = jdm_deref(o), *nu = jdm_deref(u);
	if (!no || !nu) {
		sh->failed = 1;
		return -1;
	}
	const struct jd_list *l = memoized(c->run, no, nu);
	if (!l)
		return -1;
	return jd_add_rebased(c, l);
}

static int sub_compare(struct jd_ctx *c, struct jd_ctx *sub, struct jdm_node *o, struct jdm_node *u)
{
	if (jd_ctx_sub(c, sub) < 0)
		return -1;
	if (compare(sub, o, u) < 0) {
		jd_ctx_free(sub);
		return -1;
	}
	return 0;
}

/* 1 for everit's EmptySchema (which TrueSchema extends). */
static int is_empty(const struct jdm_node *n)
{
	return n->kind == JDM_EMPTY || n->kind == JDM_TRUE;
}

static int str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Objects.equals on default values: org.json objects and arrays compare by
 * identity, so two of them never equal each other. */
static int default_eq(const struct jdm_node *a, const struct jdm_node *b)
{
	if (a->has_default != b->has_default)
		return 0;
	if (!a->has_default)
		return 1;
	if (json_is_object(a->def) || json_is_array(a->def) || json_is_object(b->def) ||
	    json_is_array(b->def))
		return 0;
	return json_equal(JV(a->def), JV(b->def));
}

/* Rounds toward zero (Java's Number.intValue() on a double, without libm).
 * Doubles this large have no fraction. */
static double to_int(double v)
{
	if (v > -9e15 && v < 9e15)
		return (double)(long long)v;
	return v;
}

/* The four-way comparison of an optional number (…_ADDED, _REMOVED,
 * _INCREASED, _DECREASED, in that order from `added`). */
static int compare_limit(struct jd_ctx *c, const char *attr, const struct jdm_num *o,
                         const struct jdm_num *u, int added, int truncate)
{
	if (!o->has && !u->has)
		return 0;
	if (!o->has)
		return jd_add_at(c, attr, added);
	if (!u->has)
		return jd_add_at(c, attr, added + 1);
	double a = o->v, b = u->v;
	if (truncate) {
		a = to_int(a);
		b = to_int(b);
	}
	if (a < b)
		return jd_add_at(c, attr, added + 2);
	if (a > b)
		return jd_add_at(c, attr, added + 3);
	return 0;
}

/* ---- exact decimals for multipleOf ------------------------------------------ */

struct decimal {
	int ok;
	int neg;
	unsigned long long mant; /* without trailing zeros */
	int exp;                 /* value = mant * 10^exp */
};

static struct decimal decimal_of(const json_t *j, double v)
{
	struct decimal d = {0};
	char buf[64];
	if (json_is_integer(j)) {
		long long i = json_integer_value(j);
		snprintf(buf, sizeof buf, "%lld", i);
	} else {
		if (!isfinite(v))
			return d;
		/* The shortest decimal that reads back as v (Java's Double.toString). */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	const char *p = buf;
	if (*p == '-') {
		d.neg = 1;
		p++;
	}
	int exp = 0, digits = 0;
	unsigned long long m = 0;
	for (; *p && *p != 'e' && *p != 'E'; p++) {
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++) {
				if (digits >= 19)
					return d;
				m = m * 10 + (unsigned)(*p - '0');
				digits++;
				exp--;
			}
			break;
		}
		if (*p < '0' || *p > '9')
			return d;
		if (digits >= 19)
			return d;
		m = m * 10 + (unsigned)(*p - '0');
		digits++;
	}
	if (*p == 'e' || *p == 'E')
		exp += atoi(p + 1);
	while (m && m % 10 == 0) {
		m /= 10;
		exp++;
	}
	if (!m)
		exp = 0;
	d.ok = 1;
	d.mant = m;
	d.exp = exp;
	return d;
}

static int decimal_eq(struct decimal a, struct decimal b)
{
	return a.mant == b.mant && a.exp == b.exp && (a.neg == b.neg || a.mant == 0);
}

/* Whether a is an exact multiple of b (b != 0): BigDecimal remainder == 0.
 * Returns -1 when the numbers are too far apart to decide exactly. */
static int decimal_multiple(struct decimal a, struct decimal b)
{
	if (b.mant == 0)
		return -1;
	if (a.mant == 0)
		return 1;
	if (a.exp < b.exp)
		return 0; /* a has a finer last digit than any multiple of b */
	unsigned long long x = a.mant;
	for (int e = a.exp - b.exp; e > 0; e--) {
		if (x > ULLONG_MAX / 10)
			return -1;
		x *= 10;
	}
	return x % b.mant == 0;
}

static int is_multiple(const struct jdm_num *a, const struct jdm_num *b)
{
	struct decimal da = decimal_of(a->json, a->v), db = decimal_of(b->json, b->v);
	int r = da.ok && db.ok ? decimal_multiple(da, db) : -1;
	if (r < 0)
		r = b->v != 0 && to_int(a->v / b->v) == a->v / b->v;
	return r;
}

static int compare_multiple_of(struct jd_ctx *c, const struct jdm_num *o, const struct jdm_num *u)
{
	if (!o->has && !u->has)
		return 0;
	if (!o->has)
		return jd_add_at(c, "multipleOf", MULTIPLE_OF_ADDED);
	if (!u->has)
		return jd_add_at(c, "multipleOf", MULTIPLE_OF_REMOVED);
	struct decimal a = decimal_of(o->json, o->v), b = decimal_of(u->json, u->v);
	if (a.ok && b.ok ? decimal_eq(a, b) : o->v == u->v)
		return 0;
	if (o->v != 0 && is_multiple(u, o))
		return jd_add_at(c, "multipleOf", MULTIPLE_OF_EXPANDED);
	if (u->v != 0 && is_multiple(o, u))
		return jd_add_at(c, "multipleOf", MULTIPLE_OF_REDUCED);
	return jd_add_at(c, "multipleOf", MULTIPLE_OF_CHANGED);
}

/* ---- per-type comparisons ------------------------------------------------- */

static int string_diff(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	if (compare_limit(c, "maxLength", &o->max_length, &u->max_length, MAX_LENGTH_ADDED, 0) <
	        0 ||
	    compare_limit(c, "minLength", &o->min_length, &u->min_length, MIN_LENGTH_ADDED, 0) < 0)
		return -1;
	if (!o->pattern && u->pattern)
		return jd_add_at(c, "pattern", PATTERN_ADDED);
	if (o->pattern && !u->pattern)
		return jd_add_at(c, "pattern", PATTERN_REMOVED);
	if (o->pattern && strcmp(o->pattern, u->pattern))
		return jd_add_at(c, "pattern", PATTERN_CHANGED);
	return 0;
}

static int number_diff(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	if (compare_limit(c, "maximum", &o->maximum, &u->maximum, MAXIMUM_ADDED, 0) < 0 ||
	    compare_limit(c, "minimum", &o->minimum, &u->minimum, MINIMUM_ADDED, 0) < 0 ||
	    compare_limit(c, "exclusiveMaximum", &o->excl_maximum, &u->excl_maximum,
	                  EXCLUSIVE_MAXIMUM_ADDED, 0) < 0 ||
	    compare_limit(c, "exclusiveMinimum", &o->excl_minimum, &u->excl_minimum,
	                  EXCLUSIVE_MINIMUM_ADDED, 0) < 0 ||
	    compare_multiple_of(c, &o->multiple_of, &u->multiple_of) < 0)
		return -1;
	if (o->integer && !u->integer)
		return jd_add(c, TYPE_EXTENDED);
	if (!o->integer && u->integer)
		return jd_add(c, TYPE_NARROWED);
	return 0;
}

static int value_in(const json_t *v, const json_t *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (json_equal(JV(v), JV(set[i])))
			return 1;
	return 0;
}

static int enum_diff(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	if (jd_step(c->run->sh, (o->nvalues + 1) * (u->nvalues + 1) / 16) < 0)
		return -1;
	int u_has_all = 1, o_has_all = 1;
	for (size_t i = 0; i < o->nvalues && u_has_all; i++)
		u_has_all = value_in(o->values[i], u->values, u->nvalues);
	for (size_t i = 0; i < u->nvalues && o_has_all; i++)
		o_has_all = value_in(u->values[i], o->values, o->nvalues);
	if (u_has_all && o_has_all)
		return 0;
	if (u_has_all)
		return jd_add_at(c, "enum", ENUM_ARRAY_EXTENDED);
	if (o_has_all)
		return jd_add_at(c, "enum", ENUM_ARRAY_NARROWED);
	return jd_add_at(c, "enum", ENUM_ARRAY_CHANGED);
}

static const char *criterion_name(enum jdm_criterion c)
{
	return c == JDM_ALL ? "allOf" : c == JDM_ANY ? "anyOf" : "oneOf";
}

/* Subschemas with duplicates removed (Confluent collects them in a set).
 * Returns how many are left, or -1 past the step limit. */
static long unique_subs(struct jd_shared *sh, const struct jdm_node *n, struct jdm_node **out)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nsubs; i++) {
		size_t j = 0;
		for (; j < k; j++) {
			unsigned long budget = sh->max_steps - sh->steps;
			int eq = jdm_node_equal(out[j], n->subs[i], &budget);
			sh->steps = sh->max_steps - budget;
			if (eq < 0) {
				jd_step(sh, 1);
				return -1;
			}
			if (eq)
				break;
		}
		if (j == k)
			out[k++] = n->subs[i];
	}
	return (long)k;
}

/* Kuhn's augmenting paths; match_u[j] is the original index matched to update j. */
static int augment(size_t i, size_t nu, const unsigned char *adj, unsigned char *seen,
                   long *match_u)
{
	for (size_t j = 0; j < nu; j++) {
		if (!adj[i * nu + j] || seen[j])
			continue;
		seen[j] = 1;
		if (match_u[j] < 0 || augment((size_t)match_u[j], nu, adj, seen, match_u)) {
			match_u[j] = (long)i;
			return 1;
		}
	}
	return 0;
}

static int combined_diff(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	struct jd_shared *sh = c->run->sh;
	int type = -1;
	if (o->criterion != u->criterion) {
		int os = o->nsubs == 1, us = u->nsubs == 1;
		if (u->criterion == JDM_ANY || (os && us) || (os && u->criterion == JDM_ONE) ||
		    (us && o->criterion == JDM_ALL))
			type = COMBINED_TYPE_EXTENDED;
		else
			type = COMBINED_TYPE_CHANGED;
		if (jd_add(c, type) < 0)
			return -1;
	}
	if (type == COMBINED_TYPE_CHANGED)
		return 0;
	struct jdm_node **os = malloc((o->nsubs + 1) * sizeof *os);
	struct jdm_node **us = malloc((u->nsubs + 1) * sizeof *us);
	size_t no = 0, nu = 0;
	unsigned char *adj = NULL, *seen = NULL;
	long *match_u = NULL;
	struct jd_list *edges = NULL;
	int rc = -1;
	if (!os || !us) {
		jd_fail(sh, SG_ENOMEM, "out of memory");
		goto out;
	}
	long nuo = unique_subs(sh, o, os), nuu = nuo < 0 ? -1 : unique_subs(sh, u, us);
	if (nuo < 0 || nuu < 0)
		goto out;
	no = (size_t)nuo;
	nu = (size_t)nuu;
	if (no < nu) {
		if (jd_add(c, u->criterion == JDM_ALL ? PRODUCT_TYPE_EXTENDED : SUM_TYPE_EXTENDED) <
		    0)
			goto out;
	} else if (no > nu) {
		if (jd_add(c, o->criterion != JDM_ALL ? SUM_TYPE_NARROWED : PRODUCT_TYPE_NARROWED) <
		    0)
			goto out;
	}
	if (jd_charge(sh, (no * nu + 1) * (sizeof *edges + 1)) < 0)
		goto out;
	adj = calloc(no * nu + 1, 1);
	edges = calloc(no * nu + 1, sizeof *edges);
	seen = calloc(nu + 1, 1);
	match_u = malloc((nu + 1) * sizeof *match_u);
	if (!adj || !edges || !seen || !match_u) {
		jd_fail(sh, SG_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < no; i++) {
		char seg[64];
		snprintf(seg, sizeof seg, "%s/%zu", criterion_name(o->criterion), i);
		if (jd_push(c, seg) < 0)
			goto out;
		for (size_t j = 0; j < nu; j++) {
			struct jd_ctx sub;
			if (sub_compare(c, &sub, os[i], us[j]) < 0) {
				jd_pop(c);
				goto out;
			}
			if (jd_list_compatible(c->run, &sub.diffs)) {
				adj[i * nu + j] = 1;
				edges[i * nu + j] = sub.diffs;
				sub.diffs.v = NULL;
				sub.diffs.n = sub.diffs.cap = 0;
			}
			jd_ctx_free(&sub);
		}
		jd_pop(c);
	}
	/* Greedy first (each original takes the free counterpart with the fewest
	 * differences), then augmenting paths for the rest: a maximum matching
	 * that keeps identical pairs together. */
	for (size_t j = 0; j < nu; j++)
		match_u[j] = -1;
	size_t matched = 0;
	for (size_t i = 0; i < no; i++) {
		long best = -1;
		for (size_t j = 0; j < nu; j++)
			if (adj[i * nu + j] && match_u[j] < 0 &&
			    (best < 0 || edges[i * nu + j].n < edges[i * nu + (size_t)best].n))
				best = (long)j;
		if (best >= 0) {
			match_u[best] = (long)i;
			matched++;
		}
	}
	for (size_t i = 0; i < no; i++) {
		int has = 0;
		for (size_t j = 0; j < nu && !has; j++)
			has = match_u[j] == (long)i;
		if (has)
			continue;
		memset(seen, 0, nu + 1);
		matched += (size_t)augment(i, nu, adj, seen, match_u);
	}
	for (size_t j = 0; j < nu; j++)
		if (match_u[j] >= 0 && jd_add_all(c, &edges[(size_t)match_u[j] * nu + j]) < 0)
			goto out;
	if (matched < (no < nu ? no : nu) && jd_add(c, COMBINED_TYPE_SUBSCHEMAS_CHANGED) < 0)
		goto out;
	rc = 0;
out:
	if (edges)
		for (size_t k = 0; k < no * nu; k++)
			jd_list_free(&edges[k]);
	free(edges);
	free(adj);
	free(seen);
	free(match_u);
	free(os);
	free(us);
	return rc;
}

static int not_diff(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	struct jd_ctx sub;
	if (jd_push(c, "not") < 0)
		return -1;
	/* Reversed: the new "not" must exclude no more than the old one did. */
	int rc = sub_compare(c, &sub, u->not_schema, o->not_schema);
	if (rc == 0) {
		rc = jd_add(c, jd_list_compatible(c->run, &sub.diffs) ? NOT_TYPE_NARROWED
		                                                      : NOT_TYPE_EXTENDED);
		jd_ctx_free(&sub);
	}
	jd_pop(c);
	return rc;
}

/* ---- objects ---------------------------------------------------------------- */

/* A hash index over a list of names: position of the first occurrence. It
 * keeps objects with many properties (or long dependency lists) linear. */
struct nameidx {
	const char **keys;
	size_t *pos;
	size_t cap;
};

static size_t name_hash(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)k; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)h;
}

/* Indexes n names found `stride` bytes apart from `first` (a pointer to the
 * first `const char *`). */
static int nameidx_build(struct jd_shared *sh, struct nameidx *x, const void *first, size_t n,
                         size_t stride)
{
	memset(x, 0, sizeof *x);
	if (n == 0)
		return 0;
	size_t cap = 8;
	while (cap < n * 2)
		cap *= 2;
	if (jd_charge(sh, cap * (sizeof *x->keys + sizeof *x->pos)) < 0)
		return -1;
	x->keys = calloc(cap, sizeof *x->keys);
	x->pos = malloc(cap * sizeof *x->pos);
	if (!x->keys || !x->pos) {
		free(x->keys);
		free(x->pos);
		x->keys = NULL;
		x->pos = NULL;
		return jd_fail(sh, SG_ENOMEM, "out of memory");
	}
	x->cap = cap;
	for (size_t i = 0; i < n; i++) {
		const char *k =
		    *(const char *const *)(const void *)((const char *)first + i * stride);
		size_t j = name_hash(k) & (cap - 1);
		while (x->keys[j] && strcmp(x->keys[j], k))
			j = (j + 1) & (cap - 1);
		if (!x->keys[j]) {
			x->keys[j] = k;
			x->pos[j] = i;
		}
	}
	return 0;
}

static long nameidx_find(const struct nameidx *x, const char *k)
{
	if (!x->cap)
		return -1;
	size_t j = name_hash(k) & (x->cap - 1);
	while (x->keys[j]) {
		if (!strcmp(x->keys[j], k))
			return (long)x->pos[j];
		j = (j + 1) & (x->cap - 1);
	}
	return -1;
}

static void nameidx_free(struct nameidx *x)
{
	free(x->keys);
	free(x->pos);
	x->keys = NULL;
	x->pos = NULL;
	x->cap = 0;
}

/* The indexes one object comparison needs, for the original (o) and the
 * update (u): property names, required names, dependency names. */
struct objidx {
	struct nameidx oprops, uprops, oreq, ureq, opdeps, updeps, osdeps, usdeps;
};

static int objidx_build(struct jd_shared *sh, struct objidx *x, const struct jdm_node *o,
                        const struct jdm_node *u)
{
	memset(x, 0, sizeof *x);
	if (nameidx_build(sh, &x->oprops, o->nprops ? &o->props[0].name : NULL, o->nprops,
	                  sizeof *o->props) < 0 ||
	    nameidx_build(sh, &x->uprops, u->nprops ? &u->props[0].name : NULL, u->nprops,
	                  sizeof *u->props) < 0 ||
	    nameidx_build(sh, &x->oreq, o->required, o->nrequired, sizeof *o->required) < 0 ||
	    nameidx_build(sh, &x->ureq, u->required, u->nrequired, sizeof *u->required) < 0 ||
	    nameidx_build(sh, &x->opdeps, o->npdeps ? &o->pdeps[0].name : NULL, o->npdeps,
	                  sizeof *o->pdeps) < 0 ||
	    nameidx_build(sh, &x->updeps, u->npdeps ? &u->pdeps[0].name : NULL, u->npdeps,
	                  sizeof *u->pdeps) < 0 ||
	    nameidx_build(sh, &x->osdeps, o->nsdeps ? &o->sdeps[0].name : NULL, o->nsdeps,
	                  sizeof *o->sdeps) < 0 ||
	    nameidx_build(sh, &x->usdeps, u->nsdeps ? &u->sdeps[0].name : NULL, u->nsdeps,
	                  sizeof *u->sdeps) < 0)
		return -1;
	return 0;
}

static void objidx_free(struct objidx *x)
{
	nameidx_free(&x->oprops);
	nameidx_free(&x->uprops);
	nameidx_free(&x->oreq);
	nameidx_free(&x->ureq);
	nameidx_free(&x->opdeps);
	nameidx_free(&x->updeps);
	nameidx_free(&x->osdeps);
	nameidx_free(&x->usdeps);
}

static struct jdm_node *prop_at(const struct jdm_prop *p, const struct nameidx *x, const char *name)
{
	long i = nameidx_find(x, name);
	return i < 0 ? NULL : p[i].schema;
}

static int object_open(const struct jdm_node *n)
{
	return !n->no_additional && !n->additional && n->npprops == 0 &&
	       (!n->uneval || is_empty(n->uneval));
}

/* The schema that covers property `name` in a partially open content model:
 * the first matching patternProperties entry, else additionalProperties, else
 * unevaluatedProperties. *out is NULL when none; -1 on a regex error. */
static int object_partial(struct jd_ctx *c, const struct jdm_node *n, const char *name,
                          struct jdm_node **out)
{
	*out = NULL;
	for (size_t i = 0; i < n->npprops; i++) {
		int m = jdm_pattern_find(c->run->sh->space, n->pprops[i].pattern, name);
		if (m < 0) {
			c->run->sh->failed = 1;
			return -1;
		}
		if (m) {
			*out = n->pprops[i].schema;
			return 0;
		}
	}
	if (n->additional) {
		*out = n->additional;
		return 0;
	}
	if (!n->no_additional && n->uneval && n->uneval->kind != JDM_FALSE && !is_empty(n->uneval))
		*out = n->uneval;
	return 0;
}

static int compare_required(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u,
                            const struct objidx *x)
{
	if (jd_push(c, "required") < 0)
		return -1;
	for (size_t i = 0; i < o->nprops; i++) {
		const char *name = o->props[i].name;
		long ui = nameidx_find(&x->uprops, name);
		if (ui < 0 || nameidx_find(&x->oprops, name) != (long)i)
			continue;
		int o_req = nameidx_find(&x->oreq, name) >= 0;
		int u_req = nameidx_find(&x->ureq, name) >= 0;
		int type = -1;
		if (o_req && !u_req)
			type = REQUIRED_ATTRIBUTE_REMOVED;
		else if (!o_req && u_req)
			type = u->props[ui].schema->has_default
			           ? REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED
			           : REQUIRED_ATTRIBUTE_ADDED;
		if (type >= 0 && jd_add_at(c, name, type) < 0)
			return -1;
	}
	jd_pop(c);
	return 0;
}

/* A property or item present on one side only, judged against the other
 * side's partially open content model: compare `from` with `to` in a
 * subcontext, keep its differences, then say whether it was covered. */
static int covered(struct jd_ctx *c, struct jdm_node *from, struct jdm_node *to, int yes, int no)
{
	struct jd_ctx sub;
	if (sub_compare(c, &sub, from, to) < 0)
		return -1;
	int ok = jd_list_compatible(c->run, &sub.diffs);
	if (jd_take_all(c, &sub) < 0)
		return -1;
	return jd_add(c, ok ? yes : no);
}

static int property_removed(struct jd_ctx *c, const struct jdm_node *u, const char *name,
                            struct jdm_node *os)
{
	if (object_open(u))
		return jd_add(c, PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL);
	struct jdm_node *partial;
	if (object_partial(c, u, name, &partial) < 0)
		return -1;
	if (partial)
		return covered(c, os, partial,
		               PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
		               PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL);
	return jd_add(c, os->kind == JDM_FALSE
	                     ? PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
	                     : PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL);
}

static int property_added(struct jd_ctx *c, const struct jdm_node *o, const char *name,
                          struct jdm_node *us, int required)
{
	if (object_open(o)) {
		if (is_empty(us))
			return jd_add(c, PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL);
		if (required)
			return jd_add(
			    c, us->has_default
			           ? REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL
			           : REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL);
		return jd_add(c, OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL);
	}
	struct jdm_node *partial;
	if (object_partial(c, o, name, &partial) < 0)
		return -1;
	if (partial &&
	    covered(c, partial, us, PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
	            PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL) < 0)
		return -1;
	if (required)
		return jd_add(c, us->has_default
		                     ? REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL
		                     : REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL);
	return jd_add(c, OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL);
}

static int compare_properties(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u,
                              const struct objidx *x)
{
	if (jd_push(c, "properties") < 0)
		return -1;
	/* Every name of the original, then the names only the update has. */
	for (int side = 0; side < 2; side++) {
		const struct jdm_node *n = side ? u : o;
		const struct nameidx *own = side ? &x->uprops : &x->oprops;
		for (size_t i = 0; i < n->nprops; i++) {
			const char *name = n->props[i].name;
			if (nameidx_find(own, name) != (long)i)
				continue; /* a repeated name is compared once */
			struct jdm_node *os = prop_at(o->props, &x->oprops, name);
			struct jdm_node *us = prop_at(u->props, &x->uprops, name);
			if (side && os)
				continue;
			if (jd_push(c, name) < 0)
				return -1;
			int rc;
			if (!us)
				rc = property_removed(c, u, name, os);
			else if (!os)
				rc = property_added(c, o, name, us,
				                    nameidx_find(&x->ureq, name) >= 0);
			else
				rc = compare(c, os, us);
			jd_pop(c);
			if (rc < 0)
				return -1;
		}
	}
	jd_pop(c);
	return 0;
}

/* Whether every name of `a` is among those of `b`. */
static int names_subset(struct jd_shared *sh, const struct jdm_pdep *a, const struct jdm_pdep *b,
                        int *out)
{
	struct nameidx bx;
	if (nameidx_build(sh, &bx, b->names, b->nnames, sizeof *b->names) < 0)
		return -1;
	*out = 1;
	for (size_t i = 0; i < a->nnames && *out; i++)
		*out = nameidx_find(&bx, a->names[i]) >= 0;
	nameidx_free(&bx);
	return 0;
}

static int compare_dependencies(struct jd_ctx *c, const struct jdm_node *o,
                                const struct jdm_node *u, const struct objidx *x)
{
	struct jd_shared *sh = c->run->sh;
	if (jd_push(c, "dependencies") < 0)
		return -1;
	for (int side = 0; side < 2; side++) {
		const struct jdm_node *n = side ? u : o;
		const struct nameidx *own = side ? &x->updeps : &x->opdeps;
		for (size_t i = 0; i < n->npdeps; i++) {
			const char *name = n->pdeps[i].name;
			long oi = nameidx_find(&x->opdeps, name),
			     ui = nameidx_find(&x->updeps, name);
			if ((side && oi >= 0) || nameidx_find(own, name) != (long)i)
				continue;
			int type = -1;
			if (ui < 0) {
				type = DEPENDENCY_ARRAY_REMOVED;
			} else if (oi < 0) {
				type = DEPENDENCY_ARRAY_ADDED;
			} else {
				int grown, shrunk; /* update ⊇ original, original ⊇ update */
				if (names_subset(sh, &o->pdeps[oi], &u->pdeps[ui], &grown) < 0 ||
				    names_subset(sh, &u->pdeps[ui], &o->pdeps[oi], &shrunk) < 0)
					return -1;
				if (!(grown && shrunk))
					type = grown    ? DEPENDENCY_ARRAY_EXTENDED
					       : shrunk ? DEPENDENCY_ARRAY_NARROWED
					                : DEPENDENCY_ARRAY_CHANGED;
			}
			if (type >= 0 && jd_add_at(c, name, type) < 0)
				return -1;
		}
	}
	for (int side = 0; side < 2; side++) {
		const struct jdm_node *n = side ? u : o;
		const struct nameidx *own = side ? &x->usdeps : &x->osdeps;
		for (size_t i = 0; i < n->nsdeps; i++) {
			const char *name = n->sdeps[i].name;
			struct jdm_node *os = prop_at(o->sdeps, &x->osdeps, name);
			struct jdm_node *us = prop_at(u->sdeps, &x->usdeps, name);
			if ((side && os) || nameidx_find(own, name) != (long)i)
				continue;
			if (jd_push(c, name) < 0)
				return -1;
			int rc = !us   ? jd_add(c, DEPENDENCY_SCHEMA_REMOVED)
			         : !os ? jd_add(c, DEPENDENCY_SCHEMA_ADDED)
			               : compare(c, os, us);
			jd_pop(c);
			if (rc < 0)
				return -1;
		}
	}
	jd_pop(c);
	return 0;
}

/* additionalProperties / additionalItems: `*_no` is the boolean false form,
 * `*_s` the schema form. */
static int compare_additional(struct jd_ctx *c, const char *attr, int o_no, struct jdm_node *o_s,
                              int u_no, struct jdm_node *u_s, int permits_added,
                              int permits_removed, int narrowed, int extended)
{
	if (jd_push(c, attr) < 0)
		return -1;
	int rc;
	if (o_no != u_no)
		rc = jd_add(c, u_no ? permits_removed : permits_added);
	else if (!o_s && u_s)
		rc = jd_add(c, narrowed);
	else if (o_s && !u_s)
		rc = jd_add(c, extended);
	else
		rc = compare(c, o_s, u_s);
	jd_pop(c);
	return rc;
}

static int compare_unevaluated(struct jd_ctx *c, const char *attr, struct jdm_node *ou,
                               struct jdm_node *uu, int added, int removed, int extended,
                               int narrowed)
{
	if (!ou && !uu)
		return 0;
	if (jd_push(c, attr) < 0)
		return -1;
	int rc;
	if (!ou)
		rc = jd_add(c, uu->kind == JDM_FALSE ? removed : narrowed);
	else if (!uu)
		rc = jd_add(c, ou->kind == JDM_FALSE ? added : extended);
	else if (ou->kind == JDM_FALSE && uu->kind != JDM_FALSE)
		rc = jd_add(c, added);
	else if (ou->kind != JDM_FALSE && uu->kind == JDM_FALSE)
		rc = jd_add(c, removed);
	else if (is_empty(ou) && !is_empty(uu))
		rc = jd_add(c, narrowed);
	else if (!is_empty(ou) && is_empty(uu))
		rc = jd_add(c, extended);
	else
		rc = compare(c, ou, uu);
	jd_pop(c);
	return rc;
}

static int object_diff(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	struct objidx x;
	int rc = -1;
	memset(&x, 0, sizeof x);
	if (jd_step(c->run->sh,
	            (o->nprops + u->nprops + o->npdeps + u->npdeps + o->nrequired + u->nrequired) /
	                16) < 0 ||
	    objidx_build(c->run->sh, &x, o, u) < 0)
		goto out;
	if (compare_required(c, o, u, &x) < 0 || compare_properties(c, o, u, &x) < 0 ||
	    compare_dependencies(c, o, u, &x) < 0 ||
	    compare_additional(c, "additionalProperties", o->no_additional, o->additional,
	                       u->no_additional, u->additional, ADDITIONAL_PROPERTIES_ADDED,
	                       ADDITIONAL_PROPERTIES_REMOVED, ADDITIONAL_PROPERTIES_NARROWED,
	                       ADDITIONAL_PROPERTIES_EXTENDED) < 0 ||
	    compare_unevaluated(c, "unevaluatedProperties", o->uneval, u->uneval,
	                        UNEVALUATED_PROPERTIES_ADDED, UNEVALUATED_PROPERTIES_REMOVED,
	                        UNEVALUATED_PROPERTIES_EXTENDED,
	                        UNEVALUATED_PROPERTIES_NARROWED) < 0 ||
	    compare_limit(c, "maxProperties", &o->max_props, &u->max_props, MAX_PROPERTIES_ADDED,
	                  0) < 0 ||
	    compare_limit(c, "minProperties", &o->min_props, &u->min_props, MIN_PROPERTIES_ADDED,
	                  0) < 0)
		goto out;
	rc = 0;
out:
	objidx_free(&x);
	return rc;
}

/* ---- arrays ------------------------------------------------------------------ */

static int array_open(const struct jdm_node *n)
{
	return !n->no_additional_items && !n->additional_items &&
	       (!n->uneval || is_empty(n->uneval));
}

static struct jdm_node *array_partial(const struct jdm_node *n)
{
	if (n->additional_items)
		return n->additional_items;
	if (!n->no_additional_items && n->uneval && n->uneval->kind != JDM_FALSE &&
	    !is_empty(n->uneval))
		return n->uneval;
	return NULL;
}

static int compare_tuple(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	size_t common = o->nitems < u->nitems ? o->nitems : u->nitems;
	size_t total = o->nitems > u->nitems ? o->nitems : u->nitems;
	for (size_t i = 0; i < total; i++) {
		char seg[40];
		snprintf(seg, sizeof seg, "items/%zu", i);
		if (jd_push(c, seg) < 0)
			return -1;
		int rc;
		if (i < common) {
			rc = compare(c, o->items[i], u->items[i]);
		} else if (i < o->nitems) {
			struct jdm_node *os = o->items[i], *partial = array_partial(u);
			if (array_open(u))
				rc = jd_add(c, ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL);
			else if (partial)
				rc = covered(
				    c, os, partial,
				    ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
				    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL);
			else
				rc = jd_add(c,
				            os->kind == JDM_FALSE
				                ? ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
				                : ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL);
		} else {
			struct jdm_node *us = u->items[i], *partial = array_partial(o);
			if (array_open(o))
				rc = jd_add(c,
				            is_empty(us)
				                ? ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
				                : ITEM_ADDED_TO_OPEN_CONTENT_MODEL);
			else if (partial)
				rc =
				    covered(c, partial, us,
				            ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
				            ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL);
			else
				rc = jd_add(c, ITEM_ADDED_TO_CLOSED_CONTENT_MODEL);
		}
		jd_pop(c);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int array_diff(struct jd_ctx *c, const struct jdm_node *o, const struct jdm_node *u)
{
	if (jd_push(c, "items") < 0)
		return -1;
	int rc = compare(c, o->all_items, u->all_items);
	jd_pop(c);
	if (rc < 0 || compare_tuple(c, o, u) < 0 ||
	    compare_additional(c, "additionalItems", o->no_additional_items, o->additional_items,
	                       u->no_additional_items, u->additional_items, ADDITIONAL_ITEMS_ADDED,
	                       ADDITIONAL_ITEMS_REMOVED, ADDITIONAL_ITEMS_NARROWED,
	                       ADDITIONAL_ITEMS_EXTENDED) < 0 ||
	    compare_unevaluated(c, "unevaluatedItems", o->uneval, u->uneval,
	                        UNEVALUATED_ITEMS_ADDED, UNEVALUATED_ITEMS_REMOVED,
	                        UNEVALUATED_ITEMS_EXTENDED, UNEVALUATED_ITEMS_NARROWED) < 0 ||
	    compare_limit(c, "maxItems", &o->max_items, &u->max_items, MAX_ITEMS_ADDED, 0) < 0 ||
	    compare_limit(c, "minItems", &o->min_items, &u->min_items, MIN_ITEMS_ADDED, 0) < 0)
		return -1;
	if (o->unique != u->unique &&
	    jd_add_at(c, "uniqueItems", o->unique ? UNIQUE_ITEMS_REMOVED : UNIQUE_ITEMS_ADDED) < 0)
		return -1;
	if (compare_limit(c, "maxContains", &o->max_contains, &u->max_contains, MAX_CONTAINS_ADDED,
	                  1) < 0 ||
	    compare_limit(c, "minContains", &o->min_contains, &u->min_contains, MIN_CONTAINS_ADDED,
	                  1) < 0)
		return -1;
	return 0;
}

/* ---- SchemaDiff.compareTypes ---------------------------------------------- */

static int types_equal(const struct jdm_node *a, const struct jdm_node *b)
{
	return a->kind == b->kind;
}

static int compare_types(struct jd_ctx *c, struct jdm_node *o, struct jdm_node *u)
{
	struct jd_ctx sub;
	if (o->kind != JDM_COMBINED && u->kind == JDM_COMBINED) {
		if (u->nsubs == 1) {
			if (sub_compare(c, &sub, o, u->subs[0]) < 0)
				return -1;
			if (jd_list_compatible(c->run, &sub.diffs))
				return jd_take_all(c, &sub);
			jd_ctx_free(&sub);
		} else if (u->criterion == JDM_ANY || u->criterion == JDM_ONE) {
			for (size_t i = 0; i < u->nsubs; i++) {
				if (sub_compare(c, &sub, o, u->subs[i]) < 0)
					return -1;
				if (jd_list_compatible(c->run, &sub.diffs)) {
					if (jd_take_all(c, &sub) < 0)
						return -1;
					return jd_add(c, SUM_TYPE_EXTENDED);
				}
				jd_ctx_free(&sub);
			}
		}
	} else if (o->kind == JDM_COMBINED && u->kind != JDM_COMBINED) {
		if (o->nsubs == 1) {
			if (sub_compare(c, &sub, o->subs[0], u) < 0)
				return -1;
			if (jd_list_compatible(c->run, &sub.diffs))
				return jd_take_all(c, &sub);
			jd_ctx_free(&sub);
		} else if (o->criterion == JDM_ALL) {
			for (size_t i = 0; i < o->nsubs; i++) {
				if (sub_compare(c, &sub, o->subs[i], u) < 0)
					return -1;
				if (jd_list_compatible(c->run, &sub.diffs)) {
					if (jd_take_all(c, &sub) < 0)
						return -1;
					return jd_add(c, PRODUCT_TYPE_NARROWED);
				}
				jd_ctx_free(&sub);
			}
		}
	}

	if (!types_equal(o, u)) {
		if (o->kind == JDM_FALSE || is_empty(u))
			return 0;
		if (o->connect_type && u->connect_type && !strcmp(o->connect_type, "bytes") &&
		    !strcmp(u->connect_type, "bytes"))
			return 0;
		return jd_add(c, TYPE_CHANGED);
	}

	if ((!str_eq(o->id, u->id) && jd_add(c, ID_CHANGED) < 0) ||
	    (!str_eq(o->title, u->title) && jd_add(c, TITLE_CHANGED) < 0) ||
	    (!str_eq(o->description, u->description) && jd_add(c, DESCRIPTION_CHANGED) < 0) ||
	    (!default_eq(o, u) && jd_add(c, DEFAULT_CHANGED) < 0))
		return -1;

	switch (o->kind) {
	case JDM_STRING:
		return string_diff(c, o, u);
	case JDM_NUMBER:
		return number_diff(c, o, u);
	case JDM_CONST:
		if (!json_equal(JV(o->value), JV(u->value)))
			return jd_add_at(c, "const", ENUM_ARRAY_CHANGED);
		return 0;
	case JDM_ENUM:
		return enum_diff(c, o, u);
	case JDM_COMBINED:
		return combined_diff(c, o, u);
	case JDM_NOT:
		return not_diff(c, o, u);
	case JDM_OBJECT:
		return object_diff(c, o, u);
	case JDM_ARRAY:
		return array_diff(c, o, u);
	default:
		return 0;
	}
}

/* ---- entry points ------------------------------------------------------------- */

/* Whether the incompatible pairs of two passes are the same set. */
static int same_incompatible(const struct jd_run *cur, const struct jd_table *prev)
{
	size_t ncur = 0, nprev = 0;
	for (size_t i = 0; i < cur->memo.cap; i++) {
		const struct jd_entry *e = cur->memo.v[i];
		if (!entry_incompatible(cur, e))
			continue;
		ncur++;
		if (!entry_incompatible(cur, table_get(prev, e->o, e->u)))
			return 0;
	}
	for (size_t i = 0; prev && i < prev->cap; i++)
		nprev += entry_incompatible(cur, prev->v[i]);
	return ncur == nprev;
}

int jsondiff_compare(const json_t *original, const json_t *update,
                     const struct jsondiff_options *opts, struct report *r, struct sg_error *err)
{
	struct jsondiff_options none = {0};
	if (!opts)
		opts = &none;
	if (!original || !update)
		return error_set(err, SG_EINTERNAL, "jsondiff_compare: missing schema");
	struct jd_shared sh = {
	    .err = err,
	    .max_steps = opts->max_steps ? opts->max_steps : JSONDIFF_DEFAULT_STEPS,
	    .max_bytes = opts->max_bytes ? opts->max_bytes : JSONDIFF_DEFAULT_BYTES,
	};
	struct jdm_space *space = jdm_space_new(sh.max_bytes, err);
	if (!space)
		return -1;
	sh.space = space;
	struct jd_table prev = {0};
	struct jd_run run = {0};
	struct jd_ctx root = {0};
	int result = -1;

	struct jdm_loader *lo =
	    jdm_loader_new(space, original, opts->resolve_original, opts->resolve_original_ctx);
	struct jdm_loader *lu =
	    lo ? jdm_loader_new(space, update, opts->resolve_update, opts->resolve_update_ctx)
	       : NULL;
	struct jdm_node *ro = lu ? jdm_load_root(lo) : NULL;
	struct jdm_node *ru = ro ? jdm_load_root(lu) : NULL;
	if (!ru)
		goto out;

	for (int pass = 0;; pass++) {
		memset(&run, 0, sizeof run);
		run.sh = &sh;
		run.lenient = opts->lenient;
		run.seed = &prev;
		if (jd_ctx_init(&root, &run) < 0 || compare(&root, ro, ru) < 0)
			goto out;
		if (!run.optimism || pass + 1 >= JD_MAX_PASSES || same_incompatible(&run, &prev))
			break;
		table_free(&prev);
		prev = run.memo;
		memset(&run.memo, 0, sizeof run.memo);
		jd_ctx_free(&root);
	}

	result = 1;
	for (size_t i = 0; i < root.diffs.n; i++) {
		int t = root.diffs.v[i].type;
		int ok = jd_type_compatible(t, run.lenient);
		if (!ok)
			result = 0;
		if (r && (!ok || opts->all_changes) &&
		    report_add(r, jd_type_name(t), root.diffs.v[i].path, "%s",
		               jd_type_sentence(t)) < 0) {
			error_set(err, SG_ENOMEM, "out of memory");
			result = -1;
			break;
		}
	}
out:
	if (result < 0 && err && err->code == SG_OK)
		error_set(err, SG_EINTERNAL, "JSON Schema comparison failed");
	jd_ctx_free(&root);
	table_free(&run.memo);
	table_free(&prev);
	jdm_space_free(space);
	return result;
}

int jsondiff_check(const json_t *original, const json_t *update, int lenient, struct report *r)
{
	struct jsondiff_options o = {.lenient = lenient};
	return jsondiff_compare(original, update, &o, r, NULL);
}
