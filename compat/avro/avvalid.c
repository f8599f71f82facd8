/* compat/avro/avvalid.c: the Avro payload validator: a compiler from the schema
 * model (compat/avsc) to a flat program, and the loop that runs the program
 * over a payload through a bounded cursor.
 *
 * The program is an array of instructions. A record's fields are compiled
 * inline, one after the other, unless the record is used more than once in
 * the schema (which every recursive record is): then its body is compiled once,
 * after the main program, and each use is a call. Types that always encode
 * as zero bytes (null, fixed of size 0, records of those) compile to nothing.
 * A union is a branch table; each branch's code ends with a jump past the
 * union. An array or map is a loop: its instruction reads a block header and
 * enters the body, and the body ends with an instruction that counts the item
 * and reads the next header when the block is done.
 *
 * Only arrays, maps and calls use the run-time stack. A parallel table gives
 * each instruction its place in the schema (a chain of field names), which is
 * read only to describe a failure.
 */
#include "compat/avro/avvalid.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define COLD        __attribute__((cold, noinline))
#define NOINLINE    __attribute__((noinline))
#else
#define LIKELY(x)   (x)
#define UNLIKELY(x) (x)
#define COLD
#define NOINLINE
#endif

/* ---- the program ---- */

enum op {
	OP_END, /* the value is complete; no byte may follow */
	OP_BOOL,
	OP_INT,
	OP_LONG,
	OP_FIXED, /* a: size; kind: AVSC_FLOAT, AVSC_DOUBLE or AVSC_FIXED */
	OP_BYTES,
	OP_STRING,
	OP_ENUM,        /* a: symbol count */
	OP_UNION,       /* a: branch count; b: index of its first target in v->targets */
	OP_ARRAY,       /* a: the instruction after the loop; b: fewest bytes of an item */
	OP_MAP,         /* as OP_ARRAY; each item starts with its key */
	OP_NEXT,        /* end of an array or map body; a: its OP_ARRAY or OP_MAP */
	OP_EMPTY_ARRAY, /* an array of zero-byte items: block headers only */
	OP_CALL,        /* a: the entry of a named record's body */
	OP_RET,         /* end of a named record's body */
	OP_JMP,         /* a: target */
};

struct ins {
	uint8_t op;   /* enum op */
	uint8_t kind; /* enum avsc_kind of the value, for messages */
	uint32_t a, b;
};

/* A place in the schema: the field `name` (an offset in v->names) inside the
 * place `parent`. Node 0 is the start of the value, of an array item, of a map
 * value or of a called record's body. */
struct pnode {
	uint32_t parent;
	uint32_t name;
};

struct avvalid {
	struct ins *ins;
	size_t nins;
	uint32_t *targets; /* union branch tables */
	size_t ntargets;
	uint32_t *paths; /* per instruction: its pnode */
	struct pnode *pnodes;
	size_t npnodes;
	char *names; /* NUL-terminated field names, back to back */
	size_t nnames;
};

size_t avvalid_program_size(const struct avvalid *v)
{
	return v ? v->nins : 0;
}

void avvalid_free(struct avvalid *v)
{
	if (!v)
		return;
	free(v->ins);
	free(v->targets);
	free(v->paths);
	free(v->pnodes);
	free(v->names);
	free(v);
}

/* ---- the compiler ---- */

#define NO_ENTRY UINT32_MAX
#define PENDING  UINT32_MAX
/* Sizes kept below this so that every index fits an operand. */
#define PROGRAM_MAX (UINT32_MAX / 2)

/* A named record met in the schema. */
struct rec {
	const struct avsc_node *node;
	uint32_t uses;  /* references to it in the schema (the root counts) */
	uint8_t sizing; /* 0: not sized, 1: being sized, 2: sized */
	uint8_t empty;  /* always encodes as zero bytes, and is finite */
	uint8_t queued; /* its body is to be compiled */
	uint32_t min;   /* fewest bytes of an encoding (saturated) */
	uint32_t entry; /* entry of its compiled body, or NO_ENTRY */
};

struct comp {
	struct avvalid *v;
	size_t cap_ins, cap_targets, cap_pnodes, cap_names;
	struct rec *recs;
	size_t nrecs, cap_recs;
	uint32_t *slots; /* hash of recs by node: index + 1, 0 when free */
	size_t nslots;
	uint32_t *queue; /* records whose bodies are to be compiled */
	size_t nqueue, cap_queue;
	struct sg_error *err;
};

static int nomem(struct comp *c)
{
	return error_set(c->err, SG_ENOMEM, "out of memory compiling the Avro validator");
}

static int too_big(struct comp *c, const char *what)
{
	return error_set(c->err, SG_ELIMIT, "schema too large for the Avro validator: %s", what);
}

static int too_deep(struct comp *c)
{
	return error_set(c->err, SG_ELIMIT, "schema types nest deeper than %d levels",
	                 AVVALID_MAX_DEPTH);
}

/* Makes room for `more` elements of `size` bytes in *arr (holding n, room for
 * *cap). Returns 0, or -1 with the error set. */
static int grow(struct comp *c, void **arr, size_t n, size_t more, size_t *cap, size_t size)
{
	if (n + more <= *cap)
		return 0;
	if (more > PROGRAM_MAX - n)
		return too_big(c, "more than 2^31 entries");
	size_t want = *cap ? *cap : 64;
	while (want < n + more)
		want *= 2;
	void *p = realloc(*arr, want * size);
	if (!p)
		return nomem(c);
	*arr = p;
	*cap = want;
	return 0;
}

static size_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

