/* compat/jsstream.c: one-pass validation of raw JSON (see jsstream.h).
 *
 * The reader recurses once per container, carrying the node the value must
 * match (NULL: anything, which still reads the value completely so that its
 * syntax is checked). Objects remember which properties they have seen in
 * a 64-bit mask and up to 32 other keys in a stack array, so duplicate keys
 * are caught as the document parser catches them.
 */
#include "compat/jsstream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jslex.h"

/* "$ref"-only nodes are usually collapsed by the compiler; when they are
 * not, the reader steps through at most this many in a row. */
#define MAX_HOPS 16
/* Unknown keys remembered per object for the duplicate check. */
#define MAX_OTHER 32
/* Escaped strings decoded for a keyword, at most this long (raw bytes). */
#define MAX_ESCAPED 512

/* memcmp(a, b, n) == 0 for short names, without a call: two overlapping
 * loads cover 4 to 16 bytes. */
static inline int same(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	if (n >= 8 && n <= 16) {
		uint64_t p, q, r, t;
		memcpy(&p, x, 8);
		memcpy(&q, y, 8);
		memcpy(&r, x + n - 8, 8);
		memcpy(&t, y + n - 8, 8);
		return ((p ^ q) | (r ^ t)) == 0;
	}
	if (n >= 4 && n < 8) {
		uint32_t p, q, r, t;
		memcpy(&p, x, 4);
		memcpy(&q, y, 4);
		memcpy(&r, x + n - 4, 4);
		memcpy(&t, y + n - 4, 4);
		return ((p ^ q) | (r ^ t)) == 0;
	}
	return memcmp(a, b, n) == 0;
}

/* Follows "$ref"-only nodes. Returns the node, or NULL past MAX_HOPS. */
static inline const struct jsnode *hop(const struct jsnode *n)
{
	if (n->nkw != 1)
		return n;
	for (int i = 0; i <= MAX_HOPS; i++) {
		if (n->kind != JSNODE_SCHEMA || n->nkw != 1 || n->kw[0].op != JSOP_REF || n->types ||
		    n->uneval_props || n->uneval_items)
			return n;
		n = n->kw[0].u.node;
	}
	return NULL;
}

/* Whether node `n` (after hop()) uses only keywords this reader handles. */
static int node_ok(const struct jsnode *n)
{
	if (n->kind != JSNODE_SCHEMA)
		return 1;
	if (n->uneval_props || n->uneval_items)
		return 0;
	for (size_t i = 0; i < n->nkw; i++) {
		const struct jskw *k = &n->kw[i];
		switch (k->op) {
		case JSOP_CONST:
		case JSOP_ENUM:
		case JSOP_MINIMUM:
		case JSOP_MAXIMUM:
		case JSOP_XMINIMUM:
		case JSOP_XMAXIMUM:
		case JSOP_MULTIPLE_OF:
		case JSOP_MIN_LENGTH:
		case JSOP_MAX_LENGTH:
		case JSOP_PATTERN:
		case JSOP_FORMAT:
		case JSOP_MIN_ITEMS:
		case JSOP_MAX_ITEMS:
		case JSOP_ITEMS:
		case JSOP_MIN_PROPS:
		case JSOP_MAX_PROPS:
			break;
		case JSOP_PROPS:
			if (k->u.props->npat || k->u.props->n > 64)
				return 0;
			break;
		default:
			return 0;
		}
	}
	return 1;
}

int jsstream_plan(const struct jsnode *root, size_t nnodes)
{
	unsigned char *seen = calloc(nnodes ? nnodes : 1, 1);
	size_t cap = 64, sp = 0;
	const struct jsnode **stack = malloc(cap * sizeof *stack);
	int ok = 1;
	if (!seen || !stack) {
		free(seen);
		free(stack);
		return -1;
	}
	stack[sp++] = root;
	while (ok && sp) {
		const struct jsnode *n = hop(stack[--sp]);
		if (!n || (n->kind == JSNODE_SCHEMA && (n->id >= nnodes || !node_ok(n)))) {
			ok = 0;
			break;
		}
		if (n->kind != JSNODE_SCHEMA || seen[n->id])
			continue;
		seen[n->id] = 1;
		for (size_t i = 0; i < n->nkw; i++) {
			const struct jskw *k = &n->kw[i];
			const struct jsnode *const *kids = NULL;
			size_t nk = 0;
			const struct jsnode *last = NULL;
			if (k->op == JSOP_PROPS) {
				kids = (const struct jsnode *const *)k->u.props->nodes;
				nk = k->u.props->n;
				last = k->u.props->additional;
			} else if (k->op == JSOP_ITEMS) {
				kids = (const struct jsnode *const *)k->u.items->prefix;
				nk = k->u.items->nprefix;
				last = k->u.items->rest;
			} else {
				continue;
			}
			if (sp + nk + 1 > cap) {
				size_t ncap = (sp + nk + 1) * 2;
				const struct jsnode **ns = realloc(stack, ncap * sizeof *ns);
				if (!ns) {
					ok = -1;
					break;
				}
				stack = ns;
				cap = ncap;
			}
			for (size_t j = 0; j < nk; j++)
				stack[sp++] = kids[j];
			if (last)
				stack[sp++] = last;
		}
	}
	free(seen);
	free(stack);
	return ok;
}

