/* compat/schema.h: a parsed schema of any supported type (Avro, JSON Schema),
 * behind one interface the registry, gateway and CLI share.
 *
 * A struct schema is immutable once parsed, so it may be shared between threads
 * without locking. Ownership: schema_parse() returns a schema the caller frees
 * with schema_free() (NULL accepted). References passed to schema_parse() are
 * borrowed and must outlive the schema that uses them. Strings returned by
 * accessors are owned by the schema.
 */
#ifndef SG_SCHEMA_H
#define SG_SCHEMA_H

#include <stddef.h>
#include <jansson.h>
#include "compat/error.h"
#include "compat/level.h"
#include "compat/report.h"

enum schema_type {
	SCHEMA_AVRO,
	SCHEMA_JSON,
	SCHEMA_PROTOBUF, /* recognised by name only: parsing it is refused */
};

/* "AVRO", "JSON", "PROTOBUF" (as Confluent spells them). Returns 0 or -1. */
int schema_type_parse(const char *s, enum schema_type *out);
const char *schema_type_name(enum schema_type t);

/* A resolved reference: `name` (borrowed for the schema_parse() call only) as
 * given in the registration's `references`
 * (for Avro, the full name of a named type; for JSON Schema, the URL a `$ref`
 * uses), and the referenced schema, already parsed. */
struct schema_ref {
	const char *name;
	const struct schema *schema;
};

/* Parses and fully validates schema text. On failure returns NULL and sets
 * `err` (SG_EINVALID_SCHEMA with a message that says what and where, or
 * SG_ENOMEM/SG_ELIMIT). Never crashes on any input. */
struct schema *schema_parse(enum schema_type type, const char *text, size_t len,
                            const struct schema_ref *refs, size_t nrefs, struct sg_error *err);
void schema_free(struct schema *s);

enum schema_type schema_type(const struct schema *s);

/* The canonical string, as Confluent stores and returns a schema: compact JSON
 * in a fixed attribute order that keeps every attribute (doc, default, custom
 * properties). Two registrations are "the same schema" when these are equal. */
const char *schema_canonical(const struct schema *s);

/* What Confluent returns for ?format=resolved, as a new string the caller
 * frees (NULL when out of memory): for Avro, the canonical string with each
 * referenced named type written out in full at its first use instead of by
 * name; for other types, the canonical string. */
char *schema_resolved(const struct schema *s);

/* The normalized string used with ?normalize=true (Confluent's normalize()). */
const char *schema_normalized(const struct schema *s);

/* How JSON Schema changes are judged (Confluent's compatibilityPolicy). */
enum schema_policy {
	SCHEMA_POLICY_STRICT,
	SCHEMA_POLICY_LENIENT,
};

/* Whether data written with `writer` can be read with `reader`. Returns 1 when
 * compatible, 0 when not (every reason is appended to `r`, which may be NULL),
 * or -1 when no verdict could be reached, with `err` (may be NULL) saying why:
 * SG_ENOMEM, or SG_ELIMIT when the schemas are too large to compare within the
 * work limits. Schemas of different types are incompatible. */
int schema_compatible(const struct schema *reader, const struct schema *writer,
                      enum schema_policy policy, struct report *r, struct sg_error *err);

/* Writes finding `i` of `r` (filled by schema_compatible() on schemas of type
 * `type`) the way Confluent's registry words it in a 409 answer or a verbose
 * check, e.g. {errorType:'...', description:'...', additionalInfo:'...'}.
 * `reader` and `writer` are the words Confluent substitutes ("new" and "old"
 * for a BACKWARD check). Returns the length needed, as snprintf does, or -1
 * when the finding has no Confluent wording. */
int schema_describe(enum schema_type type, const struct report *r, size_t i, const char *reader,
                    const char *writer, char *out, size_t cap);

/* Checks `candidate` against a subject's `history` (n schemas, oldest first) as
 * `level` asks: the latest only, or every version for a _TRANSITIVE level,
 * newest first; BACKWARD means the candidate reads the old data, FORWARD the
 * old schemas read the candidate's data, FULL both. An empty history is
 * compatible. Stops at the first version that fails, as Confluent does, and
 * sets *failed (when not NULL) to that version's index in `history`.
 * Returns 1 when compatible, 0 when not (reasons in `r`), -1 with `err` set as
 * schema_compatible() does.
 * The registry and `schemagate check --offline` both call this, so they agree. */
int schema_check_level(enum level level, const struct schema *candidate,
                       const struct schema *const *history, size_t n, enum schema_policy policy,
                       struct report *r, size_t *failed, struct sg_error *err);

/* The type-specific models, or NULL when the schema is of another type. */
const struct avsc_schema *schema_avro(const struct schema *s);
const json_t *schema_json(const struct schema *s);
const struct jsonschema *schema_json_validator(const struct schema *s);

#endif
