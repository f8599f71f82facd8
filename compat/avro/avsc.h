/* compat/avro/avsc.h: the Avro schema model ("avsc" as in .avsc files).
 *
 * avsc_parse() turns schema JSON into an immutable, fully validated model:
 * names and namespaces (with inheritance), duplicate names, field names unique,
 * enum symbols valid and unique, default values checked against their types,
 * logical types (an invalid logical type is ignored, as the spec says), fixed
 * sizes, unions (no nested unions, no duplicate unnamed types), recursive types
 * by name, and references to named types defined in other schemas.
 *
 * It never crashes and keeps memory proportional to the input: nesting beyond
 * AVSC_MAX_DEPTH is refused with SG_ELIMIT. It does no I/O and does not use
 * avro-c. An avsc_schema is immutable and may be shared between threads.
 *
 * Ownership: the schema owns every node, field and string reachable from it;
 * they are borrowed views valid until avsc_free(). Schemas passed as `refs` are
 * borrowed and must outlive the schema parsed with them (its nodes may point
 * into theirs).
 */
#ifndef SG_AVSC_H
#define SG_AVSC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "compat/error.h"

#define AVSC_MAX_DEPTH 1000

enum avsc_kind {
	AVSC_NULL,
	AVSC_BOOLEAN,
	AVSC_INT,
	AVSC_LONG,
	AVSC_FLOAT,
	AVSC_DOUBLE,
	AVSC_BYTES,
	AVSC_STRING,
	AVSC_RECORD, /* also "error" */
	AVSC_ENUM,
	AVSC_ARRAY,
	AVSC_MAP,
	AVSC_UNION,
	AVSC_FIXED,
};

struct avsc_schema;
struct avsc_node;
struct avsc_field;

/* Parses `len` bytes of JSON text. `refs` are already-parsed schemas whose named
 * types this one may use by name (Confluent schema references). Returns NULL and
 * sets `err` (SG_EINVALID_SCHEMA, SG_ELIMIT, SG_ENOMEM) on failure; the message
 * names the problem and its JSON pointer, e.g.
 * "/fields/2/default: default value 'x' is not a valid int". */
struct avsc_schema *avsc_parse(const char *text, size_t len, const struct avsc_schema *const *refs,
                               size_t nrefs, struct sg_error *err);
void avsc_free(struct avsc_schema *s);

const struct avsc_node *avsc_root(const struct avsc_schema *s);

/* Finds a named type (record, enum, fixed) by full name, in the schema or its
 * references. NULL when unknown. */
const struct avsc_node *avsc_lookup(const struct avsc_schema *s, const char *fullname);

/* Serialisations. Each returns a NUL-terminated string owned by the schema,
 * computed once at parse time. */
/* The Parsing Canonical Form of the Avro specification. */
const char *avsc_canonical_form(const struct avsc_schema *s);
/* What Avro Java's Schema.toString() prints, which is what Confluent stores,
 * returns and compares: compact, attributes in Java's order, every attribute and
 * custom property kept, namespaces written only where they change, a named type
 * written in full at its first occurrence and by name after. Types that come
 * from references are written by name. */
const char *avsc_java_string(const struct avsc_schema *s);
/* The same with the types from references written in full at their first
 * occurrence too (Confluent's format=resolved). A new string the caller
 * frees; NULL when out of memory. */
char *avsc_resolved_string(const struct avsc_schema *s);
/* Confluent's normalized form (?normalize=true). */
const char *avsc_normalized(const struct avsc_schema *s);
/* The 64-bit Rabin fingerprint (CRC-64-AVRO) of the Parsing Canonical Form. */
uint64_t avsc_fingerprint64(const struct avsc_schema *s);

/* Node accessors. A node is one type; a named type is one node however many
 * times it is used. */
enum avsc_kind avsc_kind(const struct avsc_node *n);
const char *avsc_kind_name(enum avsc_kind k);          /* "record", "int", ... */
const char *avsc_fullname(const struct avsc_node *n);  /* named types; else NULL */
const char *avsc_name(const struct avsc_node *n);      /* unqualified; else NULL */
const char *avsc_namespace(const struct avsc_node *n); /* "" when none; NULL if unnamed */
size_t avsc_alias_count(const struct avsc_node *n);
const char *avsc_alias(const struct avsc_node *n, size_t i); /* full names */
const char *avsc_doc(const struct avsc_node *n);             /* NULL when absent */
/* "decimal", "uuid", "date", ...; NULL when absent or invalid (then ignored). */
const char *avsc_logical_type(const struct avsc_node *n);
int avsc_decimal_precision(const struct avsc_node *n);
int avsc_decimal_scale(const struct avsc_node *n);

/* Records. */
size_t avsc_field_count(const struct avsc_node *n);
const struct avsc_field *avsc_field(const struct avsc_node *n, size_t i);
/* The field named `name`, or NULL. */
const struct avsc_field *avsc_field_by_name(const struct avsc_node *n, const char *name);
const char *avsc_field_name(const struct avsc_field *f);
const struct avsc_node *avsc_field_type(const struct avsc_field *f);
/* The default value as JSON (borrowed), or NULL when the field has none. A JSON
 * null default is a json_null() value, not NULL. */
const json_t *avsc_field_default(const struct avsc_field *f);
size_t avsc_field_alias_count(const struct avsc_field *f);
const char *avsc_field_alias(const struct avsc_field *f, size_t i);
const char *avsc_field_doc(const struct avsc_field *f);

/* Enums. */
size_t avsc_symbol_count(const struct avsc_node *n);
const char *avsc_symbol(const struct avsc_node *n, size_t i);
/* The index of `symbol`, or -1. */
int avsc_symbol_index(const struct avsc_node *n, const char *symbol);
const char *avsc_enum_default(const struct avsc_node *n); /* NULL when none */

/* Arrays and maps. */
const struct avsc_node *avsc_items(const struct avsc_node *n);
const struct avsc_node *avsc_values(const struct avsc_node *n);

/* Unions. */
size_t avsc_branch_count(const struct avsc_node *n);
const struct avsc_node *avsc_branch(const struct avsc_node *n, size_t i);

/* Fixed. */
size_t avsc_fixed_size(const struct avsc_node *n);

#endif
