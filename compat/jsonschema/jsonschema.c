/* compat/jsonschema/jsonschema.c: the public JSON Schema API and the evaluator that
 * walks a compiled node graph (compat/jsonschema/jscompile.h) over one document
 * (compat/jsonschema/jsdoc.h).
 *
 * Evaluation is a recursive walk over (node, instance) pairs. State lives in
 * a struct vctx on the caller's stack: the report, a mute counter (errors
 * inside anyOf/oneOf/not/if/contains branches are not reported; the branch
 * only answers yes or no), the dynamic scope (a linked list of the resources
 * entered, on the C stack), depth and step counters, and the PCRE2 match
 * data (taken from the validator's pool). The instance location is another
 * linked list on the C stack, turned into a JSON pointer only when an error
 * is reported. The document arena starts on the stack too, so a small
 * message is parsed and validated without allocating; beyond that, only
 * documents over 4 KiB, uniqueItems over 16 items and unevaluated* over 512
 * members allocate.
 *
 * Raw bytes first get one pass of compat/jsstream when the schema has a
 * one-pass form: it builds no document, and calls back into this evaluator
 * for every scalar, so both paths share every keyword's meaning. Only what
 * that pass does not show valid is parsed and evaluated in full.
 */
#include "compat/jsonschema/jsonschema.h"

#include <inttypes.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jscompile.h"
#include "compat/jsonschema/jsdoc.h"
#include "compat/jsonschema/jsformat.h"
#include "compat/jsonschema/jsmeta.h"
#include "compat/jsonschema/jsstream.h"

/* The resources entered so far, innermost first. */
struct scope {
	const struct jsres *res;
	const struct scope *up;
};

/* The instance location: a property name (key != NULL) or an array index. */
struct ipath {
	const struct ipath *up;
	const char *key;
	size_t klen;
	size_t idx;
};

/* Which members (objects) or items (arrays) of one instance some keyword has
 * evaluated: the annotations "unevaluatedProperties"/"unevaluatedItems" need. */
struct ann {
	size_t n;
	uint64_t *bits;
	int all;
};

#define ANN_STACK_WORDS 8

struct vctx {
	const struct jsonschema *v;
	struct report *r;
	int mute;
	int abort; /* depth exceeded or out of memory: unwind */
	int oom;
	unsigned depth;
	unsigned long steps, max_steps;
	const struct scope *scope;
	struct jsregex_scratch *rx;
};

static int eval(struct vctx *c, const struct jsnode *n, const struct jsd *x, const struct ipath *p,
                struct ann *ann);

/* --- annotations --- */

static int ann_init(struct vctx *c, struct ann *a, size_t n, uint64_t *stack)
{
	size_t words = (n + 63) / 64;
	a->n = n;
	a->all = 0;
	if (words <= ANN_STACK_WORDS) {
		a->bits = stack;
		memset(stack, 0, ANN_STACK_WORDS * sizeof *stack);
		return 0;
	}
	a->bits = calloc(words, sizeof *a->bits);
	if (!a->bits) {
		c->oom = c->abort = 1;
		return -1;
	}
	return 0;
}

static void ann_fini(struct ann *a, const uint64_t *stack)
{
	if (a->bits != stack)
		free(a->bits);
}

static void ann_mark(struct ann *a, size_t i)
{
	if (a && i < a->n)
		a->bits[i / 64] |= 1ULL << (i % 64);
}

static int ann_has(const struct ann *a, size_t i)
{
	return a->all || (i < a->n && ((a->bits[i / 64] >> (i % 64)) & 1));
}

static void ann_merge(struct ann *dst, const struct ann *src)
{
	if (!dst || dst->n != src->n)
		return;
	dst->all |= src->all;
	for (size_t w = 0; w < (src->n + 63) / 64; w++)
		dst->bits[w] |= src->bits[w];
}

/* --- reporting --- */

static int quiet(const struct vctx *c)
{
	return c->mute || !c->r || report_count(c->r) >= REPORT_MAX;
}

/* Renders the instance location as a JSON pointer into `buf`. */
static void path_render(const struct ipath *p, char *buf, size_t cap)
{
	const struct ipath *seg[256];
	size_t n = 0, o = 0;
	int cut = 0;
	for (; p; p = p->up) {
		if (n == sizeof seg / sizeof seg[0]) {
			cut = 1;
			break;
		}
		seg[n++] = p;
	}
	buf[0] = '\0';
	if (cut) {
		memcpy(buf, "/...", 5);
		o = 4;
	}
	while (n--) {
		char num[24];
		const char *k = seg[n]->key;
		size_t kl = seg[n]->klen;
		if (!k) {
			snprintf(num, sizeof num, "%zu", seg[n]->idx);
			k = num;
			kl = strlen(num);
		}
		if (o + 2 >= cap)
			break;
		buf[o++] = '/';
		for (size_t i = 0; i < kl && o + 3 < cap; i++) {
			if (k[i] == '~' || k[i] == '/') {
				buf[o++] = '~';
				buf[o++] = k[i] == '~' ? '0' : '1';
			} else {
				buf[o++] = k[i] ? k[i] : '?';
			}
		}
		buf[o] = '\0';
	}
}

/* Reports an error of keyword `kw` of node `n` at instance location `p`,
 * unless muted or without a report. */
