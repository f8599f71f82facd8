/* compat/jsonschema/jscompile.h: the compiled form of a JSON Schema, and the compiler
 * that builds it. Internal to compat/: jsonschema.c is the only user.
 *
 * A schema compiles into a graph of nodes, one per subschema reached from
 * the root (through keywords, "$ref"s, or as a dynamic-anchor candidate).
 * Each node holds its keywords as a short array of operations in evaluation
 * order; every reference is a direct pointer to its target node, and every
 * pattern is compiled, so validation resolves and compiles nothing. The graph
 * may contain cycles (recursive schemas); "$ref" cycles that never move to a
 * child instance are rejected at compile time.
 *
 * Ownership: all nodes, operations and strings live in the validator's
 * arena and die with it; regexes and documents are listed in the validator
 * and released by jscompile_release().
 */
#ifndef SG_JSCOMPILE_H
#define SG_JSCOMPILE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "compat/error.h"
#include "compat/jsonschema/jsdoc.h"
#include "compat/jsonschema/jsonschema.h"
#include "compat/jsonschema/jsregex.h"
#include "compat/jsonschema/jsvalue.h"

/* Operations, in the order a node evaluates them (the compiler emits them in
 * this order; the unevaluated* ones must come last). */
enum jsop {
	JSOP_REF,     /* u.node */
	JSOP_DYNREF,  /* u.dynref: $dynamicRef (2020-12) */
	JSOP_RECREF,  /* u.node: $recursiveRef (2019-09), static target */
	JSOP_CONST,   /* u.value (a document in v->values) */
	JSOP_ENUM,    /* u.value: the array */
	JSOP_MINIMUM, /* u.num */
	JSOP_MAXIMUM,
	JSOP_XMINIMUM, /* exclusive */
	JSOP_XMAXIMUM,
	JSOP_MULTIPLE_OF,
	JSOP_MIN_LENGTH, /* u.count */
	JSOP_MAX_LENGTH,
	JSOP_PATTERN,   /* u.re */
	JSOP_FORMAT,    /* u.format (only when asserting) */
	JSOP_MIN_ITEMS, /* u.count */
	JSOP_MAX_ITEMS,
	JSOP_UNIQUE_ITEMS,
	JSOP_ITEMS,     /* u.items */
	JSOP_CONTAINS,  /* u.contains */
	JSOP_REQUIRED,  /* u.names */
	JSOP_MIN_PROPS, /* u.count */
	JSOP_MAX_PROPS,
	JSOP_PROPS,          /* u.props: properties + patternProperties + additionalProperties */
	JSOP_PROPERTY_NAMES, /* u.node */
	JSOP_DEP_REQUIRED,   /* u.deps (names) */
	JSOP_DEP_SCHEMAS,    /* u.deps (nodes) */
	JSOP_ALL_OF,         /* u.list */
	JSOP_ANY_OF,
	JSOP_ONE_OF,
	JSOP_NOT,          /* u.node */
	JSOP_IF,           /* u.cond */
	JSOP_UNEVAL_ITEMS, /* u.node */
	JSOP_UNEVAL_PROPS, /* u.node */
};

/* "type" bits. */
enum {
	JST_NULL = 1 << 0,
	JST_BOOLEAN = 1 << 1,
	JST_OBJECT = 1 << 2,
	JST_ARRAY = 1 << 3,
	JST_NUMBER = 1 << 4,
	JST_STRING = 1 << 5,
	JST_INTEGER = 1 << 6,
};

struct jsnode;

/* A string that may contain NUL bytes (property names). */
struct jsstr {
	const char *s;
	size_t n;
};

struct jsprops {
	size_t n; /* "properties" */
	struct jsstr *names;
	struct jsnode **nodes;
	uint32_t *table; /* index + 1 by hash, when n > 8; else NULL */
	size_t tmask;
	size_t npat; /* "patternProperties" */
	struct jsregex **pats;
	struct jsnode **patnodes;
	struct jsnode *additional; /* "additionalProperties", or NULL */
	/* "required", when every name is one of the first 64 "properties": the
	 * members seen while iterating answer it, with no lookups. */
	uint64_t required_mask; /* bit j: names[j] is required */
	/* Bit j (j < 64): names[j] is printable ASCII without '"' or '\\', so
	 * its JSON text is the name itself between quotes. */
	uint64_t plain_mask;
};

