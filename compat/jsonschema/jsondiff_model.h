/* compat/jsonschema/jsondiff_model.h: the schema model the JSON Schema differ works on,
 * and the loaders that build it from jansson values. Internal to the differ
 * (jsondiff.c, jsondiff_context.c); implemented by jsondiff_model.c with its
 * loaders jsondiff_everit.c and jsondiff_skema.c (see jsondiff_load.h).
 *
 * Confluent does not diff JSON text: it diffs the object model of the everit
 * library (drafts 4, 6 and 7), or, for drafts 2019-09 and 2020-12, the model
 * its SchemaTranslator derives from json-sKema. Which keywords end up where
 * (a "type" array becomes an anyOf, "enum" beside "type" becomes an allOf, an
 * empty "properties" vanishes under 2020-12, ...) decides what the differ
 * reports, so both loaders are reproduced. A node's kind mirrors the
 * everit class it stands for; two nodes "have the same type" when their kinds
 * are equal (or both are combined), as Confluent compares classes.
 *
 * Ownership: every node, array and copied string lives in a struct jdm_space
 * (an arena with a hard byte limit) and is freed with it. Strings and values
 * taken from the documents are borrowed: the documents must outlive the space.
 * Nodes are shared: loading the same JSON object twice yields the same node,
 * which is what lets the differ recognise a pair it has already compared and
 * stop on recursive $refs.
 *
 * Errors: loaders return NULL and set the struct sg_error given to
 * jdm_space_new(): SG_EINVALID_SCHEMA for a schema everit or json-sKema would
 * reject (a keyword of the wrong JSON type, an unknown type name, a $ref that
 * does not resolve), SG_ELIMIT when nesting, size or $ref chains exceed the
 * limits below, SG_ENOMEM.
 */
#ifndef SG_JSONDIFF_MODEL_H
#define SG_JSONDIFF_MODEL_H

#include <stddef.h>
#include <jansson.h>

#include "compat/error.h"

/* Deepest JSON nesting a loader follows. */
#define JDM_MAX_DEPTH 200
/* Longest chain of $ref to $ref followed before giving up. */
#define JDM_MAX_REF_CHAIN 64
/* Most documents (the schema itself plus referenced ones) per side. */
#define JDM_MAX_DOCS 64
/* Default byte limit of a space. */
#define JDM_DEFAULT_BYTES (256u * 1024u * 1024u)

enum jdm_kind {
	JDM_EMPTY, /* {} or a schema with no validating keyword (everit EmptySchema) */
	JDM_TRUE,  /* the literal true (TrueSchema, a kind of EmptySchema) */
	JDM_FALSE, /* the literal false */
	JDM_STRING,
	JDM_NUMBER, /* "number" and "integer" (see .integer) */
	JDM_BOOLEAN,
	JDM_NULL,
	JDM_OBJECT,
	JDM_ARRAY,
	JDM_ENUM,
	JDM_CONST,
	JDM_COMBINED, /* allOf / anyOf / oneOf, written or implied */
	JDM_NOT,
	JDM_REF,  /* an unresolved $ref; see jdm_deref() */
	JDM_COND, /* if / then / else: Confluent compares only its annotations */
};

enum jdm_criterion { JDM_ALL, JDM_ANY, JDM_ONE };

enum jdm_draft { JDM_DRAFT4, JDM_DRAFT6, JDM_DRAFT7, JDM_DRAFT2019, JDM_DRAFT2020 };

/* An optional number as read from the schema; `json` keeps the exact value
 * (used for multipleOf, which Confluent compares as decimals). */
struct jdm_num {
	int has;
	double v;
	const json_t *json;
};

struct jdm_node;
struct jdm_loader;

struct jdm_prop {
	const char *name;
	struct jdm_node *schema;
};

struct jdm_pattern {
	const char *pattern;
	struct jdm_node *schema;
};

/* "dependencies" with an array value (or "dependentRequired"): a set of names. */
struct jdm_pdep {
	const char *name;
	const char **names;
	size_t nnames;
};

struct jdm_node {
	enum jdm_kind kind;

	/* Annotations every kind carries. */
	const char *id;
	const char *title;
	const char *description;
	int has_default;
	const json_t *def;        /* NULL with has_default for everit's JSON null */
	const char *connect_type; /* the "connect.type" custom keyword */