/* --- the reader --- */

struct sctx {
	struct jslex lx;
	jsstream_leaf_fn leaf;
	void *ctx;
	unsigned depth, max_depth;
	unsigned long steps, max_steps;
};

static int value(struct sctx *c, const struct jsnode *n);

/* The container keywords of node `n` (NULL: none). Returns 0 when the
 * value needs the full evaluator (a const or enum on a container). */
struct cont {
	const struct jsprops *props;
	const struct jsitems *items;
	size_t min, max;
};

static int container(const struct jsnode *n, int obj, struct cont *k)
{
	k->props = NULL;
	k->items = NULL;
	k->min = 0;
	k->max = SIZE_MAX;
	if (!n)
		return 1;
	if (n->types && !(n->types & (obj ? JST_OBJECT : JST_ARRAY)))
		return 0;
	for (size_t i = 0; i < n->nkw; i++) {
		const struct jskw *w = &n->kw[i];
		switch (w->op) {
		case JSOP_CONST:
		case JSOP_ENUM:
			return 0;
		case JSOP_PROPS:
			k->props = w->u.props;
			break;
		case JSOP_ITEMS:
			k->items = w->u.items;
			break;
		case JSOP_MIN_PROPS:
		case JSOP_MIN_ITEMS:
			if ((w->op == JSOP_MIN_PROPS) == obj)
				k->min = w->u.count;
			break;
		case JSOP_MAX_PROPS:
		case JSOP_MAX_ITEMS:
			if ((w->op == JSOP_MAX_PROPS) == obj)
				k->max = w->u.count;
			break;
		default:
			break;
		}
	}
	return 1;
}

/* Moves past ',' (returns 1) or the closing `close` (returns 0); anything
 * else is -1. */
static int next(struct sctx *c, unsigned char close)
{
	jslex_ws(&c->lx);
	if (c->lx.p >= c->lx.end)
		return -1;
	unsigned char ch = *c->lx.p++;
	return ch == ',' ? 1 : ch == close ? 0 : -1;
}

/* Enters a container at the cursor ('{' or '['). Returns 1 when it is
 * empty (and consumed), 0 when members follow, -1 when too deep. */
static int enter(struct sctx *c, unsigned char close)
{
	if (c->depth + 2 >= c->max_depth)
		return -1;
	c->depth++;
	c->lx.p++;
	jslex_ws(&c->lx);
	if (c->lx.p < c->lx.end && *c->lx.p == close) {
		c->lx.p++;
		return 1;
	}
	return 0;
}

static int object(struct sctx *c, const struct jsnode *n)
{
	struct cont k;
	if (!container(n, 1, &k))
		return 0;
	const struct jsprops *P = k.props;
	const struct jsnode *extra = P ? P->additional : NULL;
	struct jsstr other[MAX_OTHER];
	size_t nother = 0, count = 0;
	uint64_t seen = 0;
	int e = enter(c, '}');
	if (e < 0)
		return 0;
	size_t hint = 0; /* the property expected next: producers keep the schema's order */
	for (int more = !e; more;) {
		jslex_ws(&c->lx);
		if (c->lx.p >= c->lx.end || *c->lx.p != '"')
			return 0;
		struct jslex_str key;
		long j = -1;
		const unsigned char *q = c->lx.p + 1;
		if (P && hint < P->n && ((P->plain_mask >> hint) & 1)) {
			/* The expected name, written as itself: nothing to scan. */
			const struct jsstr *nm = &P->names[hint];
			if ((size_t)(c->lx.end - q) > nm->n && q[nm->n] == '"' &&
			    same(q, nm->s, nm->n)) {
				j = (long)hint;
				key.raw = nm->s;
				key.len = nm->n;
				c->lx.p = q + nm->n + 1;
			}
		}
		if (j < 0) {
			if (jslex_string(&c->lx, &key) < 0 || key.escaped)
				return 0;
			j = P ? jsprops_find(P, key.raw, key.len) : -1;
		}
		jslex_ws(&c->lx);
		if (c->lx.p >= c->lx.end || *c->lx.p != ':')
			return 0;
		c->lx.p++;
		const struct jsnode *child = extra;
		if (j >= 0) {
			hint = (size_t)j + 1;
			if ((seen >> j) & 1)
				return 0;
			seen |= 1ULL << j;
			child = P->nodes[j];
		} else {
			for (size_t i = 0; i < nother; i++)
				if (other[i].n == key.len && same(other[i].s, key.raw, key.len))
					return 0;
			if (nother == MAX_OTHER)
				return 0;
			other[nother].s = key.raw;
			other[nother++].n = key.len;
		}
		if (!value(c, child))
			return 0;
		count++;
		if ((more = next(c, '}')) < 0)
			return 0;
	}
	c->depth--;
	if (P && (seen & P->required_mask) != P->required_mask)
		return 0;
	return count >= k.min && count <= k.max;
}

