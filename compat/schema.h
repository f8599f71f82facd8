/* compat/schema.h: a parsed schema of any supported type (Avro, JSON Schema,
 * Protobuf),
 * behind one interface the registry, gateway and CLI share.
 *
 * Each type is one row of a table of functions (struct schema_ops, below; the
 * rows are in compat/schema_types.c). The functions of this header look the
 * row up and call it, so callers never branch on the type: a new type is its
 * folder (compat/<type>/) plus its row.
 *
 * A struct schema is immutable once parsed, so it may be shared between threads
 * without locking; so is a struct schema_validator. A struct schema_scratch
 * belongs to one thread at a time. Ownership: schema_parse() returns a schema
 * the caller frees with schema_free(), schema_validator_new() a validator it
 * frees with schema_validator_free() before the schema, schema_scratch_new() a
 * scratch it frees with schema_scratch_free() (each accepts NULL). References
 * passed to schema_parse() are borrowed and must outlive the schema that uses
 * them. Strings returned by accessors are owned by the schema.
 */
#ifndef SG_SCHEMA_H
#define SG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "compat/error.h"
#include "compat/level.h"
#include "compat/report.h"

enum schema_type {
	SCHEMA_AVRO,
	SCHEMA_JSON,
	SCHEMA_PROTOBUF,
};

/* "AVRO", "JSON", "PROTOBUF" (as Confluent spells them). Returns 0 or -1. */
int schema_type_parse(const char *s, enum schema_type *out);
const char *schema_type_name(enum schema_type t);

/* A resolved reference: `name` (borrowed for the schema_parse() call only) as
 * given in the registration's `references`
 * (for Avro, the full name of a named type; for JSON Schema, the URL a `$ref`
 * uses; for Protobuf, the path an `import` names), and the referenced
 * schema, already parsed. */
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

/* Confluent's formattedString(format) for a format of the type's own other
 * than "resolved" (for Protobuf, "serialized": the base64
 * FileDescriptorProto), as a new string the caller frees. NULL when the type
 * has no such format (err untouched: the canonical string stands, as
 * Confluent answers an unknown format), or with `err` set when it failed. */
char *schema_formatted(const struct schema *s, const char *format, struct sg_error *err);

/* The normalized string used with ?normalize=true (Confluent's normalize()). */
const char *schema_normalized(const struct schema *s);

/* The name RecordNameStrategy derives a subject from: for Avro the full name
 * of the root's named type (the type's name, such as "string", for others),
 * for JSON Schema the root's "title", for Protobuf the full name of the first
 * message (else of the first enum). NULL when the schema has none. */
const char *schema_record_name(const struct schema *s);

/* Whether the schema has a top-level field named `name` (Confluent's
 * hasTopLevelField, which reserved fields are checked against): for Avro a
 * field of a record root, for JSON Schema a key of the root's "properties".
 * Returns 1 or 0. */
int schema_has_top_level_field(const struct schema *s, const char *name);

/* How JSON Schema changes are judged (Confluent's compatibilityPolicy). */
enum schema_policy {
	SCHEMA_POLICY_STRICT,
	SCHEMA_POLICY_LENIENT,
};

/* Whether data written with `writer` can be read with `reader`. Returns 1 when
 * compatible, 0 when not (every reason is appended to `r`, which may be NULL),
 * or -1 when no verdict could be reached, with `err` (may be NULL) saying why:
 * SG_ENOMEM, SG_ELIMIT when the schemas are too large to compare within the
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

/* ---- Schema files (`schemagate check`, `validate`) ---- */

/* The type a --type word names: a type's name in lower case ("avro", "json"),
 * for the types read from files (rows with a `guess`). Returns 0 or -1. */
int schema_file_type_parse(const char *word, enum schema_type *out);

/* The type of the schema in file `path` holding `text`: the row surest of it
 * (see enum schema_guess); on a tie, or when no row sees a sign, the row
 * first in the table (Avro, the type Confluent assumes without schemaType). */
enum schema_type schema_file_type(const char *path, const char *text, size_t len);

/* ---- Payloads ---- */

/* A schema prepared for checking payloads (for Avro, its compiled program),
 * built once per schema and used by any number of threads at once. */
struct schema_validator;

/* Prepares `s` (which must outlive the validator). NULL with `err` when the
 * schema cannot be used to check payloads (SG_ELIMIT, SG_EINVALID_SCHEMA) or
 * on SG_ENOMEM. */
struct schema_validator *schema_validator_new(const struct schema *s, struct sg_error *err);
void schema_validator_free(struct schema_validator *v);

/* An estimate of the memory the validator holds beyond the schema, in bytes
 * (for cache budgets). */
size_t schema_validator_bytes(const struct schema_validator *v);