/* The record entry of `n`, added when new; NULL on failure (error set). */
static struct rec *rec_of(struct comp *c, const struct avsc_node *n)
{
	if (c->nslots) {
		for (size_t i = ptr_hash(n) & (c->nslots - 1);; i = (i + 1) & (c->nslots - 1)) {
			if (!c->slots[i])
				break;
			if (c->recs[c->slots[i] - 1].node == n)
				return &c->recs[c->slots[i] - 1];
		}
	}
	if ((c->nrecs + 1) * 2 > c->nslots) {
		size_t ns = c->nslots ? c->nslots * 2 : 64;
		uint32_t *slots = calloc(ns, sizeof *slots);
		if (!slots) {
			nomem(c);
			return NULL;
		}
		for (size_t k = 0; k < c->nrecs; k++) {
			size_t i = ptr_hash(c->recs[k].node) & (ns - 1);
			while (slots[i])
				i = (i + 1) & (ns - 1);
			slots[i] = (uint32_t)k + 1;
		}
		free(c->slots);
		c->slots = slots;
		c->nslots = ns;
	}
	if (grow(c, (void **)&c->recs, c->nrecs, 1, &c->cap_recs, sizeof *c->recs))
		return NULL;
	size_t i = ptr_hash(n) & (c->nslots - 1);
	while (c->slots[i])
		i = (i + 1) & (c->nslots - 1);
	c->slots[i] = (uint32_t)c->nrecs + 1;
	struct rec *r = &c->recs[c->nrecs++];
	memset(r, 0, sizeof *r);
	r->node = n;
	r->entry = NO_ENTRY;
	return r;
}