static int array(struct sctx *c, const struct jsnode *n)
{
	struct cont k;
	if (!container(n, 0, &k))
		return 0;
	const struct jsitems *I = k.items;
	size_t count = 0;
	int e = enter(c, ']');
	if (e < 0)
		return 0;
	for (int more = !e; more;) {
		const struct jsnode *child = !I                  ? NULL
		                             : count < I->nprefix ? I->prefix[count]
		                                                  : I->rest;
		if (!value(c, child))
			return 0;
		count++;
		if ((more = next(c, ']')) < 0)
			return 0;
	}
	c->depth--;
	return count >= k.min && count <= k.max;
}

/* A scalar at the cursor, checked against `n` (NULL: anything). Kept out
 * of value() so that the escape buffer is not in every recursive frame. */
static __attribute__((noinline)) int scalar(struct sctx *c, const struct jsnode *n)
{
	struct jsd x;
	char buf[MAX_ESCAPED];
	memset(&x, 0, sizeof x);
	switch (*c->lx.p) {
	case '"': {
		struct jslex_str s;
		if (jslex_string(&c->lx, &s) < 0)
			return 0;
		if (s.escaped) {
			int nul;
			long len = s.len <= sizeof buf ? jslex_unescape(&c->lx, &s, buf, &nul) : -1;
			if (len < 0)
				return 0;
			x.u.s = buf;
			x.n = (uint32_t)len;
		} else {
			if (s.len > UINT32_MAX)
				return 0;
			x.u.s = s.raw;
			x.n = (uint32_t)s.len;
		}
		x.type = JSD_STRING;
		break;
	}
	case 't':
		if (!jslex_literal(&c->lx, "true", 4))
			return 0;
		x.type = JSD_TRUE;
		break;
	case 'f':
		if (!jslex_literal(&c->lx, "false", 5))
			return 0;
		x.type = JSD_FALSE;
		break;
	case 'n':
		if (!jslex_literal(&c->lx, "null", 4))
			return 0;
		x.type = JSD_NULL;
		break;
	default: {
		struct jslex_num num;
		unsigned char ch = *c->lx.p;
		if (!(ch == '-' || (ch >= '0' && ch <= '9')) || jslex_number(&c->lx, &num) < 0)
			return 0;
		x.type = num.is_int ? JSD_INT : JSD_REAL;
		if (num.is_int)
			x.u.i = num.i;
		else
			x.u.d = num.d;
	}
	}
	if (!n || (!n->types && !n->nkw))
		return 1;
	return c->leaf(c->ctx, n, &x);
}

static int value(struct sctx *c, const struct jsnode *n)
{
	if (n) {
		if (!(n = hop(n)) || n->kind == JSNODE_FALSE)
			return 0;
		if (n->kind == JSNODE_TRUE)
			n = NULL;
		else if (++c->steps > c->max_steps)
			return 0;
	}
	jslex_ws(&c->lx);
	if (c->lx.p >= c->lx.end)
		return 0;
	switch (*c->lx.p) {
	case '{':
		return object(c, n);
	case '[':
		return array(c, n);
	default:
		return scalar(c, n);
	}
}

int jsstream_valid(const struct jsnode *root, const char *buf, size_t len, unsigned max_depth,
                   unsigned long max_steps, jsstream_leaf_fn leaf, void *ctx)
{
	struct sctx c = {.leaf = leaf,
	                 .ctx = ctx,
	                 .max_depth = max_depth < JSSTREAM_MAX_DEPTH ? max_depth : JSSTREAM_MAX_DEPTH,
	                 .max_steps = max_steps};
	if (!buf)
		return 0;
	jslex_init(&c.lx, buf, len, NULL);
	if (!value(&c, root))
		return 0;
	jslex_ws(&c.lx);
	return c.lx.p == c.lx.end;
}
