/* compat/jsonschema/jsstream.c: one-pass validation of raw JSON (see jsstream.h).
 *
 * The reader recurses once per container, carrying the node the value must
 * match (NULL: anything, which still reads the value completely so that its
 * syntax is checked). Objects remember which properties they have seen in
 * a 64-bit mask and up to 32 other keys in a stack array, so duplicate keys
 * are caught as the document parser catches them.
 */
#include "compat/jsonschema/jsstream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jslex.h"

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
		if (n->kind != JSNODE_SCHEMA || n->nkw != 1 || n->kw[0].op != JSOP_REF ||
		    n->types || n->uneval_props || n->uneval_items)
			return n;
		n = n->kw[0].u.node;
	}
	return NULL;
}

/* What a node's keywords do to an object or an array, the reader's
 * containers. */
struct cont {
	const struct jsprops *props; /* objects: properties and additionalProperties */
	const struct jsitems *items; /* arrays */
	size_t min, max;             /* min/maxProperties or min/maxItems */
	const struct jskw *redir;    /* SHAPE_REDIRECT: the allOf, anyOf or oneOf */
	size_t branch;               /* its one branch that decides for the container */
};

enum shape {
	SHAPE_TREE,     /* needs the document: the full evaluator decides */
	SHAPE_NATIVE,   /* the reader checks it (struct cont) */
	SHAPE_REDIRECT, /* an allOf/anyOf/oneOf with one branch that decides: check that */
	SHAPE_INVALID,  /* no container of this kind is valid here */
};

/* The plan: how each node a container can reach meets an object and an
 * array, worked out once at compile time, indexed by node id. */
struct jsstream_node {
	uint8_t shape[2]; /* enum shape, [obj] */
	struct cont cont[2];
};

struct jsstream {
	const struct jsnode *root;
	struct jsstream_node *nodes;
};

/* Whether node `b` can possibly accept an object (obj) or an array. */
static int admits(const struct jsnode *b, int obj)
{
	if (!(b = hop(b)) || b->kind == JSNODE_FALSE)
		return !b;
	return b->kind == JSNODE_TRUE || !b->types || (b->types & (obj ? JST_OBJECT : JST_ARRAY));
}

/* How node `n` (a JSNODE_SCHEMA after hop()) meets an object (obj) or an
 * array. Keywords about scalars, or about the other kind of container, do
 * nothing to it; an anyOf or oneOf with exactly one branch that admits the
 * kind (the others exclude it by "type", as {"type": "null"} does for an
 * optional nested record) passes it to that branch, and so does an allOf
 * with one branch that does anything to it. */