static void fail(struct vctx *c, const struct jsnode *n, const char *kw, const struct ipath *p,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fail(struct vctx *c, const struct jsnode *n, const char *kw, const struct ipath *p,
                 const char *fmt, ...)
{
	if (c->mute || !c->r)
		return;
	char where[1024], msg[768];
	va_list ap;
	path_render(p, where, sizeof where);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (report_add(c->r, kw, where, "%s (at %s%s%s)", msg, n->loc,
	               n->kind == JSNODE_SCHEMA ? "/" : "", n->kind == JSNODE_SCHEMA ? kw : "") < 0)
		c->oom = c->abort = 1;
}

#define VAL(x, buf) jsvalue_render((x), (buf), sizeof(buf))

static const char *num_render(const struct jsnum *n, char *buf, size_t cap)
{
	if (n->is_int) {
		snprintf(buf, cap, "%" PRId64, n->i);
		return buf;
	}
	struct jsd tmp = {.type = JSD_REAL, .u.d = n->d};
	return jsvalue_render(&tmp, buf, cap);
}

static const char *types_render(unsigned types, char *buf, size_t cap)
{
	static const char *const names[] = {"null",   "boolean", "object", "array",
	                                    "number", "string",  "integer"};
	size_t o = 0, count = 0, total = 0;
	for (int i = 0; i < 7; i++)
		total += (types >> i) & 1;
	buf[0] = '\0';
	for (int i = 0; i < 7; i++) {
		if (!((types >> i) & 1))
			continue;
		count++;
		const char *sep = count == 1 ? "" : count == total ? " or " : ", ";
		int w = snprintf(buf + o, cap - o, "%s%s", sep, names[i]);
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
	return buf;
}

/* --- keywords --- */

static int type_ok(unsigned types, const struct jsd *x, int reals_are_ints)
{
	switch (x->type) {
	case JSD_OBJECT:
		return (types & JST_OBJECT) != 0;
	case JSD_ARRAY:
		return (types & JST_ARRAY) != 0;
	case JSD_STRING:
		return (types & JST_STRING) != 0;
	case JSD_INT:
		return (types & (JST_INTEGER | JST_NUMBER)) != 0;
	case JSD_REAL:
		if (types & JST_NUMBER)
			return 1;
		return (types & JST_INTEGER) && jsvalue_is_integer(x, reals_are_ints);
	case JSD_TRUE:
	case JSD_FALSE:
		return (types & JST_BOOLEAN) != 0;
	default:
		return (types & JST_NULL) != 0;
	}
}

static int muted(struct vctx *c, const struct jsnode *n, const struct jsd *x, const struct ipath *p,
                 struct ann *ann)
{
	c->mute++;
	int r = eval(c, n, x, p, ann);
	c->mute--;
	return r;
}

static int unique_items(struct vctx *c, const struct jsd *x, size_t *di, size_t *dj)
{
	size_t n = x->n;
	const struct jsd *it = x->u.items;
	if (n <= 16) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (jsvalue_equal(&it[i], &it[j])) {
					*di = i, *dj = j;
					return 0;
				}
		return 1;
	}
	/* Open addressing over item hashes: O(n) expected. */
	size_t cap = 32;
	while (cap < n * 2)
		cap *= 2;
	size_t *slot = calloc(cap, sizeof *slot);
	uint64_t *h = malloc(n * sizeof *h);
	int ok = 1;
	if (!slot || !h) {
		free(slot);
		free(h);
		c->oom = c->abort = 1;
		return 0;
	}
	for (size_t i = 0; i < n && ok; i++) {
		h[i] = jsvalue_hash(&it[i]);
		for (size_t s = h[i] & (cap - 1);; s = (s + 1) & (cap - 1)) {
			if (!slot[s]) {
				slot[s] = i + 1;
				break;
			}
			size_t j = slot[s] - 1;
			if (h[j] == h[i] && jsvalue_equal(&it[j], &it[i])) {
				*di = j, *dj = i;
				ok = 0;
				break;
			}
		}
	}
	free(slot);
	free(h);
	return ok;
}

static int kw_items(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                    const struct jsd *x, const struct ipath *p, struct ann *ann)
{
	const struct jsitems *it = k->u.items;
	size_t len = (size_t)x->n, i;
	int ok = 1;
	for (i = 0; i < len && i < it->nprefix; i++) {
		struct ipath cp = {p, NULL, 0, i};
		if (!eval(c, it->prefix[i], &x->u.items[i], &cp, NULL)) {
			ok = 0;
			if (quiet(c) || c->abort)
				return 0;
		}
		ann_mark(ann, i);
	}
	if (!it->rest || len <= it->nprefix)
		return ok;
	if (it->rest->kind == JSNODE_FALSE) {
		struct ipath cp = {p, NULL, 0, it->nprefix};
		fail(c, n, it->rest_kw, &cp,
		     "array has %zu items, more than the %zu allowed "
		     "(%s is false)",
		     len, it->nprefix, it->rest_kw);
		return 0;
	}
	for (; i < len; i++) {
		struct ipath cp = {p, NULL, 0, i};
		if (!eval(c, it->rest, &x->u.items[i], &cp, NULL)) {
			ok = 0;
			if (quiet(c) || c->abort)
				return 0;
		}
	}
	if (ann)
		ann->all = 1;
	return ok;
}

static int kw_contains(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                       const struct jsd *x, const struct ipath *p, struct ann *ann)
{
	const struct jscontains *ct = k->u.contains;
	size_t len = (size_t)x->n, count = 0;
	int marking = ct->annotate && ann;
	for (size_t i = 0; i < len && !c->abort; i++) {
		struct ipath cp = {p, NULL, 0, i};
		if (muted(c, ct->node, &x->u.items[i], &cp, NULL)) {
			count++;
			if (marking)
				ann_mark(ann, i);
			else if (!ct->has_max && count >= ct->min)
				break;
		}
	}
	if (count < ct->min) {
		if (ct->min == 1)
			fail(c, n, "contains", p, "no item matches the contains schema");
		else
			fail(c, n, "minContains", p,
			     "%zu items match contains, fewer than "
			     "minContains %zu",
			     count, ct->min);
		return 0;
	}
	if (ct->has_max && count > ct->max) {
		fail(c, n, "maxContains", p, "%zu items match contains, more than maxContains %zu",
		     count, ct->max);
		return 0;
	}
	return 1;
}

static int kw_props(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                    const struct jsd *x, const struct ipath *p, struct ann *ann)
{
	const struct jsprops *P = k->u.props;
	int ok = 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < x->n; i++) {
		const char *key = x->u.members[i].key;
		size_t kl = x->u.members[i].klen;
		const struct jsd *val = &x->u.members[i].val;
		struct ipath cp = {p, key, kl, 0};
		int matched = 0;
		long j = P->n ? jsprops_find(P, key, kl) : -1;
		if (j >= 0) {
			matched = 1;
			if (j < 64)
				seen |= 1ULL << j;
			if (!eval(c, P->nodes[j], val, &cp, NULL)) {
				ok = 0;
				if (quiet(c) || c->abort)
					return 0;
			}
		}
		for (size_t q = 0; q < P->npat; q++) {
			int m = jsregex_match(P->pats[q], key, kl, &c->rx);
			if (m == -2) {
				c->oom = c->abort = 1;
				return 0;
			}
			if (m < 0) {
				char kb[80];
				struct jsd name = {
				    .type = JSD_STRING, .n = (uint32_t)kl, .u.s = key};
				fail(c, n, "patternProperties", &cp,
				     "property name %s could not be "
				     "matched against \"%s\" within the match limits",
				     VAL(&name, kb), jsregex_source(P->pats[q]));
				ok = 0;
				if (quiet(c))
					return 0;
				continue;
			}
			if (!m)
				continue;
			matched = 1;
			if (!eval(c, P->patnodes[q], val, &cp, NULL)) {
				ok = 0;
				if (quiet(c) || c->abort)
					return 0;
			}
		}
		if (!matched && P->additional) {
			matched = 1;
			if (P->additional->kind == JSNODE_FALSE) {
				fail(c, n, "additionalProperties", &cp,
				     "property is not allowed (additionalProperties is false)");
				ok = 0;
				if (quiet(c))
					return 0;
			} else if (!eval(c, P->additional, val, &cp, NULL)) {
				ok = 0;
				if (quiet(c) || c->abort)
					return 0;
			}
		}
		if (matched)
			ann_mark(ann, i);
	}
	uint64_t missing = P->required_mask & ~seen;
	for (size_t j = 0; missing && j < 64; j++) {
		if (!((missing >> j) & 1))
			continue;
		char vb[96];
		struct jsd name = {
		    .type = JSD_STRING, .n = (uint32_t)P->names[j].n, .u.s = P->names[j].s};
		fail(c, n, "required", p, "required property %s is missing", VAL(&name, vb));
		ok = 0;
		if (quiet(c))
			break;
	}
	return ok;
}

