/* compat/jsonschema/jsondiff.h: JSON Schema compatibility as Confluent Schema Registry
 * judges it (io.confluent.kafka.schemaregistry.json.diff.SchemaDiff).
 *
 * The differ walks an original (old, registered) schema and an update (new,
 * candidate) schema side by side and lists every change as one of Confluent's
 * Difference types ("TYPE_CHANGED", "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
 * ...) at a location. A policy then says which types are compatible: the
 * update is backward compatible (it can read all data valid under the
 * original) when every change is. Schemas are read the way Confluent reads
 * them: drafts 4, 6 and 7 (the default) as everit does, drafts 2019-09 and
 * 2020-12 as json-sKema plus Confluent's translator do; in-document $refs
 * ("#/definitions/x", "#/$defs/x", "#", $id and anchors) resolve, recursive
 * $refs terminate, and other documents come from an optional resolver.
 *
 * Locations are printed as Confluent prints them: "#/" followed by the path
 * segments joined with "/", unescaped ("#/properties/foo", "#/items/0",
 * "#/" for the root).
 *
 * Where Confluent's code has a plain bug this module does the evident intent
 * instead, and says so here:
 *  - a $ref to a $ref is followed to the end (Confluent unwraps one level and
 *    then compares the inner references as equal);
 *  - exclusiveMaximum decreasing is EXCLUSIVE_MAXIMUM_DECREASED (Confluent
 *    compares against "maximum" and may throw).
 * Object and array "default" values always count as DEFAULT_CHANGED, as in
 * Confluent (it compares them by identity); the type is compatible.
 *
 * Nothing here does I/O or keeps global state; calls are independent and may
 * run in parallel. Work is bounded: nesting, $ref chains, memory and the
 * number of comparisons have hard limits, past which the call fails with
 * SG_ELIMIT instead of growing.
 *
 * Ownership: schemas are borrowed for the duration of the call. Findings are
 * appended to the caller's report (which may be NULL).
 */
#ifndef SG_JSONDIFF_H
#define SG_JSONDIFF_H

#include <stddef.h>
#include <jansson.h>

#include "compat/error.h"
#include "compat/report.h"

/* Returns the document a $ref outside the schema names, or NULL when unknown.
 * Called first with the reference resolved against the schema's base URI
 * ($id), then, if that differs, with the reference as written (the fragment
 * stripped in both cases). The document is borrowed and must stay valid until
 * the comparison returns. */
typedef const json_t *(*jsondiff_resolve_fn)(void *ctx, const char *uri);

struct jsondiff_options {
	int lenient;     /* compatibilityPolicy=LENIENT instead of STRICT */
	int all_changes; /* report compatible changes too, not only the breaking ones */
	jsondiff_resolve_fn resolve_original; /* external $refs of the original; may be NULL */
	void *resolve_original_ctx;
	jsondiff_resolve_fn resolve_update; /* external $refs of the update; may be NULL */
	void *resolve_update_ctx;
	unsigned long max_steps; /* work allowed; 0: JSONDIFF_DEFAULT_STEPS */
	size_t max_bytes;        /* memory allowed; 0: JSONDIFF_DEFAULT_BYTES */
};

/* A step is one comparison of two subschemas (or a share of the work on a
 * wide object, enum or duplicate check). The default allows about a second of
 * CPU; real schemas need a few thousand. */
#define JSONDIFF_DEFAULT_STEPS 5000000ul
#define JSONDIFF_DEFAULT_BYTES (256u * 1024u * 1024u)

/* Whether `update` can read data written with `original` under the STRICT
 * (lenient = 0) or LENIENT policy. Every breaking change is appended to `r`
 * (type: the Difference name, location: the path, message: a sentence).
 * Returns 1 when compatible, 0 when not, -1 on an error (a schema that does not
 * load, a $ref that does not resolve, a limit exceeded, out of memory). */
int jsondiff_check(const json_t *original, const json_t *update, int lenient, struct report *r);

/* The same with options; on -1 `err` (may be NULL) says why. With
 * opts->all_changes every change is reported, in the order found; the return
 * value still judges only the breaking ones. `opts` may be NULL. */
int jsondiff_compare(const json_t *original, const json_t *update,
                     const struct jsondiff_options *opts, struct report *r, struct sg_error *err);

/* Whether a Difference type is compatible under the policy: 1 or 0, or -1 for
 * a name that is not a Difference type. */
int jsondiff_type_compatible(const char *type, int lenient);

/* Formats one finding the way Confluent's 409 response lists it for JSON
 * Schema: {errorType:"TYPE_CHANGED", description:"A type at path '#/x' is
 * different between the new schema and the old schema'} (sic, with the
 * closing quote Confluent prints). `reader` and `writer` are the words Confluent
 * substitutes: "new" and "old" for a BACKWARD check. Writes at most `cap` bytes
 * including the NUL; returns the length it needed (as snprintf does), or -1
 * for an unknown type. */
int jsondiff_describe(const char *type, const char *location, const char *reader,
                      const char *writer, char *out, size_t cap);

#endif