/* Counts the references to each named record reachable from `n`. */
static int count_uses(struct comp *c, const struct avsc_node *n, int depth)
{
	if (depth > AVVALID_MAX_DEPTH)
		return too_deep(c);
	switch (avsc_kind(n)) {
	case AVSC_RECORD: {
		struct rec *r = rec_of(c, n);
		if (!r)
			return -1;
		if (r->uses++ > 0)
			return 0;
		for (size_t i = 0; i < avsc_field_count(n); i++)
			if (count_uses(c, avsc_field_type(avsc_field(n, i)), depth + 1))
				return -1;
		return 0;
	}
	case AVSC_ARRAY:
		return count_uses(c, avsc_items(n), depth + 1);
	case AVSC_MAP:
		return count_uses(c, avsc_values(n), depth + 1);
	case AVSC_UNION:
		for (size_t i = 0; i < avsc_branch_count(n); i++)
			if (count_uses(c, avsc_branch(n, i), depth + 1))
				return -1;
		return 0;
	default:
		return 0;
	}
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Sets *min to the fewest bytes an encoding of `n` takes (a lower bound,
 * saturated at UINT32_MAX) and *empty to whether every encoding of it is zero
 * bytes long. A record that contains itself through record-typed fields only
 * has no finite encoding: it is not empty, and counts 0 bytes inside its
 * cycle (it can never be valid, so any bound is right). Returns 0 or -1. */
static int sizes(struct comp *c, const struct avsc_node *n, uint32_t *min, int *empty, int depth)
{
	*empty = 0;
	*min = 1;
	switch (avsc_kind(n)) {
	case AVSC_NULL:
		*min = 0;
		*empty = 1;
		return 0;
	case AVSC_FLOAT:
		*min = 4;
		return 0;
	case AVSC_DOUBLE:
		*min = 8;
		return 0;
	case AVSC_FIXED: {
		size_t size = avsc_fixed_size(n);
		*min = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
		*empty = size == 0;
		return 0;
	}
	case AVSC_RECORD:
		break;
	default:
		return 0;
	}
	if (depth > AVVALID_MAX_DEPTH)
		return too_deep(c);
	struct rec *r = rec_of(c, n);
	if (!r)
		return -1;
	if (r->sizing == 1) {
		*min = 0;
		return 0;
	}
	if (r->sizing == 0) {
		r->sizing = 1;
		uint32_t total = 0;
		int all_empty = 1;
		for (size_t i = 0; i < avsc_field_count(n); i++) {
			uint32_t fmin;
			int fempty;
			if (sizes(c, avsc_field_type(avsc_field(n, i)), &fmin, &fempty, depth + 1))
				return -1;
			r = rec_of(c, n); /* the table may have moved */
			total = sat_add(total, fmin);
			all_empty &= fempty;
		}
		r->min = total;
		r->empty = (uint8_t)all_empty;
		r->sizing = 2;
	}
	*min = r->min;
	*empty = r->empty;
	return 0;
}

/* Appends an instruction at place `pn`. Returns its index, or -1. */
static long put(struct comp *c, enum op op, enum avsc_kind kind, uint32_t a, uint32_t b,
                uint32_t pn)
{
	struct avvalid *v = c->v;
	size_t cap_paths = c->cap_ins;
	if (grow(c, (void **)&v->ins, v->nins, 1, &c->cap_ins, sizeof *v->ins))
		return -1;
	if (c->cap_ins != cap_paths) {
		uint32_t *paths = realloc(v->paths, c->cap_ins * sizeof *paths);
		if (!paths)
			return nomem(c);
		v->paths = paths;
	}
	v->ins[v->nins] = (struct ins){.op = (uint8_t)op, .kind = (uint8_t)kind, .a = a, .b = b};
	v->paths[v->nins] = pn;
	return (long)v->nins++;
}

/* A new place: field `name` inside place `parent`. Returns its index, or -1. */
static long place(struct comp *c, uint32_t parent, const char *name)
{
	struct avvalid *v = c->v;
	size_t len = strlen(name) + 1;
	if (grow(c, (void **)&v->names, v->nnames, len, &c->cap_names, 1) ||
	    grow(c, (void **)&v->pnodes, v->npnodes, 1, &c->cap_pnodes, sizeof *v->pnodes))
		return -1;
	memcpy(v->names + v->nnames, name, len);
	v->pnodes[v->npnodes] = (struct pnode){.parent = parent, .name = (uint32_t)v->nnames};
	v->nnames += len;
	return (long)v->npnodes++;
}

static int emit(struct comp *c, const struct avsc_node *n, uint32_t pn, int depth);

static int emit_fields(struct comp *c, const struct avsc_node *rec, uint32_t pn, int depth)
{
	for (size_t i = 0; i < avsc_field_count(rec); i++) {
		const struct avsc_field *f = avsc_field(rec, i);
		long fp = place(c, pn, avsc_field_name(f));
		if (fp < 0 || emit(c, avsc_field_type(f), (uint32_t)fp, depth + 1))
			return -1;
	}
	return 0;
}

static int emit_union(struct comp *c, const struct avsc_node *n, uint32_t pn, int depth)
{
	struct avvalid *v = c->v;
	size_t nb = avsc_branch_count(n);
	if (grow(c, (void **)&v->targets, v->ntargets, nb, &c->cap_targets, sizeof *v->targets))
		return -1;
	uint32_t first = (uint32_t)v->ntargets;
	v->ntargets += nb;
	if (put(c, OP_UNION, AVSC_UNION, (uint32_t)nb, first, pn) < 0)
		return -1;
	/* The jumps out of the branches are chained through their operands
	 * until the end is known. */
	uint32_t jumps = PENDING;
	for (size_t i = 0; i < nb; i++) {
		size_t start = v->nins;
		if (emit(c, avsc_branch(n, i), pn, depth + 1))
			return -1;
		if (v->nins == start) {
			v->targets[first + i] = PENDING;
			continue;
		}
		v->targets[first + i] = (uint32_t)start;
		long j = put(c, OP_JMP, AVSC_UNION, jumps, 0, pn);
		if (j < 0)
			return -1;
		jumps = (uint32_t)j;
	}
	/* A jump to the very next instruction is dropped. */
	if (jumps != PENDING && jumps == v->nins - 1) {
		uint32_t prev = v->ins[jumps].a;
		v->nins--;
		jumps = prev;
	}
	uint32_t end = (uint32_t)v->nins;
	while (jumps != PENDING) {
		uint32_t prev = v->ins[jumps].a;
		v->ins[jumps].a = end;
		jumps = prev;
	}
	for (size_t i = 0; i < nb; i++)
		if (v->targets[first + i] == PENDING)
			v->targets[first + i] = end;
	return 0;
}

/* Compiles a loop over the items (OP_ARRAY) or values (OP_MAP) of type `item`. */
static int emit_loop(struct comp *c, enum op op, enum avsc_kind kind, const struct avsc_node *item,
                     uint32_t pn, int depth)
{
	uint32_t min;
	int empty;
	if (sizes(c, item, &min, &empty, depth + 1))
		return -1;
	if (op == OP_ARRAY && empty)
		return put(c, OP_EMPTY_ARRAY, kind, 0, 0, pn) < 0 ? -1 : 0;
	if (op == OP_MAP)
		min = sat_add(min, 1); /* the key's length */
	if (min == 0)
		min = 1; /* an infinite type: never valid, fails on depth */
	long at = put(c, op, kind, 0, min, pn);
	if (at < 0 || emit(c, item, 0, depth + 1) || put(c, OP_NEXT, kind, (uint32_t)at, 0, 0) < 0)
		return -1;
	c->v->ins[at].a = (uint32_t)c->v->nins;
	return 0;
}

/* Compiles the code for a value of type `n` at place `pn`. */
static int emit(struct comp *c, const struct avsc_node *n, uint32_t pn, int depth)
{
	if (depth > AVVALID_MAX_DEPTH)
		return too_deep(c);
	enum avsc_kind k = avsc_kind(n);
	switch (k) {
	case AVSC_NULL:
		return 0;
	case AVSC_BOOLEAN:
		return put(c, OP_BOOL, k, 0, 0, pn) < 0 ? -1 : 0;
	case AVSC_INT:
		return put(c, OP_INT, k, 0, 0, pn) < 0 ? -1 : 0;
	case AVSC_LONG:
		return put(c, OP_LONG, k, 0, 0, pn) < 0 ? -1 : 0;
	case AVSC_FLOAT:
		return put(c, OP_FIXED, k, 4, 0, pn) < 0 ? -1 : 0;
	case AVSC_DOUBLE:
		return put(c, OP_FIXED, k, 8, 0, pn) < 0 ? -1 : 0;
	case AVSC_FIXED: {
		size_t size = avsc_fixed_size(n);
		if (size == 0)
			return 0;
		if (size > UINT32_MAX)
			return too_big(c, "a fixed size beyond 2^32");
		return put(c, OP_FIXED, k, (uint32_t)size, 0, pn) < 0 ? -1 : 0;
	}
	case AVSC_BYTES:
		return put(c, OP_BYTES, k, 0, 0, pn) < 0 ? -1 : 0;
	case AVSC_STRING:
		return put(c, OP_STRING, k, 0, 0, pn) < 0 ? -1 : 0;
	case AVSC_ENUM: {
		size_t count = avsc_symbol_count(n);
		if (count > INT32_MAX)
			return too_big(c, "an enum with more than 2^31 symbols");
		return put(c, OP_ENUM, k, (uint32_t)count, 0, pn) < 0 ? -1 : 0;
	}
	case AVSC_UNION:
		if (avsc_branch_count(n) > INT32_MAX)
			return too_big(c, "a union with more than 2^31 branches");
		return emit_union(c, n, pn, depth);
	case AVSC_ARRAY:
		return emit_loop(c, OP_ARRAY, k, avsc_items(n), pn, depth);
	case AVSC_MAP:
		return emit_loop(c, OP_MAP, k, avsc_values(n), pn, depth);
	case AVSC_RECORD: {
		uint32_t min;
		int empty;
		if (sizes(c, n, &min, &empty, depth))
			return -1;
		if (empty)
			return 0;
		struct rec *r = rec_of(c, n);
		if (!r)
			return -1;
		if (r->uses < 2)
			return emit_fields(c, n, pn, depth);
		if (!r->queued) {
			if (c->nqueue == c->cap_queue)
				return error_set(c->err, SG_EINTERNAL,
				                 "record not met while counting");
			r->queued = 1;
			c->queue[c->nqueue++] = (uint32_t)(r - c->recs);
		}
		/* The operand holds the record's index until its entry is known. */
		return put(c, OP_CALL, k, (uint32_t)(r - c->recs), 0, pn) < 0 ? -1 : 0;
	}
	}
	return error_set(c->err, SG_EINTERNAL, "unknown Avro type kind %d", (int)k);
}

struct avvalid *avvalid_compile(const struct avsc_schema *s, struct sg_error *err)
{
	if (!s) {
		error_set(err, SG_EINVALID_SCHEMA, "no schema to compile");
		return NULL;
	}
	struct comp c = {.err = err};
	c.v = calloc(1, sizeof *c.v);
	if (!c.v) {
		nomem(&c);
		return NULL;
	}
	struct avvalid *v = c.v;
	const struct avsc_node *root = avsc_root(s);
	if (count_uses(&c, root, 0))
		goto fail;
	/* The queue holds each record at most once. */
	c.cap_queue = c.nrecs;
	c.queue = malloc((c.nrecs ? c.nrecs : 1) * sizeof *c.queue);
	if (!c.queue) {
		nomem(&c);
		goto fail;
	}
	/* Place 0: the start of a value. */
	if (place(&c, 0, "") < 0 || emit(&c, root, 0, 0) ||
	    put(&c, OP_END, avsc_kind(root), 0, 0, 0) < 0)
		goto fail;
	for (size_t q = 0; q < c.nqueue; q++) {
		struct rec *r = &c.recs[c.queue[q]];
		r->entry = (uint32_t)v->nins;
		if (emit_fields(&c, r->node, 0, 0))
			goto fail;
		if (put(&c, OP_RET, AVSC_RECORD, 0, 0, 0) < 0)
			goto fail;
	}
	for (size_t i = 0; i < v->nins; i++)
		if (v->ins[i].op == OP_CALL)
			v->ins[i].a = c.recs[v->ins[i].a].entry;
	free(c.recs);
	free(c.slots);
	free(c.queue);
	return v;
fail:
	free(c.recs);
	free(c.slots);
	free(c.queue);
	avvalid_free(v);
	return NULL;
}

/* ---- the reader ---- */

/* What went wrong, for describe(). Never 0: the readers return 0 for success. */
enum rule {
	R_TRUNCATED = 1, /* the data ends inside a value */
	R_VARINT_LONG,   /* a varint with too many bytes */
	R_RANGE,         /* a varint beyond its type's range */
	R_BOOLEAN,
	R_NEGATIVE, /* a negative length or block size */
	R_LENGTH,   /* a length or block size past the end of the data */
	R_UTF8,
	R_UNION,
	R_ENUM,
	R_COUNT,    /* a block count with no positive counterpart */
	R_FIT,      /* a block's items cannot fit in the bytes left */
	R_MISMATCH, /* a block's size differs from its items' bytes */
	R_EMPTY_LIMIT,
	R_DEPTH,
	R_TRAILING,
};

/* Which piece of the value at the failing instruction. */
enum part {
	P_VALUE,
	P_LENGTH, /* of a string or bytes */
	P_COUNT,  /* of an array or map block */
	P_SIZE,   /* of an array or map block */
	P_KEY_LENGTH,
	P_KEY,
};

struct fail {
	enum rule rule;
	enum part part;
	const struct ins *ins; /* the instruction whose value is wrong */
	const uint8_t *at;     /* the offending byte */
	int64_t x;             /* the number read */
	uint64_t y;            /* a limit it broke */
};

/* A loop or call in progress. */
struct frame {
	const struct ins *ins; /* the OP_ARRAY, OP_MAP or OP_CALL */
	const uint8_t *bstart; /* a sized block: its first item, else NULL */
	uint64_t bsize;        /* a sized block: its size */
	uint64_t left;         /* items left in the block */
	uint64_t index;        /* the current item, counted over all blocks */
	const uint8_t *key;    /* a map's current key, or NULL */
	size_t keylen;
};

static inline int64_t unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Reads a varint of at most `maxlen` bytes (5 for an int, 10 for a long) at
 * *pp. The last byte may only hold the bits the type has left (4 of an int's
 * 32, 1 of a long's 64). Returns 0 and moves *pp past it, or the rule broken. */
static NOINLINE int varint_slow(const uint8_t **pp, const uint8_t *end, int maxlen, int64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t u = 0;
	uint8_t lastmax = maxlen == 5 ? 0x0f : 0x01;
	for (int i = 0; i < maxlen; i++) {
		if (p == end)
			return R_TRUNCATED;
		uint8_t b = *p++;
		if (i == maxlen - 1) {
			if (b & 0x80)
				return R_VARINT_LONG;
			if (b > lastmax)
				return R_RANGE;
		}
		u |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = unzigzag(u);
			*pp = p;
			return 0;
		}
	}
	return R_VARINT_LONG; /* not reached */
}

static inline int varint(const uint8_t **pp, const uint8_t *end, int maxlen, int64_t *out)
{
	const uint8_t *p = *pp;
	if (LIKELY(p < end && *p < 0x80)) {
		*out = unzigzag(*p);
		*pp = p + 1;
		return 0;
	}
	if (LIKELY(end - p >= 2 && p[1] < 0x80)) {
		*out = unzigzag((uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7);
		*pp = p + 2;
		return 0;
	}
	return varint_slow(pp, end, maxlen, out);
}

#define HIGH_BITS 0x8080808080808080ULL

/* The 8 bytes at s as a little-endian word: s[k] in bits 8k to 8k+7. */
static inline uint64_t load_le64(const uint8_t *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The index of the first byte whose high bit `hi` (a non-zero word masked
 * with HIGH_BITS) holds. */
static inline size_t first_high(uint64_t hi)
{
#if defined(__GNUC__)
	return (size_t)__builtin_ctzll(hi) >> 3;
#else
	size_t k = 0;
	while (!(hi & 0x80)) {
		hi >>= 8;
		k++;
	}
	return k;
#endif
}

/* The length of the longest valid UTF-8 prefix of s[0..n): n when it is all
 * valid (RFC 3629, Unicode table 3-7). ASCII is skipped a word at a time;
 * strings of 8 bytes or more end with one word that overlaps bytes already
 * checked, so no byte is read outside s[0..n). */
static size_t utf8_prefix(const uint8_t *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		/* Move i to the first non-ASCII byte, or return n. */
		for (;;) {
			if (n - i >= 8) {
				uint64_t hi = load_le64(s + i) & HIGH_BITS;
				if (hi) {
					i += first_high(hi);
					break;
				}
				i += 8;
			} else if (i == n) {
				return n;
			} else if (n >= 8) {
				unsigned seen = (unsigned)(8 - (n - i));
				uint64_t hi = (load_le64(s + n - 8) >> (8 * seen)) & HIGH_BITS;
				if (!hi)
					return n;
				i += first_high(hi);
				break;
			} else {
				while (i < n && s[i] < 0x80)
					i++;
				if (i == n)
					return n;
				break;
			}
		}
		uint8_t c = s[i];
		size_t left = n - i;
		if (c < 0xc2) {
			return i;
		} else if (c < 0xe0) {
			if (left < 2 || (s[i + 1] & 0xc0) != 0x80)
				return i;
			i += 2;
		} else if (c < 0xf0) {
			uint8_t lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
			if (left < 3 || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xc0) != 0x80)
				return i;
			i += 3;
		} else if (c < 0xf5) {
			uint8_t lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
			if (left < 4 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80)
				return i;
			i += 4;
		} else {
			return i;
		}
	}
}

/* Reads a string (or bytes when `utf8` is 0): its length, then its bytes.
 * Returns 0 with *str at its first byte and *pp past it, or the rule broken
 * with f->part set (and f->x, f->y, f->at where they apply). */
static inline int read_string(const uint8_t **pp, const uint8_t *end, int utf8, enum part lenpart,
                              const uint8_t **str, struct fail *f)
{
	const uint8_t *p = *pp;
	int64_t n;
	int rc = varint(&p, end, 10, &n);
	if (UNLIKELY(rc)) {
		f->part = lenpart;
		return rc;
	}
	if (UNLIKELY(n < 0)) {
		f->part = lenpart;
		f->x = n;
		return R_NEGATIVE;
	}
	if (UNLIKELY((uint64_t)n > (uint64_t)(end - p))) {
		f->part = lenpart;
		f->x = n;
		f->y = (uint64_t)(end - p);
		return R_LENGTH;
	}
	if (utf8) {
		size_t ok = utf8_prefix(p, (size_t)n);
		if (UNLIKELY(ok != (size_t)n)) {
			f->part = lenpart == P_KEY_LENGTH ? P_KEY : P_VALUE;
			f->at = p + ok;
			return R_UTF8;
		}
	}
	*str = p;
	*pp = p + n;
	return 0;
}

/* An array or map block header. */
struct block {
	uint64_t count;       /* items in the block; 0 ends the array or map */
	const uint8_t *start; /* a sized block: its first item; else NULL */
	uint64_t size;        /* a sized block: its size in bytes */
};

/* Reads a block header at *pp into *b. `min` is the fewest bytes an item
 * takes (0 for zero-byte items: then any count fits). Returns 0 with *pp past
 * the header, or the rule broken with f->part, f->x, f->y and (for the size)
 * f->at set; for R_FIT, f->part is P_SIZE when the block's size is the room. */
static inline int read_block(const uint8_t **pp, const uint8_t *end, uint32_t min, struct block *b,
                             struct fail *f)
{
	const uint8_t *p = *pp;
	int64_t n;
	int rc = varint(&p, end, 10, &n);
	if (UNLIKELY(rc)) {
		f->part = P_COUNT;
		return rc;
	}
	b->start = NULL;
	b->count = 0;
	if (n == 0) {
		*pp = p;
		return 0;
	}
	uint64_t room;
	if (n < 0) {
		if (UNLIKELY(n == INT64_MIN)) {
			f->part = P_COUNT;
			f->x = n;
			return R_COUNT;
		}
		n = -n;
		const uint8_t *size_at = p;
		int64_t size;
		rc = varint(&p, end, 10, &size);
		if (UNLIKELY(rc || size < 0 || (uint64_t)size > (uint64_t)(end - p))) {
			f->part = P_SIZE;
			f->at = size_at;
			f->x = size;
			f->y = (uint64_t)(end - p);
			return rc ? rc : size < 0 ? R_NEGATIVE : R_LENGTH;
		}
		b->start = p;
		b->size = (uint64_t)size;
		room = (uint64_t)size;
	} else {
		room = (uint64_t)(end - p);
	}
	if (UNLIKELY(min && (uint64_t)n > room / min)) {
		f->part = b->start ? P_SIZE : P_COUNT;
		f->x = n;
		f->y = room;
		return R_FIT;
	}
	b->count = (uint64_t)n;
	*pp = p;
	return 0;
}

/* Checks that the sized block that began at fr->bstart ends at p. */
static inline int block_done(const struct frame *fr, const uint8_t *p, struct fail *f)
{
	if (fr->bstart && (uint64_t)(p - fr->bstart) != fr->bsize) {
		f->part = P_SIZE;
		f->at = fr->bstart;
		f->x = (int64_t)fr->bsize;
		f->y = (uint64_t)(p - fr->bstart);
		return R_MISMATCH;
	}
	return 0;
}

static void describe(const struct avvalid *v, const uint8_t *data, const struct fail *f,
                     const struct frame *stack, int depth, struct sg_error *err, struct report *r);

#define STACK_SMALL 32
#define NEED_DEEPER 2

/* Runs the program over data[0..len) with `stack` of `maxdepth` frames.
 * Returns 1 (valid), 0 (invalid: described in err or r) or NEED_DEEPER when
 * the stack is too small for the value and maxdepth < AVVALID_MAX_DEPTH.
 * On failure f.at is the offending byte; when a step leaves it NULL, the
 * cursor has not moved past the start of the wrong piece. */
static inline int run(const struct avvalid *v, const uint8_t *data, size_t len, struct frame *stack,
                      int maxdepth, struct sg_error *err, struct report *r)
{
	const struct ins *const prog = v->ins;
	const struct ins *ip = prog;
	const uint8_t *p = data, *q, *str;
	const uint8_t *const end = data + len;
	int depth = 0;
	struct fail f = {.at = NULL};
	struct frame *fr;
	struct block b;
	int64_t n = 0;
	int rc;

	for (;;) {
		switch ((enum op)ip->op) {
		case OP_STRING:
			if (UNLIKELY(rc = read_string(&p, end, 1, P_LENGTH, &str, &f)))
				goto fail;
			ip++;
			break;
		case OP_BYTES:
			if (UNLIKELY(rc = read_string(&p, end, 0, P_LENGTH, &str, &f)))
				goto fail;
			ip++;
			break;
		case OP_INT:
			if (UNLIKELY(rc = varint(&p, end, 5, &n))) {
				f.part = P_VALUE;
				goto fail;
			}
			ip++;
			break;
		case OP_LONG:
			if (UNLIKELY(rc = varint(&p, end, 10, &n))) {
				f.part = P_VALUE;
				goto fail;
			}
			ip++;
			break;
		case OP_FIXED:
			if (UNLIKELY((size_t)(end - p) < ip->a)) {
				rc = R_TRUNCATED;
				f.part = P_VALUE;
				f.x = ip->a;
				f.y = (uint64_t)(end - p);
				goto fail;
			}
			p += ip->a;
			ip++;
			break;
		case OP_BOOL:
			if (UNLIKELY(p == end || *p > 1)) {
				rc = p == end ? R_TRUNCATED : R_BOOLEAN;
				f.part = P_VALUE;
				f.x = p == end ? 1 : *p;
				f.y = 0;
				goto fail;
			}
			p++;
			ip++;
			break;
		case OP_ENUM:
			q = p;
			rc = varint(&p, end, 5, &n);
			if (UNLIKELY(rc || n < 0 || n >= (int64_t)ip->a)) {
				rc = rc ? rc : R_ENUM;
				f.part = P_VALUE;
				f.at = q;
				f.x = n;
				goto fail;
			}
			ip++;
			break;
		case OP_UNION:
			q = p;
			rc = varint(&p, end, 5, &n);
			if (UNLIKELY(rc || n < 0 || n >= (int64_t)ip->a)) {
				rc = rc ? rc : R_UNION;
				f.part = P_VALUE;
				f.at = q;
				f.x = n;
				goto fail;
			}
			ip = prog + v->targets[ip->b + (uint32_t)n];
			break;
		case OP_JMP:
			ip = prog + ip->a;
			break;
		case OP_CALL:
			if (UNLIKELY(depth == maxdepth))
				goto deeper;
			stack[depth++].ins = ip;
			ip = prog + ip->a;
			break;
		case OP_RET:
			ip = stack[--depth].ins + 1;
			break;
		case OP_ARRAY:
		case OP_MAP:
			q = p;
			if (UNLIKELY(rc = read_block(&p, end, ip->b, &b, &f)))
				goto fail;
			if (b.count == 0) {
				ip = prog + ip->a;
				break;
			}
			if (UNLIKELY(depth == maxdepth)) {
				f.at = q;
				goto deeper;
			}
			fr = &stack[depth++];
			fr->ins = ip;
			fr->index = 0;
			fr->key = NULL;
			goto block;
		case OP_NEXT:
			fr = &stack[depth - 1];
			fr->index++;
			if (--fr->left > 0)
				goto item;
			if (UNLIKELY(rc = block_done(fr, p, &f)))
				goto fail_loop;
			if (UNLIKELY(rc = read_block(&p, end, fr->ins->b, &b, &f)))
				goto fail_loop;
			if (b.count == 0) {
				depth--;
				ip = prog + fr->ins->a;
				break;
			}
		block:
			fr->left = b.count;
			fr->bstart = b.start;
			fr->bsize = b.size;
		item:
			if (fr->ins->op == OP_MAP) {
				if (UNLIKELY(rc = read_string(&p, end, 1, P_KEY_LENGTH, &str, &f)))
					goto fail_loop;
				fr->key = str;
				fr->keylen = (size_t)(p - str);
			}
			ip = fr->ins + 1;
			break;
		case OP_EMPTY_ARRAY: {
			uint64_t total = 0;
			for (;;) {
				q = p;
				if (UNLIKELY(rc = read_block(&p, end, 0, &b, &f)))
					goto fail;
				if (b.count == 0)
					break;
				if (UNLIKELY(b.start && b.size != 0)) {
					rc = R_MISMATCH;
					f.part = P_SIZE;
					f.at = b.start;
					f.x = (int64_t)b.size;
					f.y = 0;
					goto fail;
				}
				if (UNLIKELY(b.count > AVVALID_MAX_EMPTY_ITEMS - total)) {
					rc = R_EMPTY_LIMIT;
					f.part = P_COUNT;
					f.at = q;
					goto fail;
				}
				total += b.count;
			}
			ip++;
			break;
		}
		case OP_END:
			if (UNLIKELY(p != end)) {
				rc = R_TRAILING;
				f.part = P_VALUE;
				f.y = (uint64_t)(end - p);
				goto fail;
			}
			return 1;
		}
	}

deeper:
	if (maxdepth < AVVALID_MAX_DEPTH)
		return NEED_DEEPER;
	rc = R_DEPTH;
	f.part = P_VALUE;
	goto fail;
fail_loop:
	/* A block header, block size or key is wrong: the place is the loop's. */
	ip = stack[--depth].ins;
fail:
	f.rule = (enum rule)rc;
	f.ins = ip;
	if (!f.at)
		f.at = p;
	describe(v, data, &f, stack, depth, err, r);
	return 0;
}

static NOINLINE int run_deep(const struct avvalid *v, const uint8_t *data, size_t len,
                             struct sg_error *err, struct report *r)
{
	struct frame stack[AVVALID_MAX_DEPTH];
	return run(v, data, len, stack, AVVALID_MAX_DEPTH, err, r);
}

static int check(const struct avvalid *v, const uint8_t *data, size_t len, struct sg_error *err,
                 struct report *r)
{
	struct frame stack[STACK_SMALL];
	if (!data)
		data = (const uint8_t *)"";
	int rc = run(v, data, len, stack, STACK_SMALL, err, r);
	if (UNLIKELY(rc == NEED_DEEPER))
		rc = run_deep(v, data, len, err, r);
	return rc;
}

int avvalid_check(const struct avvalid *v, const uint8_t *data, size_t len, struct sg_error *err)
{
	return check(v, data, len, err, NULL);
}

int avvalid_check_report(const struct avvalid *v, const uint8_t *data, size_t len, struct report *r)
{
	return check(v, data, len, NULL, r);
}

/* ---- describing a failure (cold) ---- */

struct locbuf {
	char s[AVVALID_LOCATION_MAX + 1];
	size_t len, cap; /* cap: longest location allowed, <= AVVALID_LOCATION_MAX */
	int cut;         /* a token did not fit: the location is an ancestor's */
};

/* Appends "/token" escaped as RFC 6901 says; control characters (below
 * 0x20, and 0x7f), which map keys may hold, are written \u00XX so that no
 * key can break a log line. */
static void loc_token(struct locbuf *b, const char *tok, size_t n)
{
	if (b->cut)
		return;
	size_t need = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tok[i];
		need += c == '~' || c == '/' ? 2 : c < 0x20 || c == 0x7f ? 6 : 1;
	}
	if (need > b->cap - b->len) {
		b->cut = 1;
		return;
	}
	b->s[b->len++] = '/';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tok[i];
		if (c == '~' || c == '/') {
			b->s[b->len++] = '~';
			b->s[b->len++] = c == '~' ? '0' : '1';
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(b->s + b->len, 7, "\\u%04x", c);
			b->len += 6;
		} else {
			b->s[b->len++] = (char)c;
		}
	}
	b->s[b->len] = '\0';
}

