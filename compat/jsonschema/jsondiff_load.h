/* compat/jsonschema/jsondiff_load.h: what the loaders of the JSON Schema
 * differ's model share. Internal to jsondiff_model.c (the space, documents,
 * $id index, $refs, equality and patterns), jsondiff_everit.c (drafts 4, 6
 * and 7 as everit reads them) and jsondiff_skema.c (drafts 2019-09 and
 * 2020-12 as json-sKema and Confluent's SchemaTranslator read them). The
 * model itself and the rest of its API are in jsondiff_model.h.
 *
 * Conventions: `l` is the loader of one schema document family, `o` a schema
 * object, `doc` the index of the document it was read from, `base` the base
 * URI in effect inside it and `depth` its nesting. Readers of one keyword
 * leave their output untouched when the keyword is absent, and on a keyword
 * of the wrong JSON type record SG_EINVALID_SCHEMA in the space (the first
 * error wins) and return -1 or NULL. Nodes and arrays live in the space;
 * strings and JSON values are borrowed from the documents.
 */
#ifndef SG_JSONDIFF_LOAD_H
#define SG_JSONDIFF_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "compat/jsonschema/jsondiff_model.h"

/* jansson's iteration macros take non-const values. */
#define JV(x) ((json_t *)(uintptr_t)(x))

/* A map from a pointer or a string to a pointer, open addressing. */
struct jdm_map {
	const void **keys;
	void **vals;
	size_t n, cap;
	int strings; /* keys are NUL-terminated strings compared by content */
};

/* One schema document of a loader. */
struct jdm_doc {
	const json_t *root;
	const char *uri;    /* where the document came from ("" for the schema itself) */
	const char *base;   /* uri with the root's own $id applied */
	struct jdm_map ids; /* resolved $id or anchor URI -> struct jdm_idref* */
};

struct jdm_loader {
	struct jdm_space *space;
	enum jdm_draft draft;
	struct jdm_doc docs[JDM_MAX_DOCS];
	int ndocs;
	struct jdm_map memo; /* const json_t* -> struct jdm_node* */
	jdm_resolve_fn resolve;
	void *resolve_ctx;
};

/* Records an error in the space (its struct sg_error; the first one wins).
 * Returns -1. */
__attribute__((format(printf, 3, 4))) int jdm_fail(struct jdm_space *s, int code, const char *fmt,
                                                   ...);

/* SG_EINVALID_SCHEMA: "keyword 'key' must be `what`". Returns -1. */
int jdm_bad(struct jdm_loader *l, const char *key, const char *what);

/* A zeroed node of kind `kind`, or NULL. */
struct jdm_node *jdm_node_new(struct jdm_space *s, enum jdm_kind kind);

/* A JDM_COMBINED node with room for `n` subschemas (none set yet), or NULL. */
struct jdm_node *jdm_combined_new(struct jdm_space *s, enum jdm_criterion c, size_t n);

/* Loads the schema value `j` (an object or a boolean), once per value: the
 * same value always yields the same node. */
struct jdm_node *jdm_load_any(struct jdm_loader *l, const json_t *j, int doc, const char *base,
                              int depth);

/* The loaders of one schema object per draft family (jsondiff_everit.c,
 * jsondiff_skema.c). `base` already includes the object's own $id. */
struct jdm_node *jdm_load7(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                           int depth);
struct jdm_node *jdm_load2020(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                              int depth);

/* "id" under draft 4, "$id" after. */
const char *jdm_id_keyword(const struct jdm_loader *l);

/* Keyword readers: o[key] as a number, an integer, a string, a boolean. */
int jdm_read_num(struct jdm_loader *l, const json_t *o, const char *key, struct jdm_num *out);
int jdm_read_int(struct jdm_loader *l, const json_t *o, const char *key, struct jdm_num *out);
int jdm_read_str(struct jdm_loader *l, const json_t *o, const char *key, const char **out);
int jdm_read_bool(struct jdm_loader *l, const json_t *o, const char *key, int *out);

/* o[key] when it is a number, else nothing and no error (minContains and
 * maxContains, which both loaders read leniently). */
void jdm_read_lenient_num(const json_t *o, const char *key, struct jdm_num *out);

/* `v` (the value of keyword `key`) as an array of strings. */
int jdm_read_names(struct jdm_loader *l, const json_t *v, const char *key, const char ***out,
                   size_t *n);

/* `v` (the value of keyword `key`) as an array of schemas, loaded in order. */
int jdm_read_schemas(struct jdm_loader *l, const json_t *v, const char *key, int doc,
                     const char *base, int depth, struct jdm_node ***out, size_t *n);

/* `v` (the value of keyword `key`) as an object of schemas ("properties",
 * schema dependencies). With `skip_id`, a member named like the id keyword
 * whose value is not an object is left out, as everit does. */
int jdm_read_props(struct jdm_loader *l, const json_t *v, const char *key, int skip_id, int doc,
                   const char *base, int depth, struct jdm_prop **out, size_t *n);

/* `v` as "patternProperties". */
int jdm_read_patterns(struct jdm_loader *l, const json_t *v, int doc, const char *base, int depth,
                      struct jdm_pattern **out, size_t *n);

/* A JDM_ENUM node for the "enum" value `v`, or NULL. */
struct jdm_node *jdm_enum_new(struct jdm_loader *l, const json_t *v);

/* A JDM_REF node for the "$ref" value `v` written where `base` applies. */
struct jdm_node *jdm_ref_new(struct jdm_loader *l, const json_t *v, int doc, const char *base);

/* A JDM_COND node for o's "if", "then" and "else" (each optional). */
struct jdm_node *jdm_cond_new(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                              int depth);

/* Reads the annotations of `o` into `n`: title, description, default,
 * "connect.type", and the $id with `with_id`. Returns 0 or -1. */
int jdm_annotations(struct jdm_loader *l, const json_t *o, struct jdm_node *n, int with_id);

#endif