static int kw_property_names(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                             const struct jsd *x, const struct ipath *p)
{
	int ok = 1;
	if (k->u.node->kind == JSNODE_TRUE)
		return 1;
	for (size_t i = 0; i < x->n; i++) {
		const char *key = x->u.members[i].key;
		size_t kl = x->u.members[i].klen;
		struct ipath cp = {p, key, kl, 0};
		struct jsd name = {.type = JSD_STRING, .n = (uint32_t)kl, .u.s = key};
		int r = muted(c, k->u.node, &name, &cp, NULL);
		if (!r) {
			char kb[80];
			fail(c, n, "propertyNames", &cp,
			     "property name %s does not match "
			     "propertyNames",
			     VAL(&name, kb));
		}
		if (!r) {
			ok = 0;
			if (quiet(c) || c->abort)
				return 0;
		}
	}
	return ok;
}

/* After an anyOf/oneOf with no matching branch was reported: when exactly
 * one branch admits the instance's type, its own errors say more than the
 * summary, so they follow it. */
static void explain_branches(struct vctx *c, const struct jskw *k, const struct jsd *x,
                             const struct ipath *p)
{
	const struct jsnode *only = NULL;
	if (quiet(c))
		return;
	for (size_t i = 0; i < k->u.list.n; i++) {
		const struct jsnode *b = k->u.list.v[i];
		if (b->kind != JSNODE_SCHEMA ||
		    (b->types && !type_ok(b->types, x, b->reals_are_ints)))
			continue;
		if (only)
			return;
		only = b;
	}
	if (only)
		eval(c, only, x, p, NULL);
}

static int kw_anyof(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                    const struct jsd *x, const struct ipath *p, struct ann *ann)
{
	int any = 0;
	for (size_t i = 0; i < k->u.list.n && !c->abort; i++) {
		if (!ann) {
			if (muted(c, k->u.list.v[i], x, p, NULL)) {
				any = 1;
				break;
			}
			continue;
		}
		uint64_t stack[ANN_STACK_WORDS];
		struct ann sub;
		if (ann_init(c, &sub, ann->n, stack) < 0)
			return 0;
		if (muted(c, k->u.list.v[i], x, p, &sub)) {
			any = 1;
			ann_merge(ann, &sub);
		}
		ann_fini(&sub, stack);
	}
	if (!any && !c->abort) {
		char vb[96];
		fail(c, n, "anyOf", p, "%s does not match any of the %zu schemas in anyOf",
		     VAL(x, vb), k->u.list.n);
		explain_branches(c, k, x, p);
	}
	return any;
}