static enum shape shape(const struct jsnode *n, int obj, struct cont *k)
{
	memset(k, 0, sizeof *k);
	k->max = SIZE_MAX;
	if (n->types && !(n->types & (obj ? JST_OBJECT : JST_ARRAY)))
		return SHAPE_INVALID;
	if (n->uneval_props || n->uneval_items)
		return SHAPE_TREE;
	int native = 0;
	for (size_t i = 0; i < n->nkw; i++) {
		const struct jskw *w = &n->kw[i];
		switch (w->op) {
		case JSOP_MINIMUM:
		case JSOP_MAXIMUM:
		case JSOP_XMINIMUM:
		case JSOP_XMAXIMUM:
		case JSOP_MULTIPLE_OF:
		case JSOP_MIN_LENGTH:
		case JSOP_MAX_LENGTH:
		case JSOP_PATTERN:
		case JSOP_FORMAT:
			break;
		case JSOP_PROPS:
			if (!obj)
				break;
			if (w->u.props->npat || w->u.props->n > 64)
				return SHAPE_TREE;
			k->props = w->u.props;
			native = 1;
			break;
		case JSOP_ITEMS:
			if (obj)
				break;
			k->items = w->u.items;
			native = 1;
			break;
		case JSOP_MIN_PROPS:
		case JSOP_MIN_ITEMS:
			if ((w->op == JSOP_MIN_PROPS) == obj) {
				k->min = w->u.count;
				native = 1;
			}
			break;
		case JSOP_MAX_PROPS:
		case JSOP_MAX_ITEMS:
			if ((w->op == JSOP_MAX_PROPS) == obj) {
				k->max = w->u.count;
				native = 1;
			}
			break;
		case JSOP_REQUIRED:
		case JSOP_PROPERTY_NAMES:
		case JSOP_DEP_REQUIRED:
		case JSOP_DEP_SCHEMAS:
			if (obj)
				return SHAPE_TREE;
			break;
		case JSOP_UNIQUE_ITEMS:
		case JSOP_CONTAINS:
			if (!obj)
				return SHAPE_TREE;
			break;
		case JSOP_ALL_OF:
		case JSOP_ANY_OF:
		case JSOP_ONE_OF:
			if (k->redir || !w->u.list.n)
				return SHAPE_TREE;
			k->redir = w;
			break;
		case JSOP_CONST:
		case JSOP_ENUM: {
			/* No container of this kind among the values: none is valid. */
			const struct jsd *v = w->u.value;
			size_t nv = w->op == JSOP_CONST ? 1 : v->n;
			for (size_t j = 0; j < nv; j++) {
				const struct jsd *e = w->op == JSOP_CONST ? v : &v->u.items[j];
				if (e->type == (obj ? JSD_OBJECT : JSD_ARRAY))
					return SHAPE_TREE;
			}
			return SHAPE_INVALID;
		}
		default: /* allOf, not, if, $ref beside other keywords */
			return SHAPE_TREE;
		}
	}
	if (!k->redir)
		return SHAPE_NATIVE;
	if (native)
		return SHAPE_TREE;
	if (k->redir->op == JSOP_ALL_OF) {
		/* Every branch applies: pass the container to the one that does
		 * anything to it ({"allOf": [{"$ref": ...}]}, what pydantic 1
		 * writes around a described field), when the others are true or
		 * keyword-free schemas that admit it. */
		size_t busy = 0;
		for (size_t i = 0; i < k->redir->u.list.n; i++) {
			const struct jsnode *b = hop(k->redir->u.list.v[i]);
			if (!b)
				return SHAPE_TREE;
			if (b->kind == JSNODE_FALSE ||
			    (b->kind == JSNODE_SCHEMA && !admits(b, obj)))
				return SHAPE_INVALID;
			if (b->kind == JSNODE_TRUE ||
			    (!b->nkw && !b->uneval_props && !b->uneval_items))
				continue;
			k->branch = i;
			busy++;
		}
		return busy > 1 ? SHAPE_TREE : SHAPE_REDIRECT;
	}
	size_t found = 0;
	for (size_t i = 0; i < k->redir->u.list.n; i++)
		if (admits(k->redir->u.list.v[i], obj)) {
			k->branch = i;
			found++;
		}
	return found == 0 ? SHAPE_INVALID : found == 1 ? SHAPE_REDIRECT : SHAPE_TREE;
}

/* Pushes `n` on the plan's stack. Returns 0, or -1 out of memory. */
static int plan_push(const struct jsnode ***stack, size_t *sp, size_t *cap, const struct jsnode *n)
{
	if (!n)
		return 0;
	if (*sp == *cap) {
		size_t ncap = *cap * 2;
		const struct jsnode **ns = realloc(*stack, ncap * sizeof *ns);
		if (!ns)
			return -1;
		*stack = ns;
		*cap = ncap;
	}
	(*stack)[(*sp)++] = n;
	return 0;
}