static void loc_place(const struct avvalid *v, struct locbuf *b, uint32_t pn)
{
	if (pn == 0)
		return;
	loc_place(v, b, v->pnodes[pn].parent);
	const char *name = v->names + v->pnodes[pn].name;
	loc_token(b, name, strlen(name));
}

/* Writes the location of instruction `cur` under the `depth` frames into b,
 * at most `cap` bytes long. */
static void locate(const struct avvalid *v, const struct frame *stack, int depth,
                   const struct ins *cur, size_t cap, struct locbuf *b)
{
	b->s[0] = '\0';
	b->len = 0;
	b->cap = cap < AVVALID_LOCATION_MAX ? cap : AVVALID_LOCATION_MAX;
	b->cut = 0;
	for (int i = 0; i < depth; i++) {
		const struct frame *fr = &stack[i];
		loc_place(v, b, v->paths[fr->ins - v->ins]);
		if (fr->ins->op == OP_ARRAY) {
			char num[24];
			int n = snprintf(num, sizeof num, "%" PRIu64, fr->index);
			loc_token(b, num, (size_t)n);
		} else if (fr->ins->op == OP_MAP && fr->key) {
			loc_token(b, (const char *)fr->key, fr->keylen);
		}
	}
	loc_place(v, b, v->paths[cur - v->ins]);
}