static int kw_oneof(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                    const struct jsd *x, const struct ipath *p, struct ann *ann)
{
	size_t count = 0, first = 0, second = 0;
	uint64_t mstack[ANN_STACK_WORDS];
	struct ann match = {0, NULL, 0};
	if (ann && ann_init(c, &match, ann->n, mstack) < 0)
		return 0;
	for (size_t i = 0; i < k->u.list.n && !c->abort; i++) {
		uint64_t stack[ANN_STACK_WORDS];
		struct ann sub;
		if (ann && ann_init(c, &sub, ann->n, stack) < 0)
			break;
		int r = muted(c, k->u.list.v[i], x, p, ann ? &sub : NULL);
		if (r) {
			if (count == 0) {
				first = i;
				if (ann)
					ann_merge(&match, &sub);
			} else if (count == 1) {
				second = i;
			}
			count++;
		}
		if (ann)
			ann_fini(&sub, stack);
		if (count > 1)
			break;
	}
	if (count == 1 && ann)
		ann_merge(ann, &match);
	if (ann)
		ann_fini(&match, mstack);
	if (c->abort)
		return 0;
	char vb[96];
	if (count == 0) {
		fail(c, n, "oneOf", p, "%s does not match any of the %zu schemas in oneOf",
		     VAL(x, vb), k->u.list.n);
		explain_branches(c, k, x, p);
	} else if (count > 1)
		fail(c, n, "oneOf", p, "%s matches more than one schema in oneOf (%zu and %zu)",
		     VAL(x, vb), first, second);
	return count == 1;
}

static int kw_if(struct vctx *c, const struct jskw *k, const struct jsd *x, const struct ipath *p,
                 struct ann *ann)
{
	const struct jscond *cd = k->u.cond;
	uint64_t stack[ANN_STACK_WORDS];
	struct ann sub;
	if (ann && ann_init(c, &sub, ann->n, stack) < 0)
		return 0;
	int r = muted(c, cd->if_, x, p, ann ? &sub : NULL);
	if (ann) {
		if (r)
			ann_merge(ann, &sub);
		ann_fini(&sub, stack);
	}
	if (c->abort)
		return 0;
	const struct jsnode *next = r ? cd->then_ : cd->else_;
	return next ? eval(c, next, x, p, ann) : 1;
}

static const struct jsnode *dynamic_target(const struct vctx *c, const struct jsdynref *d)
{
	const struct jsnode *t = d->target;
	if (!d->anchor)
		return t;
	/* The outermost resource in the dynamic scope with that anchor wins. */
	for (const struct scope *s = c->scope; s; s = s->up)
		for (size_t i = 0; i < s->res->ndyn; i++)
			if (s->res->dyn[i].node && strcmp(s->res->dyn[i].name, d->anchor) == 0)
				t = s->res->dyn[i].node;
	return t;
}

static const struct jsnode *recursive_target(const struct vctx *c, const struct jsnode *t)
{
	if (t->kind != JSNODE_SCHEMA || !t->res->recursive_anchor || t->res->root != t)
		return t;
	/* Outward from the current resource while each has "$recursiveAnchor". */
	for (const struct scope *s = c->scope; s && s->res->recursive_anchor; s = s->up)
		if (s->res->root)
			t = s->res->root;
	return t;
}

static int kw_uneval_items(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                           const struct jsd *x, const struct ipath *p, struct ann *a)
{
	size_t len = (size_t)x->n;
	int ok = 1;
	if (!a || a->all)
		return 1;
	for (size_t i = 0; i < len; i++) {
		if (ann_has(a, i))
			continue;
		struct ipath cp = {p, NULL, 0, i};
		if (k->u.node->kind == JSNODE_FALSE) {
			fail(c, n, "unevaluatedItems", &cp,
			     "item is not allowed (unevaluatedItems is false)");
			ok = 0;
		} else if (!eval(c, k->u.node, &x->u.items[i], &cp, NULL)) {
			ok = 0;
		}
		if (!ok && (quiet(c) || c->abort))
			return 0;
	}
	if (ok)
		a->all = 1;
	return ok;
}

static int kw_uneval_props(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                           const struct jsd *x, const struct ipath *p, struct ann *a)
{
	int ok = 1;
	if (!a || a->all)
		return 1;
	for (size_t i = 0; i < x->n; i++) {
		if (ann_has(a, i))
			continue;
		struct ipath cp = {p, x->u.members[i].key, x->u.members[i].klen, 0};
		if (k->u.node->kind == JSNODE_FALSE) {
			fail(c, n, "unevaluatedProperties", &cp,
			     "property is not allowed (unevaluatedProperties is false)");
			ok = 0;
		} else if (!eval(c, k->u.node, &x->u.members[i].val, &cp, NULL)) {
			ok = 0;
		}
		if (!ok && (quiet(c) || c->abort))
			return 0;
	}
	if (ok)
		a->all = 1;
	return ok;
}