int jsstream_plan(const struct jsnode *root, size_t nnodes, struct jsstream **out)
{
	struct jsstream *plan = calloc(1, sizeof *plan);
	unsigned char *seen = calloc(nnodes ? nnodes : 1, 1);
	size_t cap = 64, sp = 0;
	const struct jsnode **stack = malloc(cap * sizeof *stack);
	int ok = 1;
	*out = NULL;
	if (plan)
		plan->nodes = calloc(nnodes ? nnodes : 1, sizeof *plan->nodes);
	if (!plan || !plan->nodes || !seen || !stack) {
		jsstream_free(plan);
		free(seen);
		free(stack);
		return -1;
	}
	plan->root = root;
	stack[sp++] = root;
	while (ok > 0 && sp) {
		const struct jsnode *n = hop(stack[--sp]);
		if (!n || (n->kind == JSNODE_SCHEMA && n->id >= nnodes)) {
			ok = 0;
			break;
		}
		if (n->kind != JSNODE_SCHEMA || seen[n->id])
			continue;
		seen[n->id] = 1;
		for (int obj = 0; obj < 2 && ok > 0; obj++) {
			struct jsstream_node *pn = &plan->nodes[n->id];
			const struct cont *k = &pn->cont[obj];
			pn->shape[obj] = (uint8_t)shape(n, obj, &pn->cont[obj]);
			switch (pn->shape[obj]) {
			case SHAPE_TREE:
				ok = 0;
				break;
			case SHAPE_INVALID:
				break;
			case SHAPE_REDIRECT:
				if (plan_push(&stack, &sp, &cap, k->redir->u.list.v[k->branch]) < 0)
					ok = -1;
				break;
			case SHAPE_NATIVE:
				if (k->props) {
					for (size_t j = 0; j < k->props->n && ok > 0; j++)
						if (plan_push(&stack, &sp, &cap,
						              k->props->nodes[j]) < 0)
							ok = -1;
					if (plan_push(&stack, &sp, &cap, k->props->additional) < 0)
						ok = -1;
				}
				if (k->items) {
					for (size_t j = 0; j < k->items->nprefix && ok > 0; j++)
						if (plan_push(&stack, &sp, &cap,
						              k->items->prefix[j]) < 0)
							ok = -1;
					if (plan_push(&stack, &sp, &cap, k->items->rest) < 0)
						ok = -1;
				}
				break;
			}
		}
	}
	free(seen);
	free(stack);
	if (ok > 0)
		*out = plan;
	else
		jsstream_free(plan);
	return ok;
}

void jsstream_free(struct jsstream *plan)
{
	if (!plan)
		return;
	free(plan->nodes);
	free(plan);
}

/* --- the reader --- */

struct sctx {
	const struct jsstream *plan;
	struct jslex lx;
	jsstream_leaf_fn leaf;
	void *ctx;
	unsigned depth;      /* containers entered */
	unsigned max_depth;  /* the evaluator's limit on nesting */
	unsigned long steps; /* schema nodes evaluated, as the evaluator counts them */
	unsigned long max_steps;
};

static int value(struct sctx *c, const struct jsnode *n, unsigned d);

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
 * empty (and consumed), 0 when members follow, -1 when nested too deep for
 * this reader. */
static int enter(struct sctx *c, unsigned char close)
{
	if (c->depth + 1 >= JSSTREAM_MAX_DEPTH)
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

/* An object at the cursor, checked against `k` (NULL: anything); its
 * members' nodes are evaluated at depth `d`. */
static int object(struct sctx *c, const struct cont *k, unsigned d)
{
	const struct jsprops *P = k ? k->props : NULL;
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
		if (!value(c, child, d))
			return 0;
		count++;
		if ((more = next(c, '}')) < 0)
			return 0;
	}
	c->depth--;
	if (P && (seen & P->required_mask) != P->required_mask)
		return 0;
	return !k || (count >= k->min && count <= k->max);
}

/* An array at the cursor, checked against `k` (NULL: anything); its items'
 * nodes are evaluated at depth `d`. */
static int array(struct sctx *c, const struct cont *k, unsigned d)
{
	const struct jsitems *I = k ? k->items : NULL;
	size_t count = 0;
	int e = enter(c, ']');
	if (e < 0)
		return 0;
	for (int more = !e; more;) {
		const struct jsnode *child = !I                   ? NULL
		                             : count < I->nprefix ? I->prefix[count]
		                                                  : I->rest;
		if (!value(c, child, d))
			return 0;
		count++;
		if ((more = next(c, ']')) < 0)
			return 0;
	}
	c->depth--;
	return !k || (count >= k->min && count <= k->max);
}