struct jsitems {
	size_t nprefix; /* "prefixItems", or array-form "items" */
	struct jsnode **prefix;
	struct jsnode *rest; /* applies from index nprefix on, or NULL */
	const char *rest_kw; /* "items" or "additionalItems" */
};

struct jscontains {
	struct jsnode *node;
	size_t min, max;
	int has_max;
	int annotate; /* 2020-12: matches count as evaluated items */
};

struct jsdep {
	struct jsstr key;
	size_t n; /* dependentRequired: the names */
	struct jsstr *names;
	struct jsnode *node; /* dependentSchemas: the schema */
};

struct jsdeps {
	size_t n;
	struct jsdep *v;
};

struct jsdynref {
	struct jsnode *target; /* the static resolution */
	const char *anchor;    /* the dynamic anchor name when the bookend holds, else NULL */
};

struct jscond {
	struct jsnode *if_, *then_, *else_; /* then_/else_ may be NULL */
};

struct jskw {
	uint8_t op;       /* enum jsop */
	const char *name; /* the keyword, as reported */
	union {
		struct jsnum num;
		size_t count;
		int format;
		const struct jsd *value;
		struct jsregex *re;
		struct jsnode *node;
		struct {
			struct jsnode **v;
			size_t n;
		} list;
		struct {
			struct jsstr *v;
			size_t n;
		} names;
		struct jsprops *props;
		struct jsitems *items;
		struct jscontains *contains;
		struct jsdeps *deps;
		struct jsdynref *dynref;
		struct jscond *cond;
	} u;
};

/* A named dynamic anchor of a resource. */
struct jsdynanchor {
	const char *name;
	json_t *json;
	struct jsnode *node;
};

/* A schema resource: a document root or a subschema with its own "$id".
 * Validation keeps a stack of the resources it has entered (the dynamic
 * scope) for "$dynamicRef" and "$recursiveRef". */
struct jsres {
	const char *uri; /* absolute URI without fragment ("" for an unnamed root) */
	json_t *json;
	struct jsnode *root;  /* compiled root node (compiled when needed) */
	int recursive_anchor; /* root has "$recursiveAnchor": true */
	size_t ndyn, capdyn;
	struct jsdynanchor *dyn;
	struct jsres *next; /* all resources, for the compiler */
};

enum jsnode_kind {
	JSNODE_TRUE,
	JSNODE_FALSE,
	JSNODE_SCHEMA,
};

struct jsnode {
	const struct jsres *res;
	const char *loc;        /* schema location, e.g. "#/properties/a" */
	uint8_t kind;           /* enum jsnode_kind */
	uint8_t reals_are_ints; /* draft 6+: 1.0 is an integer */
	uint8_t uneval_props;   /* has unevaluatedProperties: collect annotations */
	uint8_t uneval_items;   /* has unevaluatedItems */
	uint8_t types;          /* "type" as JST_* bits; 0 when absent */
	uint32_t id;            /* compile-time index */
	size_t nkw;
	struct jskw *kw;
};

struct jsarena;
struct jsstream;

/* Spare PCRE2 match data kept between validations (taken and returned with
 * atomic exchanges, so concurrent validations never share one). */
#define JSCOMPILE_SCRATCH_SLOTS 8

struct jsonschema {
	struct jsarena *arena;
	struct jsnode *root;
	enum jsonschema_draft draft;
	unsigned max_depth;
	unsigned long max_steps;
	json_t **docs; /* references held: every schema document used */
	size_t ndocs, capdocs;
	struct jsregex **regexes; /* owned */
	size_t nregex, capregex;
	_Atomic(struct jsregex_scratch *) scratch[JSCOMPILE_SCRATCH_SLOTS];
	struct jsd_arena values;   /* "const" and "enum" values as documents */
	size_t nnodes;             /* node ids are below this */
	int dynamic;               /* uses $dynamicRef or $recursiveRef */
	struct jsstream *one_pass; /* compat/jsstream's plan, when it has one; owned */
};

/* Compiles `schema` into `v` (zeroed by the caller). Returns 0, or -1 with
 * `err` set; on failure the caller still calls jscompile_release(). */
int jscompile(struct jsonschema *v, const json_t *schema, const struct jsonschema_options *opts,
              struct sg_error *err);

/* Releases everything jscompile() stored in `v` (not `v` itself). */
void jscompile_release(struct jsonschema *v);

/* Index of property `k` (`n` bytes) in `p`'s "properties", or -1. */
long jsprops_find(const struct jsprops *p, const char *k, size_t n);

#endif