static int eval_kw(struct vctx *c, const struct jsnode *n, const struct jskw *k,
                   const struct jsd *x, const struct ipath *p, struct ann *ann)
{
	char vb[96], bb[96];
	struct jsnum num;
	switch (k->op) {
	case JSOP_REF:
		return eval(c, k->u.node, x, p, ann);
	case JSOP_DYNREF:
		return eval(c, dynamic_target(c, k->u.dynref), x, p, ann);
	case JSOP_RECREF:
		return eval(c, recursive_target(c, k->u.node), x, p, ann);
	case JSOP_CONST:
		if (jsvalue_equal_fast(x, k->u.value))
			return 1;
		fail(c, n, "const", p, "%s is not the constant %s", VAL(x, vb),
		     VAL(k->u.value, bb));
		return 0;
	case JSOP_ENUM:
		for (uint32_t i = 0; i < k->u.value->n; i++)
			if (jsvalue_equal_fast(x, &k->u.value->u.items[i]))
				return 1;
		fail(c, n, "enum", p, "%s is not one of %s", VAL(x, vb), VAL(k->u.value, bb));
		return 0;
	case JSOP_MINIMUM:
	case JSOP_MAXIMUM:
	case JSOP_XMINIMUM:
	case JSOP_XMAXIMUM: {
		if (jsvalue_num(x, &num) < 0)
			return 1;
		int cmp = jsvalue_num_cmp(&num, &k->u.num);
		static const char *const what[] = {"less than the minimum of",
		                                   "greater than the maximum of",
		                                   "not greater than the exclusive minimum of",
		                                   "not less than the exclusive maximum of"};
		int i = k->op - JSOP_MINIMUM;
		int bad = i == 0 ? cmp < 0 : i == 1 ? cmp > 0 : i == 2 ? cmp <= 0 : cmp >= 0;
		if (!bad)
			return 1;
		fail(c, n, k->name, p, "%s is %s %s", VAL(x, vb), what[i],
		     num_render(&k->u.num, bb, sizeof bb));
		return 0;
	}
	case JSOP_MULTIPLE_OF:
		if (jsvalue_num(x, &num) < 0 || jsvalue_num_multiple(&num, &k->u.num))
			return 1;
		fail(c, n, "multipleOf", p, "%s is not a multiple of %s", VAL(x, vb),
		     num_render(&k->u.num, bb, sizeof bb));
		return 0;
	case JSOP_MIN_LENGTH:
	case JSOP_MAX_LENGTH: {
		if (!(x->type == JSD_STRING))
			return 1;
		/* A string has between bytes/4 and bytes code points: count only
		 * when that does not settle it. */
		size_t bytes = (size_t)x->n;
		if (k->op == JSOP_MIN_LENGTH ? bytes / 4 >= k->u.count : bytes <= k->u.count)
			return 1;
		size_t len = jsvalue_utf8_len(x->u.s, bytes);
		if (k->op == JSOP_MIN_LENGTH ? len >= k->u.count : len <= k->u.count)
			return 1;
		fail(c, n, k->name, p, "%s is %s than %zu characters", VAL(x, vb),
		     k->op == JSOP_MIN_LENGTH ? "shorter" : "longer", k->u.count);
		return 0;
	}
	case JSOP_PATTERN: {
		if (!(x->type == JSD_STRING))
			return 1;
		int m = jsregex_match(k->u.re, x->u.s, (size_t)x->n, &c->rx);
		if (m == 1)
			return 1;
		if (m == -2) {
			c->oom = c->abort = 1;
			return 0;
		}
		if (m == 0)
			fail(c, n, "pattern", p, "%s does not match the pattern \"%s\"", VAL(x, vb),
			     jsregex_source(k->u.re));
		else
			fail(c, n, "pattern", p,
			     "%s could not be matched against the pattern \"%s\" "
			     "within the match limits",
			     VAL(x, vb), jsregex_source(k->u.re));
		return 0;
	}
	case JSOP_FORMAT:
		if (!(x->type == JSD_STRING) || jsformat_check(k->u.format, x->u.s, (size_t)x->n))
			return 1;
		fail(c, n, "format", p, "%s is not a valid %s", VAL(x, vb),
		     jsformat_name(k->u.format));
		return 0;
	case JSOP_MIN_ITEMS:
	case JSOP_MAX_ITEMS: {
		if (!(x->type == JSD_ARRAY))
			return 1;
		size_t len = (size_t)x->n;
		if (k->op == JSOP_MIN_ITEMS ? len >= k->u.count : len <= k->u.count)
			return 1;
		fail(c, n, k->name, p, "array has %zu items, %s the %s of %zu", len,
		     k->op == JSOP_MIN_ITEMS ? "fewer than" : "more than",
		     k->op == JSOP_MIN_ITEMS ? "minimum" : "maximum", k->u.count);
		return 0;
	}
	case JSOP_UNIQUE_ITEMS: {
		size_t i, j;
		if (!(x->type == JSD_ARRAY) || unique_items(c, x, &i, &j))
			return 1;
		if (!c->abort)
			fail(c, n, "uniqueItems", p, "items %zu and %zu are equal", i, j);
		return 0;
	}
	case JSOP_ITEMS:
		return (x->type == JSD_ARRAY) ? kw_items(c, n, k, x, p, ann) : 1;
	case JSOP_CONTAINS:
		return (x->type == JSD_ARRAY) ? kw_contains(c, n, k, x, p, ann) : 1;
	case JSOP_REQUIRED: {
		if (!(x->type == JSD_OBJECT))
			return 1;
		int ok = 1;
		for (size_t i = 0; i < k->u.names.n; i++) {
			const struct jsstr *s = &k->u.names.v[i];
			if (jsd_object_get(x, s->s, s->n))
				continue;
			struct jsd name = {.type = JSD_STRING, .n = (uint32_t)s->n, .u.s = s->s};
			fail(c, n, "required", p, "required property %s is missing",
			     VAL(&name, vb));
			ok = 0;
			if (quiet(c))
				break;
		}
		return ok;
	}
	case JSOP_MIN_PROPS:
	case JSOP_MAX_PROPS: {
		if (!(x->type == JSD_OBJECT))
			return 1;
		size_t len = (size_t)x->n;
		if (k->op == JSOP_MIN_PROPS ? len >= k->u.count : len <= k->u.count)
			return 1;
		fail(c, n, k->name, p, "object has %zu properties, %s the %s of %zu", len,
		     k->op == JSOP_MIN_PROPS ? "fewer than" : "more than",
		     k->op == JSOP_MIN_PROPS ? "minimum" : "maximum", k->u.count);
		return 0;
	}
	case JSOP_PROPS:
		return (x->type == JSD_OBJECT) ? kw_props(c, n, k, x, p, ann) : 1;
	case JSOP_PROPERTY_NAMES:
		return (x->type == JSD_OBJECT) ? kw_property_names(c, n, k, x, p) : 1;
	case JSOP_DEP_REQUIRED: {
		if (!(x->type == JSD_OBJECT))
			return 1;
		int ok = 1;
		for (size_t i = 0; i < k->u.deps->n; i++) {
			const struct jsdep *d = &k->u.deps->v[i];
			if (!jsd_object_get(x, d->key.s, d->key.n))
				continue;
			for (size_t j = 0; j < d->n; j++) {
				if (jsd_object_get(x, d->names[j].s, d->names[j].n))
					continue;
				struct jsd a = {.type = JSD_STRING,
				                .n = (uint32_t)d->names[j].n,
				                .u.s = d->names[j].s};
				struct jsd b = {
				    .type = JSD_STRING, .n = (uint32_t)d->key.n, .u.s = d->key.s};
				fail(c, n, k->name, p, "property %s is required when %s is present",
				     VAL(&a, vb), VAL(&b, bb));
				ok = 0;
				if (quiet(c))
					return 0;
			}
		}
		return ok;
	}
	case JSOP_DEP_SCHEMAS: {
		if (!(x->type == JSD_OBJECT))
			return 1;
		int ok = 1;
		for (size_t i = 0; i < k->u.deps->n; i++) {
			const struct jsdep *d = &k->u.deps->v[i];
			if (!jsd_object_get(x, d->key.s, d->key.n))
				continue;
			if (!eval(c, d->node, x, p, ann)) {
				ok = 0;
				if (quiet(c) || c->abort)
					return 0;
			}
		}
		return ok;
	}
	case JSOP_ALL_OF: {
		int ok = 1;
		for (size_t i = 0; i < k->u.list.n; i++) {
			if (!eval(c, k->u.list.v[i], x, p, ann)) {
				ok = 0;
				if (quiet(c) || c->abort)
					return 0;
			}
		}
		return ok;
	}
	case JSOP_ANY_OF:
		return kw_anyof(c, n, k, x, p, ann);
	case JSOP_ONE_OF:
		return kw_oneof(c, n, k, x, p, ann);
	case JSOP_NOT:
		if (!muted(c, k->u.node, x, p, NULL))
			return !c->abort;
		fail(c, n, "not", p, "%s must not match the schema in not", VAL(x, vb));
		return 0;
	case JSOP_IF:
		return kw_if(c, k, x, p, ann);
	case JSOP_UNEVAL_ITEMS:
		return (x->type == JSD_ARRAY) ? kw_uneval_items(c, n, k, x, p, ann) : 1;
	case JSOP_UNEVAL_PROPS:
		return (x->type == JSD_OBJECT) ? kw_uneval_props(c, n, k, x, p, ann) : 1;
	default:
		return 1;
	}
}