/* A scalar at the cursor, checked against `n` (NULL: anything) evaluated at
 * depth `d`. Kept out of value() so that the escape buffer is not in every
 * recursive frame. */
static __attribute__((noinline)) int scalar(struct sctx *c, const struct jsnode *n, unsigned d)
{
	struct jsd x;
	char buf[MAX_ESCAPED];
	if (jsd_scalar(&c->lx, NULL, buf, sizeof buf, &x) < 0)
		return 0;
	if (!n || (!n->types && !n->nkw))
		return 1;
	return c->leaf(c->ctx, n, &x, d, &c->steps);
}

/* Enters node `n` at depth `d` as the evaluator does: NULL (anything) and
 * true cost nothing, false fails, a schema node counts one step and must be
 * within the depth limit. Returns the node (NULL: anything) with *ok = 1,
 * or *ok = 0. */
static inline const struct jsnode *node_enter(struct sctx *c, const struct jsnode *n, unsigned d,
                                              int *ok)
{
	*ok = 1;
	if (!n)
		return NULL;
	if (!(n = hop(n)) || n->kind == JSNODE_FALSE) {
		*ok = 0;
		return NULL;
	}
	if (n->kind == JSNODE_TRUE)
		return NULL;
	if (d >= c->max_depth || ++c->steps > c->max_steps)
		*ok = 0;
	return n;
}

/* The value at the cursor against node `n` (NULL: anything), which the
 * evaluator would enter at depth `d`. */
static int value(struct sctx *c, const struct jsnode *n, unsigned d)
{
	int ok;
	jslex_ws(&c->lx);
	if (c->lx.p >= c->lx.end)
		return 0;
	unsigned char ch = *c->lx.p;
	n = node_enter(c, n, d, &ok);
	if (!ok)
		return 0;
	if (ch != '{' && ch != '[')
		return scalar(c, n, d);
	int obj = ch == '{';
	while (n) {
		/* Every node a container reaches here was planned. */
		const struct jsstream_node *pn = &c->plan->nodes[n->id];
		const struct cont *k = &pn->cont[obj];
		switch (pn->shape[obj]) {
		case SHAPE_NATIVE:
			return obj ? object(c, k, d + 1) : array(c, k, d + 1);
		case SHAPE_REDIRECT: {
			/* The evaluator tries the other branches too (anyOf: those
			 * before the match; oneOf and allOf: all), at one step each
			 * (they exclude this kind, or have no keywords). */
			size_t nb = k->redir->u.list.n;
			size_t upto = k->redir->op == JSOP_ANY_OF ? k->branch : nb;
			for (size_t i = 0; i < upto; i++) {
				const struct jsnode *b = hop(k->redir->u.list.v[i]);
				if (i != k->branch && b && b->kind == JSNODE_SCHEMA &&
				    (d + 1 >= c->max_depth || ++c->steps > c->max_steps))
					return 0;
			}
			n = node_enter(c, k->redir->u.list.v[k->branch], ++d, &ok);
			if (!ok)
				return 0;
			break;
		}
		default:
			return 0;
		}
	}
	return obj ? object(c, NULL, d + 1) : array(c, NULL, d + 1);
}

int jsstream_valid(const struct jsstream *plan, const char *buf, size_t len, unsigned max_depth,
                   unsigned long max_steps, jsstream_leaf_fn leaf, void *ctx)
{
	struct sctx c = {
	    .plan = plan, .leaf = leaf, .ctx = ctx, .max_depth = max_depth, .max_steps = max_steps};
	if (!buf)
		return 0;
	jslex_init(&c.lx, buf, len, NULL);
	if (!value(&c, plan->root, 0))
		return 0;
	jslex_ws(&c.lx);
	return c.lx.p == c.lx.end;
}