/* Names the piece of the value that is wrong: "int", "string length", ... */
static const char *piece(const struct ins *ins, enum part part)
{
	int map = ins->op == OP_MAP;
	switch (part) {
	case P_LENGTH:
		return ins->op == OP_BYTES ? "bytes length" : "string length";
	case P_COUNT:
		return map ? "map block count" : "array block count";
	case P_SIZE:
		return map ? "map block size" : "array block size";
	case P_KEY_LENGTH:
		return "map key length";
	case P_KEY:
		return "map key";
	case P_VALUE:
		break;
	}
	switch ((enum op)ins->op) {
	case OP_ENUM:
		return "enum index";
	case OP_UNION:
		return "union branch index";
	case OP_STRING:
		return "string";
	case OP_BYTES:
		return "bytes";
	case OP_BOOL:
		return "boolean";
	case OP_INT:
		return "int";
	case OP_LONG:
		return "long";
	case OP_FIXED:
		return avsc_kind_name((enum avsc_kind)ins->kind);
	case OP_ARRAY:
	case OP_EMPTY_ARRAY:
		return "array";
	case OP_MAP:
		return "map";
	default:
		return "value";
	}
}

static const char *rule_type(enum rule rule, enum part part)
{
	switch (rule) {
	case R_TRUNCATED:
		return "truncated";
	case R_VARINT_LONG:
	case R_RANGE:
		return "varint";
	case R_BOOLEAN:
		return "boolean";
	case R_NEGATIVE:
	case R_LENGTH:
		return part == P_SIZE ? "block" : "length";
	case R_UTF8:
		return "utf8";
	case R_UNION:
		return "union";
	case R_ENUM:
		return "enum";
	case R_COUNT:
	case R_FIT:
	case R_MISMATCH:
		return "block";
	case R_EMPTY_LIMIT:
		return "limit";
	case R_DEPTH:
		return "depth";
	case R_TRAILING:
		return "trailing";
	}
	return "invalid";
}