/* Node `n`'s "type" and keywords on `x`: what eval() does once it has
 * entered `n` (checked the limits, pushed the scope, set up annotations). */
static inline int eval_body(struct vctx *c, const struct jsnode *n, const struct jsd *x,
                            const struct ipath *p, struct ann *a)
{
	int ok = !c->abort;
	if (n->types && !type_ok(n->types, x, n->reals_are_ints)) {
		if (!c->mute && c->r) { /* rendered only when reported */
			char vb[96], bb[96];
			fail(c, n, "type", p, "%s is not of type %s", VAL(x, vb),
			     types_render(n->types, bb, sizeof bb));
		}
		ok = 0;
	}
	for (size_t i = 0; i < n->nkw && !c->abort && (ok || !quiet(c)); i++) {
		if (!eval_kw(c, n, &n->kw[i], x, p, a)) {
			ok = 0;
			if (quiet(c))
				break;
		}
	}
	return ok;
}

static int eval(struct vctx *c, const struct jsnode *n, const struct jsd *x, const struct ipath *p,
                struct ann *ann)
{
	if (n->kind == JSNODE_TRUE)
		return 1;
	if (n->kind == JSNODE_FALSE) {
		fail(c, n, "false", p, "no value is allowed here (the schema is false)");
		return 0;
	}
	if (c->abort)
		return 0;
	if (c->depth >= c->v->max_depth) {
		c->abort = 1;
		if (c->r) {
			char where[1024];
			path_render(p, where, sizeof where);
			if (report_add(c->r, "depth", where,
			               "validation nested deeper than %u levels "
			               "(instance or schema recursion too deep) (at %s)",
			               c->v->max_depth, n->loc) < 0)
				c->oom = 1;
		}
		return 0;
	}
	if (++c->steps > c->max_steps) {
		c->abort = 1;
		if (c->r) {
			char where[1024];
			path_render(p, where, sizeof where);
			if (report_add(c->r, "limit", where,
			               "validation stopped after %lu schema "
			               "evaluations (the schema is too complex for this document) "
			               "(at %s)",
			               c->max_steps, n->loc) < 0)
				c->oom = 1;
		}
		return 0;
	}
	c->depth++;
	struct scope sc;
	const struct scope *saved = c->scope;
	if (!saved || saved->res != n->res) {
		sc.res = n->res;
		sc.up = saved;
		c->scope = &sc;
	}