	/* JDM_STRING */
	struct jdm_num min_length, max_length;
	const char *pattern;

	/* JDM_NUMBER */
	int integer;
	struct jdm_num minimum, maximum, excl_minimum, excl_maximum, multiple_of;

	/* JDM_OBJECT */
	struct jdm_prop *props;
	size_t nprops;
	const char **required;
	size_t nrequired;
	struct jdm_pattern *pprops;
	size_t npprops;
	int no_additional;           /* additionalProperties: false */
	struct jdm_node *additional; /* additionalProperties: {schema} */
	struct jdm_num min_props, max_props;
	struct jdm_pdep *pdeps;
	size_t npdeps;
	struct jdm_prop *sdeps; /* schema dependencies */
	size_t nsdeps;

	/* JDM_ARRAY */
	struct jdm_node *all_items; /* items: {schema} */
	struct jdm_node **items;    /* items: [...] / prefixItems */
	size_t nitems;
	int no_additional_items; /* additionalItems: false */
	struct jdm_node *additional_items;
	struct jdm_num min_items, max_items, min_contains, max_contains;
	int unique;
	struct jdm_node *contains;

	/* unevaluatedProperties (JDM_OBJECT) / unevaluatedItems (JDM_ARRAY);
	 * only drafts 2019-09 and 2020-12 set it. */
	struct jdm_node *uneval;

	/* JDM_ENUM */
	const json_t **values;
	size_t nvalues;

	/* JDM_CONST */
	const json_t *value;

	/* JDM_COMBINED */
	enum jdm_criterion criterion;
	struct jdm_node **subs;
	size_t nsubs;
	int generated; /* built by the 2020-12 translator rather than written */

	/* JDM_NOT */
	struct jdm_node *not_schema;

	/* JDM_REF */
	const char *ref;
	const char *ref_base; /* base URI in effect where the $ref was written */
	int ref_doc;          /* index of the document it was written in */
	struct jdm_loader *loader;
	struct jdm_node *target;

	/* JDM_COND */
	struct jdm_node *if_schema, *then_schema, *else_schema;
};

/* Resolves a $ref to another document: returns the document (borrowed, it
 * must outlive the space) or NULL when unknown. Called with the reference
 * resolved against the base URI, then with the reference as written. */
typedef const json_t *(*jdm_resolve_fn)(void *ctx, const char *uri);

struct jdm_space;

/* Creates a space holding at most `max_bytes` (0: JDM_DEFAULT_BYTES). Errors
 * go to `err` (may be NULL). Returns NULL when out of memory. */
struct jdm_space *jdm_space_new(size_t max_bytes, struct sg_error *err);
void jdm_space_free(struct jdm_space *s);

/* Allocates zeroed bytes from the space; NULL (with the error set) past the limit. */
void *jdm_alloc(struct jdm_space *s, size_t n);

/* A loader for one schema document and the documents it references; it picks
 * the draft from the root's "$schema" as Confluent does (draft 7 when absent
 * or unknown). Owned by the space. */
struct jdm_loader *jdm_loader_new(struct jdm_space *s, const json_t *root, jdm_resolve_fn resolve,
                                  void *resolve_ctx);

/* The model of the root document. NULL on error. */
struct jdm_node *jdm_load_root(struct jdm_loader *l);

/* Follows $ref nodes to the schema they name, loading it on first use with the
 * loader that read the $ref. Non-ref nodes (and NULL) are returned as they
 * are; NULL for a $ref means an error. */
struct jdm_node *jdm_deref(struct jdm_node *n);

/* 1 when the two nodes are structurally equal (Confluent's duplicate test for
 * subschemas of a combined schema), 0 otherwise; $refs compare by the text of
 * the reference. Each node or name looked at costs one unit of *budget (which
 * is decreased); -1 when the budget runs out first. */
int jdm_node_equal(const struct jdm_node *a, const struct jdm_node *b, unsigned long *budget);

/* Whether `pattern` (an ECMA-262 regular expression, read by compat/jsregex
 * exactly as the validator reads it) finds a match in `subject`. Compiled
 * patterns are kept in the space. Returns 1 or 0, or -1 (error set) when the
 * pattern does not compile, a match limit was hit or memory ran out. */
int jdm_pattern_find(struct jdm_space *s, const char *pattern, const char *subject);

#endif