/* "s" unless n is 1. */
static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void what(const struct fail *f, char *out, size_t cap)
{
	const char *pc = piece(f->ins, f->part);
	int is_int = f->part == P_VALUE &&
	             (f->ins->op == OP_INT || f->ins->op == OP_ENUM || f->ins->op == OP_UNION);
	uint64_t x = (uint64_t)f->x;
	switch (f->rule) {
	case R_TRUNCATED:
		if (f->ins->op == OP_FIXED || (f->ins->op == OP_BOOL && f->part == P_VALUE))
			snprintf(out, cap,
			         "unexpected end of data: the %s takes %" PRIu64 " byte%s, %" PRIu64
			         " left",
			         pc, x, plural(x), f->y);
		else
			snprintf(out, cap, "unexpected end of data in the %s", pc);
		break;
	case R_VARINT_LONG:
		snprintf(out, cap, "%s is a varint longer than %d bytes", pc, is_int ? 5 : 10);
		break;
	case R_RANGE:
		snprintf(out, cap, "%s is a varint beyond the %s range", pc,
		         is_int ? "32-bit int" : "64-bit long");
		break;
	case R_BOOLEAN:
		snprintf(out, cap, "boolean is 0x%02x, not 0 or 1", (unsigned)f->x);
		break;
	case R_NEGATIVE:
		snprintf(out, cap, "%s %" PRId64 " is negative", pc, f->x);
		break;
	case R_LENGTH:
		snprintf(out, cap, "%s %" PRId64 " exceeds the %" PRIu64 " byte%s left", pc, f->x,
		         f->y, plural(f->y));
		break;
	case R_UTF8:
		snprintf(out, cap, "%s is not valid UTF-8", pc);
		break;
	case R_UNION:
		snprintf(out, cap, "union branch %" PRId64 " out of range (%" PRIu32 " branch%s)",
		         f->x, f->ins->a, f->ins->a == 1 ? "" : "es");
		break;
	case R_ENUM:
		snprintf(out, cap, "enum index %" PRId64 " out of range (%" PRIu32 " symbol%s)",
		         f->x, f->ins->a, plural(f->ins->a));
		break;
	case R_COUNT:
		snprintf(out, cap, "%s %" PRId64 " is invalid", pc, f->x);
		break;
	case R_FIT:
		snprintf(out, cap,
		         "%s block of %" PRId64 " item%s cannot fit in the %s%" PRIu64
		         " byte%s%s (an item takes at least %" PRIu32 " byte%s)",
		         f->ins->op == OP_MAP ? "map" : "array", f->x, plural(x),
		         f->part == P_SIZE ? "block's " : "", f->y, plural(f->y),
		         f->part == P_SIZE ? "" : " left", f->ins->b, plural(f->ins->b));
		break;
	case R_MISMATCH:
		snprintf(out, cap, "%s %" PRId64 " does not match its items (%" PRIu64 " byte%s)",
		         pc, f->x, f->y, plural(f->y));
		break;
	case R_EMPTY_LIMIT:
		snprintf(out, cap, "array holds more than %d items of a zero-byte type",
		         AVVALID_MAX_EMPTY_ITEMS);
		break;
	case R_DEPTH:
		snprintf(out, cap, "value nests deeper than %d arrays, maps and named records",
		         AVVALID_MAX_DEPTH);
		break;
	case R_TRAILING:
		snprintf(out, cap, "%" PRIu64 " trailing byte%s after the value", f->y,
		         plural(f->y));
		break;
	}
}