	uint64_t stack[ANN_STACK_WORDS];
	struct ann own, *a = ann;
	int have_own = 0;
	if ((n->uneval_props && (x->type == JSD_OBJECT)) ||
	    (n->uneval_items && (x->type == JSD_ARRAY))) {
		size_t len = (x->type == JSD_OBJECT) ? (size_t)x->n : (size_t)x->n;
		if (ann_init(c, &own, len, stack) == 0) {
			have_own = 1;
			a = &own;
		}
	}
	int ok = eval_body(c, n, x, p, a);
	if (have_own) {
		if (ok && ann)
			ann_merge(ann, &own);
		ann_fini(&own, stack);
	}
	c->scope = saved;
	c->depth--;
	return ok && !c->abort;
}

/* --- public API --- */

struct jsonschema *jsonschema_compile(const json_t *schema, const struct jsonschema_options *opts,
                                      struct sg_error *err)
{
	if (!schema) {
		error_set(err, SG_EINVALID_SCHEMA, "no schema given");
		return NULL;
	}
	struct jsonschema *v = calloc(1, sizeof *v);
	if (!v) {
		error_set(err, SG_ENOMEM, "out of memory compiling a JSON schema");
		return NULL;
	}
	if (jscompile(v, schema, opts, err) < 0 ||
	    (!v->dynamic && jsstream_plan(v->root, v->nnodes, &v->one_pass) < 0)) {
		if (err && err->code == SG_OK)
			error_set(err, SG_ENOMEM, "out of memory compiling a JSON schema");
		jsonschema_free(v);
		return NULL;
	}
	return v;
}

void jsonschema_free(struct jsonschema *v)
{
	if (!v)
		return;
	jsstream_free(v->one_pass);
	jscompile_release(v);
	free(v);
}

/* The regex match buffer for one validation: `*own` when the caller keeps
 * one, else one of the validator's shared buffers (or none yet). */
static struct jsregex_scratch *rx_take(const struct jsonschema *v, struct jsregex_scratch **own)
{
	struct jsonschema *mv = (struct jsonschema *)v; /* only the scratch slots */
	struct jsregex_scratch *rx = NULL;
	if (own)
		return *own;
	for (size_t slot = 0; v->nregex && slot < JSCOMPILE_SCRATCH_SLOTS && !rx; slot++)
		rx = atomic_exchange(&mv->scratch[slot], NULL);
	return rx;
}

/* Gives back what rx_take() handed out (possibly allocated since). */
static void rx_give(const struct jsonschema *v, struct jsregex_scratch **own,
                    struct jsregex_scratch *rx)
{
	struct jsonschema *mv = (struct jsonschema *)v;
	if (own) {
		*own = rx;
		return;
	}
	for (size_t slot = 0; rx && slot < JSCOMPILE_SCRATCH_SLOTS; slot++) {
		struct jsregex_scratch *none = NULL;
		if (atomic_compare_exchange_strong(&mv->scratch[slot], &none, rx))
			rx = NULL;
	}
	jsregex_scratch_free(rx);
}

static int validate(const struct jsonschema *v, const struct jsd *doc, unsigned long max_steps,
                    struct report *r, struct jsregex_scratch **own)
{
	struct vctx c = {.v = v, .r = r, .max_steps = max_steps};
	c.rx = rx_take(v, own);
	int ok = eval(&c, v->root, doc, NULL, NULL);
	rx_give(v, own, c.rx);
	if (c.oom)
		return -1;
	return ok ? 1 : 0;
}

/* compat/jsstream's check of one scalar, reporting nothing: eval() after its
 * depth and step checks (the reader made them), without the dynamic scope
 * (one-pass schemas have no dynamic references) or annotations (a scalar
 * has none to collect). Applicators recurse through eval() as usual. */
static int stream_leaf(void *ctx, const struct jsnode *n, const struct jsd *x, unsigned depth,
                       unsigned long *steps)
{
	struct vctx *c = ctx;
	c->depth = depth + 1;
	c->steps = *steps;
	int ok = eval_body(c, n, x, NULL, NULL);
	*steps = c->steps;
	return ok && !c->abort;
}

/* The one-pass check (compat/jsstream): 1 when it shows `buf` valid, else
 * 0, within the same step budget as the full path. */
static int validate_stream(const struct jsonschema *v, const char *buf, size_t len,
                           unsigned long max_steps, struct jsregex_scratch **own)
{
	struct vctx c = {.v = v, .max_steps = max_steps};
	c.rx = rx_take(v, own);
	int ok = jsstream_valid(v->one_pass, buf, len, v->max_depth, max_steps, stream_leaf, &c);
	rx_give(v, own, c.rx);
	return ok && !c.oom && !c.abort;
}

/* The step budget for `len` bytes of raw JSON: the validator's, plus 32 a
 * byte (saturating), so large documents are not penalised. */
static unsigned long bytes_budget(const struct jsonschema *v, size_t len)
{
	return len > (~0UL - v->max_steps) / 32 ? ~0UL : v->max_steps + 32 * len;
}