/* One thread's working memory for schema_validate(): the words of the last
 * refusal and what a type keeps between payloads (for JSON Schema, a PCRE2
 * match buffer and a report). NULL when out of memory. */
struct schema_scratch *schema_scratch_new(void);
void schema_scratch_free(struct schema_scratch *sc);

/* A payload's verdict. */
enum schema_payload {
	SCHEMA_PAYLOAD_VALID,   /* one encoding of a value the schema accepts */
	SCHEMA_PAYLOAD_FRAMING, /* the type's header after the schema id is malformed */
	SCHEMA_PAYLOAD_SYNTAX,  /* not well-formed in the type's encoding (for JSON
	                         * Schema: not JSON; Avro has no such case) */
	SCHEMA_PAYLOAD_INVALID, /* well-formed, but not a value of the schema */
	SCHEMA_PAYLOAD_NOMEM,   /* no verdict: out of memory */
};

/* Where a payload given to schema_validate() starts. */
enum schema_framing {
	SCHEMA_UNFRAMED, /* at the payload itself (plain JSON, a data file) */
	SCHEMA_FRAMED,   /* after the schema id of a Confluent-framed record: the
	                  * type's own header, when it has one, then the payload */
};

/* Longest refusal schema_why() holds, in bytes with the NUL (longer ones are
 * cut, not on a UTF-8 boundary: cut the message they end up in). */
#define SCHEMA_WHY_MAX 320

/* Checks the payload in p[0..n), framed as `framing` says, as fast as the
 * type can: one call through its row, no allocation (JSON documents too deep
 * or large for the stack arena aside), no words. Returns
 * SCHEMA_PAYLOAD_VALID; SCHEMA_PAYLOAD_NOMEM, with schema_why(sc) saying so;
 * or another verdict, which schema_explain() makes exact and puts in words.
 * `sc` is the calling thread's own scratch. */
enum schema_payload schema_validate(const struct schema_validator *v, enum schema_framing framing,
                                    const uint8_t *p, size_t n, struct schema_scratch *sc);

/* The record name RecordNameStrategy derives the subject from for a framed
 * payload p[0..n) (after the schema id): for Protobuf, the full name of the
 * message its indexes pick (a serializer registers the schema of the
 * message it writes under that name); for types without a header, and when
 * the header is malformed (schema_validate() then says so), NULL. The
 * string lives as long as the validator. */
const char *schema_framed_record_name(const struct schema_validator *v, const uint8_t *p, size_t n,
                                      struct schema_scratch *sc);

/* Checks a payload schema_validate() refused again, for people: returns its
 * exact verdict (SCHEMA_PAYLOAD_FRAMING, _SYNTAX or _INVALID) with
 * schema_why(sc) saying what is wrong. */
enum schema_payload schema_explain(const struct schema_validator *v, enum schema_framing framing,
                                   const uint8_t *p, size_t n, struct schema_scratch *sc);

/* Bits of schema_scratch_set_flags(): how payloads checked with the scratch
 * are judged, for types that have the choice. */
#define SCHEMA_CHECK_REJECT_UNKNOWN 1u /* Protobuf: a field the message lacks is refused */

/* Sets the SCHEMA_CHECK_* bits later checks with `sc` apply (0 at first). */
void schema_scratch_set_flags(struct schema_scratch *sc, unsigned flags);

/* The words of the last refusal schema_validate() or schema_explain() made
 * with `sc`, valid until the next call with it: the first problem, such as
 * "/amount: -5 is less than the minimum of 0" ("out of memory validating
 * JSON" for SCHEMA_PAYLOAD_NOMEM). */
const char *schema_why(const struct schema_scratch *sc);

/* Like schema_validate(), for people: every problem is appended to `r`
 * (type = the rule broken, location = a JSON pointer, message). Returns 1
 * when valid, 0 when not, -1 when out of memory. */
int schema_validate_report(const struct schema_validator *v, enum schema_framing framing,
                           const uint8_t *p, size_t n, struct report *r);

/* Checks a JSON document as `schemagate validate` reads data files: for JSON
 * Schema the document is the instance, for Avro a value in Avro's JSON
 * encoding (Protobuf has none yet: refused with an "unsupported" finding). Returns 1 when valid, 0
 * when not (problems in `r`, a "parse" one for text that is not JSON), -1 when out of memory. */
int schema_validate_json(const struct schema *s, const char *text, size_t len, struct report *r);

/* ---- The table of types ---- */

/* How sure a row is that a file holds a schema of its type. */
enum schema_guess {
	SCHEMA_GUESS_NONE,
	SCHEMA_GUESS_NAME,     /* an extension other types share (".json") */
	SCHEMA_GUESS_LIKELY,   /* content the type has (an Avro union or named type) */
	SCHEMA_GUESS_SURE,     /* content only the type has (a JSON Schema keyword) */
	SCHEMA_GUESS_OWN_NAME, /* the type's own extension (".avsc") */
};