static COLD void describe(const struct avvalid *v, const uint8_t *data, const struct fail *f,
                          const struct frame *stack, int depth, struct sg_error *err,
                          struct report *r)
{
	static const char cut_note[] = " (location cut short)";
	if (!err && !r)
		return;
	struct locbuf loc;
	char msg[256], tail[320];
	what(f, msg, sizeof msg);
	int tl = snprintf(tail, sizeof tail, "%s at byte %zu", msg, (size_t)(f->at - data));
	if (r) {
		locate(v, stack, depth, f->ins, AVVALID_LOCATION_MAX, &loc);
		report_add(r, rule_type(f->rule, f->part), loc.s, "%s%s", tail,
		           loc.cut ? cut_note : "");
	}
	if (err) {
		/* The location gives way so that the whole message fits. */
		size_t fixed = (size_t)tl + 2 + sizeof cut_note - 1;
		locate(v, stack, depth, f->ins,
		       fixed < SG_ERROR_MSG_MAX - 1 ? SG_ERROR_MSG_MAX - 1 - fixed : 0, &loc);
		if (loc.len)
			error_set(err, SG_EINVALID_RECORD, "%s: %s%s", loc.s, tail,
			          loc.cut ? cut_note : "");
		else
			error_set(err, SG_EINVALID_RECORD, "%s%s", tail, loc.cut ? cut_note : "");
	}
}