/* Bytes of stack the document arena starts with: a few kilobytes of JSON
 * need no allocation at all. */
#define DOC_STACK 4096

int jsonschema_validate(const struct jsonschema *v, const json_t *doc, struct report *r)
{
	if (!v || !doc)
		return -1;
	alignas(max_align_t) unsigned char stack[DOC_STACK];
	struct jsd_arena a;
	struct sg_error e;
	error_clear(&e);
	jsd_arena_init(&a, stack, sizeof stack);
	const struct jsd *d = jsd_from_json(&a, doc, JSD_MAX_DEPTH, &e);
	int rc;
	if (d)
		rc = validate(v, d, v->max_steps, r, NULL);
	else if (e.code == SG_ENOMEM)
		rc = -1;
	else
		rc = r && report_add(r, "depth", "", "the document nests deeper than %d levels",
		                     JSD_MAX_DEPTH) < 0
		         ? -1
		         : 0;
	jsd_arena_free(&a);
	return rc;
}

json_t *jsonschema_parse(const char *buf, size_t len, struct sg_error *err)
{
	alignas(max_align_t) unsigned char stack[DOC_STACK];
	struct jsd_arena a;
	jsd_arena_init(&a, stack, sizeof stack);
	const struct jsd *d = jsd_parse(&a, buf, len, err);
	json_t *j = d ? jsd_to_json(d) : NULL;
	if (d && !j)
		error_set(err, SG_ENOMEM, "out of memory parsing JSON");
	jsd_arena_free(&a);
	return j;
}

int jsonschema_validate_bytes(const struct jsonschema *v, const char *buf, size_t len,
                              struct report *r)
{
	return jsonschema_validate_bytes_rx(v, buf, len, r, NULL);
}

int jsonschema_validate_bytes_rx(const struct jsonschema *v, const char *buf, size_t len,
                                 struct report *r, struct jsregex_scratch **rx)
{
	if (!v || !buf)
		return -1;
	unsigned long budget = bytes_budget(v, len);
	/* Most documents are valid: one pass shows it without building a
	 * document; the rest go through the full evaluator, which explains. */
	if (v->one_pass && validate_stream(v, buf, len, budget, rx))
		return 1;
	alignas(max_align_t) unsigned char stack[DOC_STACK];
	struct jsd_arena a;
	struct sg_error e;
	error_clear(&e);
	jsd_arena_init(&a, stack, sizeof stack);
	const struct jsd *d = jsd_parse(&a, buf, len, &e);
	int rc;
	if (!d)
		rc = e.code == SG_ENOMEM                                ? -1
		     : r && report_add(r, "parse", "", "%s", e.msg) < 0 ? -1
		                                                        : 0;
	else
		rc = validate(v, d, budget, r, rx);
	jsd_arena_free(&a);
	return rc;
}

int jsonschema_check_meta(const json_t *schema, struct sg_error *err)
{
	const char *uri = jsmeta_draft_uri(7);
	json_t *s = json_is_object(schema) ? json_object_get(schema, "$schema") : NULL;
	if (s) {
		if (!json_is_string(s))
			return error_set(err, SG_EINVALID_SCHEMA, "\"$schema\" must be a string");
		int d = jsmeta_draft(json_string_value(s));
		if (!d)
			return error_set(err, SG_EINVALID_SCHEMA, "unsupported \"$schema\": %.200s",
			                 json_string_value(s));
		uri = jsmeta_draft_uri(d);
	}
	struct sg_error me;
	error_clear(&me);
	json_t *meta = jsmeta_load(uri, &me);
	if (!meta)
		return error_set(err, SG_ENOMEM, "out of memory loading the meta-schema");
	struct jsonschema *mv = jsonschema_compile(meta, NULL, err);
	json_decref(meta);
	if (!mv)
		return -1;
	struct report *r = report_new();
	if (!r) {
		jsonschema_free(mv);
		return error_set(err, SG_ENOMEM, "out of memory checking a schema");
	}
	int rc = jsonschema_validate(mv, schema, r);
	int ret = 0;
	if (rc < 0) {
		ret = error_set(err, SG_ENOMEM, "out of memory checking a schema");
	} else if (rc == 0) {
		/* The most specific finding: the first that is not an anyOf/oneOf
		 * summary. */
		size_t pick = 0;
		for (size_t i = 0; i < report_count(r); i++) {
			const char *t = report_type(r, i);
			if (strcmp(t, "anyOf") != 0 && strcmp(t, "oneOf") != 0) {
				pick = i;
				break;
			}
		}
		const char *loc = report_count(r) ? report_location(r, pick) : "";
		const char *msg = report_count(r) ? report_message(r, pick) : "invalid";
		/* The meta-schema was the root: name it in the schema location. */
		const char *at = strstr(msg, "(at #");
		int head = at ? (int)(at - msg) + 4 : (int)strlen(msg);
		ret = error_set(err, SG_EINVALID_SCHEMA,
		                "schema does not conform to its meta-schema: at %s: %.*s%.*s%s",
		                loc[0] ? loc : "(root)", head, msg, at ? (int)strcspn(uri, "#") : 0,
		                uri, at ? at + 4 : "");
	}
	report_free(r);
	jsonschema_free(mv);
	return ret;
}

int jsonschema_validate_stream(const struct jsonschema *v, const char *buf, size_t len)
{
	if (!v || !v->one_pass)
		return -1;
	return validate_stream(v, buf, len, bytes_budget(v, len), NULL);
}