/* One schema type. A model is the type's own parsed schema (for Avro, a
 * struct avsc_schema), owned by the struct schema that wraps it; a state is
 * its payload validator. Callers read the descriptive members and go through
 * the functions above for the rest. A type that parses fills every member up
 * to `compatible`; `describe` and the payload members (from `prepare` on)
 * may be NULL while the type cannot check payloads: schema_validator_new()
 * and schema_validate_json() then refuse. */
struct schema_ops {
	enum schema_type type;
	const char *name;  /* as Confluent's schemaType spells it: "AVRO" */
	const char *title; /* for people: "Avro", "JSON Schema" */
	/* Where the record name comes from, for messages ("a \"title\"");
	 * optional: NULL when every schema of the type has one. */
	const char *record_name_from;

	/* Returns the model of `text` (references as schema_parse() takes them;
	 * a reference's model is schema_model(ref.schema, type)), or NULL with
	 * `err` as schema_parse() sets it. */
	void *(*parse)(const char *text, size_t len, const struct schema_ref *refs, size_t nrefs,
	               struct sg_error *err);
	void (*free)(void *model);
	const char *(*canonical)(const void *model);
	const char *(*normalized)(const void *model);
	char *(*resolved)(const void *model);
	/* schema_formatted(); optional: NULL when the type has no other format */
	char *(*formatted)(const void *model, const char *format, struct sg_error *err);
	const char *(*record_name)(const void *model);
	int (*has_top_level_field)(const void *model, const char *name);
	/* schema_compatible() and schema_describe() for two models of the type. */
	int (*compatible)(const void *reader, const void *writer, enum schema_policy policy,
	                  struct report *r, struct sg_error *err);
	int (*describe)(const struct report *r, size_t i, const char *reader, const char *writer,
	                char *out, size_t cap);

	/* The validator's state for a model (NULL with `err`), its release
	 * (optional: none when the state is borrowed from the model), its size
	 * estimate (optional: none counts 0). */
	void *(*prepare)(const void *model, struct sg_error *err);
	void (*unprepare)(void *state);
	size_t (*state_bytes)(const void *state);
	/* The type's header between the schema id and the payload of a framed
	 * record; optional: NULL when the payload follows the id at once (Avro,
	 * JSON Schema; Protobuf's message indexes are one). Reads p[0..n)
	 * and returns 0 with *header (at most n) and *target (what the payload is
	 * an encoding of, such as the message the indexes name), or -1 with words
	 * for schema_why() (schema_scratch_say()). */
	int (*frame)(const void *state, const uint8_t *p, size_t n, size_t *header,
	             const void **target, struct schema_scratch *sc);
	/* The record name of a target `frame` gave (schema_framed_record_name());
	 * optional: NULL when `frame` is. */
	const char *(*target_name)(const void *state, const void *target);
	/* Check a payload against `target` (NULL: the schema's root), as
	 * schema_validate(), schema_explain() (words go to schema_scratch_say())
	 * and schema_validate_report() say; and a JSON document, as
	 * schema_validate_json() says. */
	enum schema_payload (*check)(const void *state, const void *target, const uint8_t *p,
	                             size_t n, struct schema_scratch *sc);
	enum schema_payload (*explain)(const void *state, const void *target, const uint8_t *p,
	                               size_t n, struct schema_scratch *sc);
	int (*check_report)(const void *state, const void *target, const uint8_t *p, size_t n,
	                    struct report *r);
	int (*check_json)(const void *model, const char *text, size_t len, struct report *r);

	/* How sure the type is that file `path` holding `text` is one of its
	 * schemas; optional: NULL for a type not read from files. */
	enum schema_guess (*guess)(const char *path, const char *text, size_t len);
};

/* The row of type `t`; NULL for a value that is no type. */
const struct schema_ops *schema_ops(enum schema_type t);

/* 1 when schemas of type `t` can be parsed and registered (the row has its
 * parsing, printing and compatibility members), 0 when `t` is no type. */
int schema_type_supported(enum schema_type t);

/* Sets what schema_why(sc) says (for rows). */
void schema_scratch_say(struct schema_scratch *sc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The model of `s` when it is of type `t`, else NULL (for rows reading their
 * references). */
const void *schema_model(const struct schema *s, enum schema_type t);

/* The type-specific models, or NULL when the schema is of another type. */
const struct avsc_schema *schema_avro(const struct schema *s);
const json_t *schema_json(const struct schema *s);
const struct jsonschema *schema_json_validator(const struct schema *s);

#endif
